// A hostile peer on a runtime-ts shm listener (docs/wire.md §9.3): garbage and a wrong length in
// the ring are framing errors (ERROR, then closed), impossible indices close at once; each is
// counted, and the node goes on serving its other connection. The peer (raw_peer.py) lays the
// segment out from the contract alone.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Node } from '../../runtime-ts/src/node/node.js';
import { tempDir } from '../temp.js';
import { REPO } from '../ts/generated.js';
import { calcHandlers, calcModule } from '../runtime/fixtures.js';

const run = promisify(execFile);
const calc = calcModule();
let server: Node, client: Node, path: string;

beforeAll(async () => {
  path = join(tempDir('shm-'), 's.sock');
  server = await Node.start({ node: 'server', modules: ['test.calc'], listen: [`shm:${path}`] }, { implementations: [[calc, calcHandlers()]], shutdownGraceMs: 200 });
  client = await Node.start({ node: 'client', connect: [{ address: `shm:${path}`, modules: ['test.calc'] }] }, { uses: [calc] });
});
afterAll(async () => {
  await client.close();
  await server.close();
});

const rejected = () => (server.health().counters['rejected_frames'] ?? 0) + (server.health().counters['rejected_handshakes'] ?? 0);

for (const mode of ['garbage', 'short', 'write_index', 'read_index']) {
  it(`a peer that writes ${mode.replace('_', ' ')} gets its connection closed; the other is served`, async () => {
    const before = rejected();
    const { stdout } = await run('python3', [join(REPO, 'test/shm/raw_peer.py'), path, mode], { timeout: 20_000 });
    const [state, wrote] = stdout.trim().split(' ');
    expect(state).toBe('closed');
    // A framing error is answered with one ERROR frame first; after an impossible index nothing goes in.
    if (mode === 'garbage' || mode === 'short') expect(Number(wrote)).toBeGreaterThan(18);
    else expect(Number(wrote)).toBe(0);
    expect(rejected()).toBeGreaterThan(before);
    expect(await client.invoker(calc).call(calc, calc.functions['add']!, [40, 2])).toBe(42);
  });
}
