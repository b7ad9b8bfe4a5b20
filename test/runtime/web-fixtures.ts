// Shared by the WebSocket and HTTP transport tests: the test.calc module with a stream function
// and an IR that names its functions (the HTTP transport reads a function's kind from the
// manifest), nodes that are
// closed after each test, and a self-signed certificate made at test time.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModuleDescriptor } from '../../runtime-ts/src/module.js';
import type { NodeConfig } from '../../runtime-ts/src/node/config.js';
import { Node } from '../../runtime-ts/src/node/node.js';
import { calcModule, scalarCodec, structCodec } from './fixtures.js';

/** test.calc, with `count`, a server stream of 1 … n, and an IR that names every function. */
export function webCalc(): ModuleDescriptor {
  const calc = calcModule();
  calc.functions['count'] = { name: 'count', kind: 'stream', params: structCodec([['n', 'u32']]), output: scalarCodec('u32'), throws: [], method: 'count' };
  calc.ir = {
    name: calc.name,
    version: calc.version,
    functions: Object.values(calc.functions).map((f) => ({ name: f.name, kind: f.kind })),
    events: Object.keys(calc.events).map((name) => ({ name })),
  };
  return calc;
}

export const calc = webCalc();
export const fn = (name: string) => calc.functions[name]!;

/** Nodes started by a test file, closed by `closeNodes` (call it in afterEach). */
const started: Node[] = [];
export async function startNode(config: NodeConfig, handlers?: object, module = calc): Promise<Node> {
  const node = await Node.start(config, { implementations: handlers ? [[module, handlers]] : [], uses: [module], shutdownGraceMs: 300 });
  started.push(node);
  return node;
}
export async function closeNodes(): Promise<void> {
  await Promise.all(started.splice(0).map((n) => n.close()));
}

/** host:port of a web endpoint, for fetch() and raw sockets. */
export function hostOf(endpoint: string): string {
  return endpoint.replace(/^[a-z]+:\/\//, '');
}

/** A self-signed certificate for 127.0.0.1 and localhost, in a temp dir removed by `remove`. */
export function selfSigned(): { cert: string; key: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'interop-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  return { cert, key, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
