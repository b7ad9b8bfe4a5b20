// TypeScript conformance client (test/conformance/README.md): runs every case of cases.json
// through the generated ConformanceClient over the node in INTEROP_NODE_CONFIG and prints one
// JSON line per case. For --transport direct the node hosts the module itself (conformance-impl).
//
//   client.ts --cases PATH --transport T --codec C [--quick]

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ApplicationError, errorCodeName, InteropError } from '../../../runtime-ts/src/errors.js';
import { Node } from '../../../runtime-ts/src/node/node.js';
import { conformanceImpl } from './conformance-impl.js';
import { runCase, type Case } from './cases.js';
import { ConformanceClient, ConformanceModule, ConformancePublisher } from './gen/interop.conformance.js';

const { values: opts } = parseArgs({
  options: {
    cases: { type: 'string' },
    transport: { type: 'string' },
    codec: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
const cases = (JSON.parse(readFileSync(opts.cases!, 'utf8')) as { cases: Case[] }).cases;

const impl = conformanceImpl();
const node = await Node.start(undefined, { implementations: [[ConformanceModule, impl]], uses: [ConformanceModule] });
if (node.services.module(ConformanceModule.name)) impl.publisher = new ConformancePublisher(node.publisher(ConformanceModule));
const client = new ConformanceClient(node.invoker(ConformanceModule));

for (const c of cases) {
  if (opts.quick && c.quick === false) continue;
  if (c.transports !== undefined && !c.transports.includes(opts.transport!)) continue;
  let problem: string | undefined;
  try {
    problem = await runCase(client, node.invoker(ConformanceModule), c);
  } catch (err) {
    // One broken case must not hide the others.
    problem = `raised ${describe(err)}`;
  }
  console.log(JSON.stringify(problem === undefined ? { case: c.name, ok: true } : { case: c.name, ok: false, detail: problem }));
}
await node.close();
process.exit(0);

function describe(err: unknown): string {
  if (err instanceof ApplicationError) return `${err.errorType}: ${err.message}`;
  if (err instanceof InteropError) return `${errorCodeName(err.code)}: ${err.message}`;
  return String(err instanceof Error ? (err.stack ?? err) : err);
}
