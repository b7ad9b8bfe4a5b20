// Streams between processes. A consumer that stops reading while its producer, in another
// process, tries to send 100 MiB (docs/wire.md §1.5): TypeScript and Python producers (peer.ts,
// peer.py) with TypeScript and Python consumers (this process, flood_consumer.py), over a unix
// socket. Credit holds the producer: it makes at most a window of items ahead of what was read,
// and neither process grows by more than the window's bytes plus a small constant. The figures
// are printed. And `interop inspect` / `interop call` on a node serving streams. (The other stream
// cases run TS <-> Python over every transport and codec in the conformance matrix.)

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection } from '../../runtime-ts/src/node/connection.js';
import { ServiceTable } from '../../runtime-ts/src/node/services.js';
import { unixTransport } from '../../runtime-ts/src/transport/socket.js';
import { DEFAULT_LIMITS } from '../../runtime-ts/src/wire/limits.js';
import { compileBundle, generateTs, REPO, writeGenerated } from '../ts/generated.js';
import { pythonTarget } from '../../compiler/src/targets/python/index.js';

const PYTHON = join(REPO, 'runtime-python/.venv/bin/python');
const INTEROP = join(REPO, 'runtime-ts/bin/interop.mjs');
const CHUNK = 65_536;
const TOTAL = 100n * 1024n * 1024n;
const READ = 10;
const WINDOW = DEFAULT_LIMITS.streamWindow;
/** What a process may grow beyond the window's bytes: allocator and GC slack, not items. */
const SLACK = 16 * 1024 * 1024;

const dir = mkdtempSync(join(tmpdir(), 'interop-streams-'));
const children: ChildProcess[] = [];
let tsGen = '';
const pyGen = join(dir, 'py');
/* eslint-disable @typescript-eslint/no-explicit-any */
let gen: any;

beforeAll(async () => {
  const bundle = compileBundle(['test/streams/streams.interop']);
  tsGen = writeGenerated('streams-cross', await generateTs(bundle));
  gen = await import(`${join(tsGen, 'test.streams.ts')}`);
  mkdirSync(join(pyGen, 'gen_streams'), { recursive: true });
  for (const f of pythonTarget.generate(bundle, { sourceNames: { 'test.streams': 'streams.interop' } }) as Array<{ path: string; content: string }>) {
    writeFileSync(join(pyGen, 'gen_streams', f.path), f.content);
  }
});

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Starts a producer peer listening on a fresh unix socket; resolves with its address once it serves. */
async function startProducer(lang: 'ts' | 'python'): Promise<string> {
  const address = `unix:${join(dir, `${lang}-${children.length}.sock`)}`;
  const config = JSON.stringify({ node: `${lang}-producer`, modules: ['test.streams'], listen: [address] });
  const command = lang === 'ts' ? [process.execPath, '--import', 'tsx', join(REPO, 'test/streams/peer.ts')] : [PYTHON, join(REPO, 'test/streams/peer.py')];
  const child = spawn(command[0]!, command.slice(1), {
    cwd: REPO,
    env: { ...process.env, INTEROP_NODE_CONFIG: config, STREAMS_GEN: tsGen, STREAMS_GEN_PY: pyGen },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('serving')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${lang} producer exited (${code}) before serving: ${out}`)));
  });
  return address;
}

interface Figures {
  produced: number;
  producer_growth: number;
  consumer_growth: number;
}

/** This process as the consumer. */
async function consumeInTs(address: string): Promise<Figures> {
  const conn = await Connection.open(await unixTransport.connect(address), { role: 'initiator', services: new ServiceTable('consumer'), limits: DEFAULT_LIMITS, wants: [gen.StreamsModule] });
  try {
    const client = new gen.StreamsClient(conn);
    const before = await client.stats();
    global.gc?.();
    const consumerBefore = process.memoryUsage.rss();
    const flood = client.flood(CHUNK, TOTAL)[Symbol.asyncIterator]();
    for (let i = 0; i < READ; i++) await flood.next();
    await new Promise((r) => setTimeout(r, 500));
    const after = await client.stats();
    const consumerAfter = process.memoryUsage.rss();
    for (let i = 0; i < WINDOW; i++) expect((await flood.next()).done).toBe(false);
    await flood.return();
    return { produced: Number(after.floodProduced), producer_growth: Number(after.rssBytes - before.rssBytes), consumer_growth: consumerAfter - consumerBefore };
  } finally {
    await conn.close();
  }
}

function consumeInPython(address: string): Figures {
  const r = spawnSync(PYTHON, [join(REPO, 'test/streams/flood_consumer.py'), address], { cwd: REPO, env: { ...process.env, STREAMS_GEN_PY: pyGen }, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`flood_consumer.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Figures;
}

describe.each([
  ['ts', 'ts'],
  ['ts', 'python'],
  ['python', 'ts'],
  ['python', 'python'],
] as const)('a %s producer and a %s consumer that stops reading', (producer, consumer) => {
  it('the producer makes at most a window ahead, and neither process grows by more than the window and a small constant', async () => {
    const address = await startProducer(producer);
    const f = consumer === 'ts' ? await consumeInTs(address) : consumeInPython(address);
    const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
    console.log(`${producer} producer -> ${consumer} consumer, 100 MiB asked, ${READ} items of 64 KiB read: produced ${f.produced} items; producer grew ${mib(f.producer_growth)}, consumer ${mib(f.consumer_growth)} (window ${WINDOW} x 64 KiB = ${mib(WINDOW * CHUNK)})`);
    expect(f.produced).toBeLessThanOrEqual(READ + WINDOW);
    expect(f.producer_growth).toBeLessThan(WINDOW * CHUNK + SLACK);
    expect(f.consumer_growth).toBeLessThan(WINDOW * CHUNK + SLACK);
  });
});

describe.each(['ts', 'python'] as const)('interop inspect and call on a %s node serving streams', (lang) => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [INTEROP, ...args], { cwd: REPO, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });

  it('inspect prints stream functions as IDL; call prints a server stream item by item and refuses to send one', async () => {
    const address = await startProducer(lang);
    const inspect = cli('inspect', address);
    expect(inspect.stdout).toContain('fn upload(1: strict: bool, 2: chunks: stream<bytes>) -> u64 throws Refused;');
    expect(inspect.stdout).toContain('fn ping_pong(1: lines: stream<string>) -> stream<string>;');
    const items = cli('call', address, 'test.streams.download', '{"sizes":[1,2,3]}');
    expect([items.status, items.stderr]).toEqual([0, '']);
    expect(items.stdout.trim().split('\n')).toEqual(['"AA=="', '"AAE="', '"AAEC"']);
    const refused = cli('call', address, 'test.streams.upload', '{"strict":true}');
    expect(refused.status).toBe(2);
    expect(refused.stderr.trim()).toBe('interop call: test.streams.upload takes a stream of items (a client stream), which interop call cannot send; call it from code (docs/ts.md "Streams")');
  });
});
