// Runs one combination: starts the server (unless the client spawns it over stdio, or hosts the
// module itself for direct), runs the client, and turns its JSON lines into one result per case.
// A case the client never reported counts as failed, so a crash mid-run cannot hide failures.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSignedPair, writeComboConfigs } from './node-configs.js';
import type { Case, Combination, Language } from './plan.js';
import { collect, freePort, start, stop, waitForAddress } from './processes.js';

export interface CaseResult {
  case: string;
  ok: boolean;
  /** Why it failed, as the client said, or what the runner saw. */
  detail?: string;
}

export interface ComboOutcome {
  combo: Combination;
  results: CaseResult[];
  /** Set when the combination could not run at all (server did not start, client crashed …). */
  setupError?: string;
  ms: number;
}

export interface ComboOptions {
  repoRoot: string;
  cases: Case[];
  casesPath: string;
  quick: boolean;
  /** Set when the language's prepare step failed: every case then fails with this reason. */
  prepareError?: string;
  serverStartMs?: number;
  clientTimeoutMs?: number;
  log?: (line: string) => void;
}

/** The line a client prints for each case: {"case": name, "ok": bool, "detail"?: string}. */
export function parseCaseLine(line: string): CaseResult | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const v = JSON.parse(line) as Partial<CaseResult>;
    if (typeof v.case !== 'string' || typeof v.ok !== 'boolean') return undefined;
    return { case: v.case, ok: v.ok, ...(typeof v.detail === 'string' ? { detail: v.detail } : {}) };
  } catch {
    return undefined;
  }
}

export async function runCombination(
  combo: Combination,
  client: Language,
  server: Language,
  opts: ComboOptions,
): Promise<ComboOutcome> {
  const began = Date.now();
  const failAll = (why: string): ComboOutcome => ({
    combo,
    setupError: why,
    results: opts.cases.map((c) => ({ case: c.name, ok: false, detail: why })),
    ms: Date.now() - began,
  });
  if (opts.prepareError) return failAll(opts.prepareError);

  // Short path: unix socket paths are limited to ~104 bytes.
  const dir = mkdtempSync(join(tmpdir(), 'ic-'));
  let serverProc: ReturnType<typeof start> | undefined;
  let serverOutput: Promise<{ stderr: string }> | undefined;
  try {
    const address =
      combo.transport === 'unix' || combo.transport === 'shm' ? `${combo.transport}:${join(dir, 's.sock')}`
      : combo.transport !== 'direct' && combo.transport !== 'stdio' ? `${combo.transport}://127.0.0.1:${await freePort()}`
      : undefined;
    const tls = combo.transport === 'wss' || combo.transport === 'https' ? selfSignedPair(dir) : undefined;
    const configs = writeComboConfigs(dir, combo, { address, tls, serverCommand: server.server, repoRoot: opts.repoRoot });

    if (address !== undefined) {
      serverProc = start(server.server!, { cwd: opts.repoRoot, env: { INTEROP_NODE_CONFIG: configs.serverConfig! } });
      const proc = serverProc;
      serverOutput = collect(proc, { timeoutMs: 30 * 60_000 });
      const up = await waitForAddress(address, opts.serverStartMs ?? 30_000, () => proc.exitCode === null && proc.signalCode === null);
      if (!up) {
        await stop(proc);
        const { stderr } = await serverOutput;
        return failAll(`server did not start listening on ${address}: ${tail(stderr)}`);
      }
    }

    const reported = new Map<string, CaseResult>();
    const args = ['--cases', opts.casesPath, '--transport', combo.transport, '--codec', combo.codec];
    if (opts.quick) args.push('--quick');
    const clientProc = start([...client.client!, ...args], {
      cwd: opts.repoRoot,
      env: { INTEROP_NODE_CONFIG: configs.clientConfig },
    });
    const finished = await collect(clientProc, {
      timeoutMs: opts.clientTimeoutMs ?? (opts.quick ? 120_000 : 300_000),
      onLine: (line) => {
        const r = parseCaseLine(line);
        if (r) reported.set(r.case, r);
        else if (line.trim() !== '') opts.log?.(`  [${combo.client} client] ${line}`);
      },
    });

    const why =
      finished.timedOut ? 'client timed out'
      : finished.code !== 0 ? `client exited with ${finished.code ?? finished.signal}: ${tail(finished.stderr)}`
      : 'client did not report this case';
    const results = opts.cases.map((c) => reported.get(c.name) ?? { case: c.name, ok: false, detail: why });
    const outcome: ComboOutcome = { combo, results, ms: Date.now() - began };
    if (finished.timedOut || finished.code !== 0) outcome.setupError = why;
    return outcome;
  } catch (err) {
    return failAll(`runner error: ${String(err)}`);
  } finally {
    if (serverProc) await stop(serverProc);
    await serverOutput;
    rmSync(dir, { recursive: true, force: true });
  }
}

function tail(text: string): string {
  const lines = text.trim().split('\n');
  return lines.slice(-5).join(' | ').slice(-600);
}
