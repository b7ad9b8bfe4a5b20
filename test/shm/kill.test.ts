// kill -9 on either side of a runtime-ts shm link (docs/wire.md §9.5): the survivor sees the
// set-up socket close at once; its pending calls fail with UNAVAILABLE within 100 ms of the death,
// a server aborts the dead client's handlers, and no segment stays mapped.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { ErrorCode, InteropError } from '../../runtime-ts/src/errors.js';
import { Node } from '../../runtime-ts/src/node/node.js';
import { tempDir } from '../temp.js';
import { REPO } from '../ts/generated.js';
import { calcHandlers, calcModule } from '../runtime/fixtures.js';

const calc = calcModule();
const nodes: Node[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Our process's mappings of shm segments (/proc/self/maps names a memfd by its name). */
const segmentsMapped = () => readFileSync('/proc/self/maps', 'utf8').split('\n').filter((l) => l.includes('memfd:interop-shm')).length;

/** Starts child-node.mts; resolves once it printed `line`. Its death time is recorded. */
function child(role: 'server' | 'client', address: string, line: string): Promise<{ proc: ChildProcess; diedAt: () => number }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'test/shm/child-node.mts'), role, address], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(proc);
  let died = 0;
  proc.on('exit', () => (died = performance.now()));
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes(line)) resolve({ proc, diedAt: () => died });
    });
    proc.on('exit', (code) => reject(new Error(`child ${role} exited (${code}) before "${line}"`)));
  });
}

it('a server killed with calls in flight: every call fails with UNAVAILABLE at once', async () => {
  const address = `shm:${join(tempDir('shm-'), 's.sock')}`;
  const { proc, diedAt } = await child('server', address, 'ready');
  const client = await Node.start({ node: 'client', connect: [{ address, modules: ['test.calc'] }] }, { uses: [calc] });
  nodes.push(client);
  const api = client.invoker(calc);
  expect(await api.call(calc, calc.functions['add']!, [1, 2])).toBe(3);
  expect(segmentsMapped()).toBe(1);
  const failedAt: number[] = [];
  const calls = Array.from({ length: 20 }, () =>
    api.call(calc, calc.functions['slow']!, [20000]).then(
      () => 'answered',
      (e: unknown) => (failedAt.push(performance.now()), e),
    ),
  );
  await sleep(100);
  const killedAt = performance.now();
  proc.kill('SIGKILL');
  const errors = await Promise.all(calls);
  for (const e of errors) expect((e as InteropError).code).toBe(ErrorCode.UNAVAILABLE);
  for (let i = 0; i < 100 && diedAt() === 0; i++) await sleep(10);
  // Measured from when this process learnt of the death (SIGCHLD), on a loaded machine.
  const late = Math.max(...failedAt) - diedAt();
  console.log(`20 calls over shm failed ${(Math.max(...failedAt) - killedAt).toFixed(1)} ms after kill -9 (${late.toFixed(1)} ms after its exit was seen)`);
  expect(late).toBeLessThan(100);
  for (let i = 0; i < 100 && segmentsMapped() > 0; i++) await sleep(10);
  expect(segmentsMapped()).toBe(0);
});

it('a client killed mid-call: the server aborts its handler, unmaps the segment, serves others', async () => {
  const address = `shm:${join(tempDir('shm-'), 's.sock')}`;
  const handlers = calcHandlers();
  const server = await Node.start({ node: 'server', modules: ['test.calc'], listen: [address] }, { implementations: [[calc, handlers]], shutdownGraceMs: 200 });
  nodes.push(server);
  const { proc } = await child('client', address, 'calling');
  for (let i = 0; i < 500 && handlers.log.started === 0; i++) await sleep(10);
  expect(handlers.log.started).toBe(1);
  expect(segmentsMapped()).toBe(1);
  proc.kill('SIGKILL');
  for (let i = 0; i < 500 && handlers.log.aborted.length === 0; i++) await sleep(10);
  expect(handlers.log.aborted).toHaveLength(1);
  for (let i = 0; i < 100 && segmentsMapped() > 0; i++) await sleep(10);
  expect(segmentsMapped()).toBe(0);
  const client = await Node.start({ node: 'client', connect: [{ address, modules: ['test.calc'] }] }, { uses: [calc] });
  nodes.push(client);
  expect(await client.invoker(calc).call(calc, calc.functions['add']!, [2, 2])).toBe(4);
});
