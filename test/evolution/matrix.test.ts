// The mixed-version matrix (test/evolution/README.md): clients built from one version of
// interop.evolution call servers built from the other, TS and Python, both directions, over
// unix, tcp and stdio, in JSON and msgpack: 48 links, every case of cases.ts on each, every
// outcome exactly as expected. Four clients run at once, each with its own two servers of the
// other version; a client opens its twelve links one after the other (a stdio link spawns its
// server as a plugin).

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../compiler/src/frontend/compile.js';
import '../../compiler/src/targets/index.js';
import { findTarget } from '../../compiler/src/targets/registry.js';
import { collect, freePort, start, stop, waitForAddress } from '../conformance/harness/processes.js';
import { CASES, expected, mismatchOf, UNAVAILABLE, type Outcome } from './cases.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');
const MODULE = 'interop.evolution';
const LANGS = ['ts', 'python'] as const;
const VERSIONS = ['v1', 'v2'] as const;
const TRANSPORTS = ['unix', 'tcp', 'stdio'] as const;
const CODECS = ['json', 'msgpack'] as const;
type Lang = (typeof LANGS)[number];
type Version = (typeof VERSIONS)[number];

const other = (v: Version): Version => (v === 'v1' ? 'v2' : 'v1');

function command(lang: Lang, version: Version, ...args: string[]): string[] {
  return lang === 'ts'
    ? ['node', '--import', 'tsx', '--import', './test/conformance/ts/runtime-from-source.mjs', 'test/evolution/ts/peer.ts', '--version', version, ...args]
    : ['runtime-python/.venv/bin/python', 'test/evolution/python/peer.py', '--version', version, ...args];
}

const fingerprints = new Map<Version, string>();

/** Generates each version's code for each language, with the compiler in this process. */
async function generate(): Promise<void> {
  for (const version of VERSIONS) {
    const r = compile([join(REPO, `test/evolution/${version}.interop`)]);
    if (!r.bundle) throw new Error(`test/evolution/${version}.interop: ${JSON.stringify(r.diagnostics)}`);
    fingerprints.set(version, r.bundle.modules[0]!.fingerprint);
    for (const [lang, out] of [['ts', `ts/gen-${version}`], ['python', `python/gen_${version}`]] as const) {
      const dir = join(REPO, 'test/evolution', out);
      rmSync(dir, { recursive: true, force: true });
      for (const f of await findTarget(lang)!.generate(r.bundle, { sourceNames: { [MODULE]: `${version}.interop` } })) {
        mkdirSync(join(dir, f.path, '..'), { recursive: true });
        writeFileSync(join(dir, f.path), f.content);
      }
    }
  }
}

/** target label → case name → outcome, per client `lang-version`. */
const reports = new Map<string, Map<string, Map<string, Outcome>>>();
const servers: Array<ReturnType<typeof start>> = [];
const logs: string[] = [];
let dir = '';

const label = (lang: Lang, version: Version, transport: string, codec: string) => `${lang}-${version} ${transport}/${codec}`;

beforeAll(async () => {
  const began = Date.now();
  await generate();
  dir = mkdtempSync(join(tmpdir(), 'evo-'));
  // A server for each client and each language of the other version: a client's links run one
  // after the other, so the events one link asks for reach no other link's subscription.
  const addresses = new Map<string, { unix: string; tcp: string; proc: ReturnType<typeof start> }>();
  for (const client of LANGS.flatMap((l) => VERSIONS.map((v) => `${l}-${v}`))) {
    const sv = other(client.endsWith('v1') ? 'v1' : 'v2');
    for (const lang of LANGS) {
      const name = `${lang}-${sv}-for-${client}`;
      const unix = `unix:${join(dir, `${name}.sock`)}`;
      const tcp = `tcp://127.0.0.1:${await freePort()}`;
      const config = { node: name, modules: [MODULE], listen: [unix, tcp] };
      const proc = start(command(lang, sv, '--serve'), { cwd: REPO, env: { INTEROP_NODE_CONFIG: JSON.stringify(config) } });
      addresses.set(name, { unix, tcp, proc });
      servers.push(proc);
      void collect(proc, { timeoutMs: 600_000 }).then((f) => f.stderr && logs.push(`[${name}] ${f.stderr}`));
    }
  }
  for (const [name, a] of addresses) {
    for (const address of [a.unix, a.tcp]) {
      const alive = () => a.proc.exitCode === null && a.proc.signalCode === null;
      if (!(await waitForAddress(address, 120_000, alive))) throw new Error(`${name} did not listen on ${address}: ${logs.join('\n')}`);
    }
  }
  await Promise.all(
    LANGS.flatMap((lang) =>
      VERSIONS.map(async (version) => {
        const targets = LANGS.flatMap((serverLang) =>
          TRANSPORTS.flatMap((transport) =>
            CODECS.map((codec) => {
              const sv = other(version);
              const modules = [MODULE];
              const config =
                transport === 'stdio'
                  ? {
                      node: `${lang}-${version}-client`,
                      plugins: [{
                        command: command(serverLang, sv, '--serve'),
                        cwd: REPO,
                        env: { INTEROP_NODE_CONFIG: JSON.stringify({ node: `${serverLang}-${sv}-plugin`, modules, stdio: true }) },
                        codec,
                        modules,
                      }],
                    }
                  : { node: `${lang}-${version}-client`, connect: [{ address: addresses.get(`${serverLang}-${sv}-for-${lang}-${version}`)![transport], codec, modules }] };
              return { label: label(serverLang, sv, transport, codec), config };
            }),
          ),
        );
        const plan = join(dir, `${lang}-${version}.plan.json`);
        writeFileSync(plan, JSON.stringify({ targets, cases: CASES[version] }));
        const report = new Map<string, Map<string, Outcome>>();
        reports.set(`${lang}-${version}`, report);
        const finished = await collect(start(command(lang, version, '--run', plan), { cwd: REPO }), {
          timeoutMs: 300_000,
          onLine: (line) => {
            if (!line.startsWith('{')) return;
            const { target, case: name, outcome } = JSON.parse(line) as { target: string; case: string; outcome: Outcome };
            if (!report.has(target)) report.set(target, new Map());
            report.get(target)!.set(name, outcome);
          },
        });
        if (finished.code !== 0) logs.push(`[${lang}-${version} client] exit ${finished.code ?? finished.signal}: ${finished.stderr}`);
      }),
    ),
  );
  console.log(`mixed-version matrix: 48 links, ${servers.length} servers and ${LANGS.length * VERSIONS.length} clients, in ${Date.now() - began} ms`);
}, 600_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => stop(s)));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('mixed versions', () => {
  for (const lang of LANGS) {
    for (const version of VERSIONS) {
      for (const serverLang of LANGS) {
        for (const transport of TRANSPORTS) {
          for (const codec of CODECS) {
            const target = label(serverLang, other(version), transport, codec);
            it(`${lang}-${version} → ${target}`, () => {
              const got = reports.get(`${lang}-${version}`)?.get(target);
              const problems = CASES[version]
                .map((c) => ({ c, why: mismatchOf(expected(c, codec), got?.get(c.name)) }))
                .filter((p) => p.why !== undefined)
                .map((p) => `${p.c.row} / ${p.c.name}: ${p.why}`);
              if (got?.has('*')) problems.unshift(`could not run: ${JSON.stringify(got.get('*'))}`);
              // What `interop inspect` would show of the link: the server's node name and version,
              // and what this client cannot use there.
              const peer = transport === 'stdio' ? `${serverLang}-${other(version)}-plugin` : `${serverLang}-${other(version)}-for-${lang}-${version}`;
              const mixed = { peer, module: MODULE, role: 'calls', fingerprint: fingerprints.get(version), peer_fingerprint: fingerprints.get(other(version)), unavailable: UNAVAILABLE[version] };
              const why = mismatchOf({ mixed_versions: [mixed] }, got?.get('manifest'));
              if (why) problems.push(`manifest: ${why}`);
              expect(problems, logs.join('\n').slice(-3000)).toEqual([]);
            });
          }
        }
      }
    }
  }
});
