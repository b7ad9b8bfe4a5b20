// The shm transport in runtime-ts (docs/wire.md §9): calls, a frame larger than the ring, and an
// idle link that costs no CPU (a reader polls its ring only briefly, then sleeps on its eventfd).

import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { Node } from '../../runtime-ts/src/node/node.js';
import type { ShmConfig } from '../../runtime-ts/src/transport/types.js';
import { tempDir } from '../temp.js';
import { calcHandlers, calcModule } from '../runtime/fixtures.js';

const calc = calcModule();
const nodes: Node[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});

async function pairOver(address: string, shm: { server?: ShmConfig; client?: ShmConfig } = {}) {
  const server = await Node.start({ node: 'server', modules: ['test.calc'], listen: [address], ...(shm.server ? { shm: shm.server } : {}) }, { implementations: [[calc, calcHandlers()]], shutdownGraceMs: 200 });
  const client = await Node.start({ node: 'client', connect: [{ address, modules: ['test.calc'] }], ...(shm.client ? { shm: shm.client } : {}) }, { uses: [calc] });
  nodes.push(client, server);
  return { server, client, api: client.invoker(calc) };
}

it('calls go through the rings, small and larger than a ring', async () => {
  const { api } = await pairOver(`shm:${join(tempDir('shm-'), 's.sock')}`);
  expect(await api.call(calc, calc.functions['add']!, [2, 3])).toBe(5);
  const big = 'x'.repeat(700_000); // 256 KiB rings: goes through in pieces
  expect(await api.call(calc, calc.functions['echo']!, [big])).toBe(big);
  const many = await Promise.all(Array.from({ length: 200 }, (_, i) => api.call(calc, calc.functions['add']!, [i, 1])));
  expect(many).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
});

it('an idle link costs no CPU', async () => {
  const { api } = await pairOver(`shm:${join(tempDir('shm-'), 's.sock')}`);
  for (let i = 0; i < 100; i++) await api.call(calc, calc.functions['add']!, [i, 1]);
  const before = process.cpuUsage();
  await new Promise((r) => setTimeout(r, 1000));
  const used = process.cpuUsage(before);
  const ms = (used.user + used.system) / 1000;
  console.log(`an idle shm link (both ends in this process) used ${ms.toFixed(1)} ms of CPU in 1 s`);
  expect(ms).toBeLessThan(100); // a reader that kept polling would use ~1000
});

// Both ends live in this one thread here, so a reader's poll holds up its peer: a first call that
// takes at least spin_us proves the side whose config said so polled that long (wall clock, so
// load cannot make it shorter). With the default 50 µs it takes a few milliseconds.
it.each(['client', 'server'] as const)("the %s reads shm.spin_us from its node config", async (side) => {
  const spinUs = 1_000_000;
  const started = performance.now();
  const { api } = await pairOver(`shm:${join(tempDir('shm-'), 's.sock')}`, { [side]: { spin_us: spinUs } });
  expect(await api.call(calc, calc.functions['add']!, [2, 3])).toBe(5);
  expect(performance.now() - started).toBeGreaterThanOrEqual(spinUs / 1000);
});
