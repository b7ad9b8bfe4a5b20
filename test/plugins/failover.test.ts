// A link with several endpoints (docs/config.md "Several endpoints"): three servers (TS, Python,
// TS) on unix sockets, a client in each language (client.ts, client.py) with the policy failover
// or round_robin, and servers killed with SIGKILL in the middle of traffic. What must hold: calls
// keep succeeding; a call already sent to the killed server fails with UNAVAILABLE unless its
// function is idempotent in the config (then it succeeds on another server); events move to the
// next server; a restarted server rejoins; with every server down a call fails at once.

import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../ts/generated.js';
import { tempDir } from '../temp.js';
import { generate, type Generated, type Lang, programOf } from './harness.js';

let gen: Generated;
beforeAll(async () => {
  gen = await generate();
}, 120_000);
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

const env = () => ({ ...process.env, PLUGINS_GEN: gen.ts, PLUGINS_GEN_PY: gen.python, PYTHONUNBUFFERED: '1' });

/** A server of test.plugins listening on `address`, once it says it serves. */
async function server(lang: Lang, address: string): Promise<ChildProcess> {
  const [program, ...args] = programOf(lang, 'plugin');
  const config = { node: `server-${lang}`, modules: ['test.plugins'], listen: [address] };
  const child = spawn(program!, args, { cwd: REPO, env: { ...env(), INTEROP_NODE_CONFIG: JSON.stringify(config) }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('serving')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${lang} server exited (${code}) before serving: ${out}`)));
  });
  return child;
}

const exited = (c: ChildProcess) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => c.once('exit', () => r())));

/** Runs a client to its end, answering its STEP lines with `steps`. */
function client(lang: Lang, config: object, scenario: string, steps: Record<string, () => Promise<void>>): Promise<Record<string, unknown>> {
  const [program, ...args] = lang === 'ts' ? [process.execPath, '--import', 'tsx', join(REPO, 'test/plugins/client.ts')] : programOf('python', 'plugin').slice(0, 1).concat(join(REPO, 'test/plugins/client.py'));
  const child = spawn(program!, args, { cwd: REPO, env: { ...env(), SCENARIO: scenario, INTEROP_NODE_CONFIG: JSON.stringify(config) }, stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    const before = stdout.length;
    stdout += d.toString();
    for (const m of stdout.slice(before).matchAll(/^STEP (\S+)$/gm)) void steps[m[1]!]!().then(() => child.stdin.write('done\n'));
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) reject(new Error(`${lang} client exited (${code}) without a result\n--- stdout\n${stdout}\n--- stderr\n${stderr.slice(-4000)}`));
      else resolve(JSON.parse(line.slice('RESULT '.length)) as Record<string, unknown>);
    });
  });
}

const LANGS: Lang[] = ['ts', 'python', 'ts'];

async function threeServers() {
  const dir = tempDir('fo-');
  const addresses = [0, 1, 2].map((i) => `unix:${join(dir, `s${i}.sock`)}`);
  const servers = await Promise.all(addresses.map((a, i) => server(LANGS[i]!, a)));
  return { addresses, servers };
}

describe.each(['ts', 'python'] as const)('%s client, three endpoints', (lang) => {
  it('failover: the first server killed mid-traffic, events move, it rejoins when restarted, all down fails fast', async () => {
    const { addresses, servers } = await threeServers();
    const config = { node: 'client', connect: [{ endpoints: addresses, policy: 'failover', idempotent: ['test.plugins.add'], modules: ['test.plugins'] }] };
    const result = await client(lang, config, 'failover', {
      'restart-first': async () => void servers.push(await server(LANGS[0]!, addresses[0]!)),
      'kill-all': async () => {
        for (const s of servers) s.kill('SIGKILL');
        await Promise.all(servers.map(exited));
      },
    });
    expect(result).toMatchObject({
      addsOk: true, // idempotent: the adds sent to the killed server were sent again to the next one
      slows: ['UNAVAILABLE', 'UNAVAILABLE', 'UNAVAILABLE'], // not idempotent, all on the first server: never re-sent
      moved: true,
      ticks: [1, 2, 3],
      resubscriptions: 1,
      rejoined: true,
      allDown: 'UNAVAILABLE',
    });
    expect(result['allDownMs']).toBeLessThan(1000);
  }, 120_000);

  it('round_robin: calls spread evenly; one server killed mid-traffic, the others take the calls', async () => {
    const { addresses } = await threeServers();
    const config = { node: 'client', connect: [{ endpoints: addresses, policy: 'round_robin', idempotent: ['test.plugins.add'], modules: ['test.plugins'] }] };
    const result = await client(lang, config, 'round_robin', {});
    expect(result).toMatchObject({
      before: [10, 10, 10],
      addsOk: true,
      slows: ['UNAVAILABLE', 'ok', 'ok'], // one slow call on each server; the killed one's is not re-sent
      after: [10, 10],
    });
  }, 120_000);
});
