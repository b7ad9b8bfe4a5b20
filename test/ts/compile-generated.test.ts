// Generated TypeScript is compiled with the real toolchain: every schema in test/schemas/valid/ is
// generated, type-checked by tsc with strict settings (and the stricter opt-in flags users turn
// on), emitted to JavaScript, and then used from a plain .mjs file under Node.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO, compileBundle, generateTs } from './generated.js';

const OUT = join(REPO, 'test/ts/out/compile');
const TSC = join(REPO, 'node_modules/typescript/bin/tsc');
const SCHEMAS = join(REPO, 'test/schemas/valid');

function tsc(args: string[]): { ok: boolean; output: string } {
  try {
    return { ok: true, output: execFileSync(process.execPath, [TSC, ...args], { encoding: 'utf8' }) };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

/** The runtime as a package in OUT/node_modules, built from runtime-ts/src the way npm would ship it. */
function buildRuntimePackage(): void {
  const pkg = join(OUT, 'node_modules/@interop/runtime');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({ name: '@interop/runtime', type: 'module', exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } } }),
  );
  // Other parts of the runtime may be mid-change in a shared tree; tsc still emits, and what this
  // test needs is the emitted package, so only a missing entry point fails here.
  tsc(['-p', join(REPO, 'runtime-ts/tsconfig.build.json'), '--outDir', join(pkg, 'dist'), '--sourceMap', 'false']);
  if (!existsSync(join(pkg, 'dist/index.js'))) throw new Error('runtime build produced no dist/index.js');
}

const generatedModules: string[] = [];

beforeAll(async () => {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(join(OUT, 'gen'), { recursive: true });
  writeFileSync(join(OUT, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  for (const file of readdirSync(SCHEMAS).filter((f) => f.endsWith('.interop')).sort()) {
    const bundle = compileBundle([join(SCHEMAS, file)]);
    for (const f of await generateTs(bundle)) {
      writeFileSync(join(OUT, 'gen', f.path), f.content);
      if (!generatedModules.includes(f.path)) generatedModules.push(f.path);
    }
  }
  buildRuntimePackage();
  writeFileSync(
    join(OUT, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022'], types: [],
        strict: true, noUnusedLocals: true, noUnusedParameters: true, noImplicitReturns: true,
        noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, noImplicitOverride: true,
        noPropertyAccessFromIndexSignature: true, noFallthroughCasesInSwitch: true,
        outDir: 'js', rootDir: 'gen', skipLibCheck: true, declaration: true,
      },
      include: ['gen/*.ts'],
    }),
  );
}, 120_000);

describe('generated TypeScript', () => {
  it('generates a file for every module of every valid schema', () => {
    expect(generatedModules.length).toBeGreaterThanOrEqual(readdirSync(SCHEMAS).filter((f) => f.endsWith('.interop')).length);
  });

  it('compiles under tsc --strict with the stricter opt-in flags', () => {
    const r = tsc(['-p', join(OUT, 'tsconfig.json')]);
    expect(r.output).toBe('');
    expect(r.ok).toBe(true);
  }, 120_000);

  it('works from plain JavaScript', () => {
    const script = join(OUT, 'use.mjs');
    writeFileSync(script, USE_FROM_JS);
    const out = execFileSync(process.execPath, [script], { encoding: 'utf8', cwd: OUT });
    expect(JSON.parse(out)).toEqual({
      roundTrip: true,
      json: '{"x":1.5,"y":-2}',
      called: ['example.geometry', 'area', 1],
      validation: 'INVALID_ARGUMENT',
    });
  }, 60_000);
});

// A plain-JS user: builds values as object literals, encodes and decodes them, and calls through a
// client stub with a hand-written invoker (what the runtime's connection would be).
const USE_FROM_JS = `
import * as geo from './js/example.geometry.js';
const p = { x: 1.5, y: -2 };
const bytes = geo.Point$codec.encode(p, 'msgpack');
const back = geo.Point$codec.decode(bytes, 'msgpack', { maxDepth: 64 });
const json = new TextDecoder().decode(geo.Point$codec.encode(p, 'json'));
const calls = [];
const invoker = {
  async call(module, fn, args) { calls.push(module.name, fn.name, args.length); return 2; },
  oneway() {},
  async subscribe() { return { unsubscribe: async () => {}, dropped: 0 }; },
};
const client = new geo.GeometryClient(invoker);
await client.area({ kind: 'circle', value: { center: { x: 0, y: 0 }, radius: 1 } });
let validation;
try { geo.Point$codec.encode({ x: 'one', y: 2 }, 'msgpack'); } catch (e) { validation = e.name.replace(/^InteropError\\((.*)\\)$/, '$1'); }
console.log(JSON.stringify({ roundTrip: back.x === 1.5 && back.y === -2, json, called: calls, validation }));
`;
