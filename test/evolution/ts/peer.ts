// A TypeScript peer of the mixed-version matrix (test/evolution/README.md), built from version
// v1 or v2 of test/evolution/*.interop (generated into gen-v1/ and gen-v2/ by the test).
//
//   peer.ts --version v1 --serve          serve interop.evolution as INTEROP_NODE_CONFIG says
//   peer.ts --version v2 --run PLAN.json  run the plan's cases against each of its targets
//
// A client prints one JSON line per target and case: {"target", "case", "outcome"}, where the
// outcome is what happened, not a verdict: the test compares it with the expected one. After the
// cases of a target, the case "manifest" reports its node's `mixed_versions`.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ApplicationError, errorCodeName, InteropError } from '../../../runtime-ts/src/errors.js';
import type { CallContext, Invoker, ModuleDescriptor } from '../../../runtime-ts/src/module.js';
import { Node } from '../../../runtime-ts/src/node/node.js';
import type { NodeConfig } from '../../../runtime-ts/src/node/config.js';

const { values: opts } = parseArgs({
  options: { version: { type: 'string' }, serve: { type: 'boolean', default: false }, run: { type: 'string' } },
});
const version = opts.version === 'v2' ? 'v2' : 'v1';
/* eslint-disable @typescript-eslint/no-explicit-any */
const gen: any = await import(`./gen-${version}/interop.evolution.ts`);
const M = gen.EvolutionModule as ModuleDescriptor;

/** The server side of both versions: what each function does is in the .interop docs. */
function handlers() {
  const impl = {
    events: undefined as any,
    ping: (text: string) => `${version}:${text}`,
    echoNote: (note: { text: string; tag?: string }) => (version === 'v1' ? note : { text: note.text, tag: `v2:${note.tag ?? 'none'}` }),
    paint: (color: number) => color,
    favorite: () => (version === 'v1' ? gen.Color.GREEN : gen.Color.BLUE),
    measure: (m: unknown) => m,
    legacy: () => 'legacy',
    extra: () => 'extra',
    check(n: number) {
      if (n > 10) throw new gen.TooBig({ limit: 10 }, 'n is above 10');
      if (n < 0 && version === 'v2') throw new gen.TooSmall({ limit: 0 }, 'n is below 0');
      return n;
    },
    tick(n: number, _ctx: CallContext) {
      for (let i = 1; i <= n; i++) impl.events.ticked(version === 'v1' ? { n: i } : { n: i, label: 'v2' });
    },
  };
  return impl;
}

async function serve(): Promise<void> {
  const impl = handlers();
  const node = await Node.start(undefined, { implementations: [[M, impl]] });
  impl.events = new gen.EvolutionPublisher(node.publisher(M));
  const stop = () => void node.close();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await node.done;
}

interface Case {
  name: string;
  function?: string;
  args?: string;
  /** Subscribe to this event first; with `events`, wait for that many before reporting them. */
  subscribe?: string;
  events?: number;
}
interface Plan {
  targets: Array<{ label: string; config: NodeConfig }>;
  cases: Case[];
}

const utf8 = new TextEncoder();
const text = new TextDecoder();
const LIMITS = { maxDepth: 64 };

function failure(error: unknown): Record<string, unknown> {
  if (error instanceof ApplicationError) {
    return { error: 'APPLICATION_ERROR', type: error.errorType, detail: text.decode(M.errors[error.errorType]!.codec.encode(error, 'json')), message: error.message };
  }
  if (error instanceof InteropError) return { error: errorCodeName(error.code), message: error.message };
  return { error: 'CRASH', message: String(error instanceof Error ? error.stack : error) };
}

async function runCase(invoker: Invoker, c: Case): Promise<Record<string, unknown>> {
  const seen: string[] = [];
  let enough: () => void = () => {};
  const arrived = new Promise<void>((resolve) => (enough = resolve));
  let subscription;
  try {
    if (c.subscribe !== undefined) {
      const event = M.events[c.subscribe]!;
      subscription = await invoker.subscribe(M, event, (payload) => {
        seen.push(event.payload ? text.decode(event.payload.encode(payload, 'json')) : 'null');
        if (seen.length === c.events) enough();
      });
    }
    if (c.function === undefined) return { subscribed: true };
    const fn = M.functions[c.function]!;
    const args = fn.params.decode(utf8.encode(c.args ?? '{}'), 'json', LIMITS);
    const value = await invoker.call(M, fn, args);
    if (c.events !== undefined) {
      await Promise.race([arrived, new Promise((r) => setTimeout(r, 5000))]);
      return { events: seen };
    }
    return { result: fn.result ? text.decode(fn.result.encode(value, 'json')) : null };
  } catch (error) {
    return failure(error);
  } finally {
    await subscription?.unsubscribe();
  }
}

/** The links one after the other: a server's events reach every subscriber it has. */
async function run(path: string): Promise<void> {
  const plan = JSON.parse(readFileSync(path, 'utf8')) as Plan;
  for (const t of plan.targets) {
    let node: Node | undefined;
    try {
      node = await Node.start(t.config, { uses: [M] });
      const invoker = node.invoker(M);
      for (const c of plan.cases) console.log(JSON.stringify({ target: t.label, case: c.name, outcome: await runCase(invoker, c) }));
      // What `interop inspect` shows of this node's link (docs/wire.md §7).
      console.log(JSON.stringify({ target: t.label, case: 'manifest', outcome: { mixed_versions: node.manifest().mixed_versions } }));
    } catch (error) {
      console.log(JSON.stringify({ target: t.label, case: '*', outcome: failure(error) }));
    } finally {
      await node?.close();
    }
  }
}

if (opts.serve) await serve();
else await run(opts.run!);
process.exit(0);
