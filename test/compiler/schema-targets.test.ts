// `interopc gen --lang proto` and `--lang fbs`: every valid schema of the corpus, and the
// conformance schema, gives files that protoc and flatc (Debian's protobuf-compiler and
// flatbuffers-compiler, installed by scripts/ensure-deps.sh) accept, the same bytes on every run;
// what a format cannot express is an error for people (E07xx), with nothing written.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/src/frontend/compile.js';
import { fbsTarget } from '../../compiler/src/targets/fbs/index.js';
import { protoTarget } from '../../compiler/src/targets/proto/index.js';
import { TargetError, type GeneratedFile, type Target } from '../../compiler/src/targets/target.js';
import { tempDir } from '../temp.js';
import { corpusFiles, repoRoot, VALID_DIR } from './corpus.mjs';

const root = repoRoot();
const schemas = [...corpusFiles(VALID_DIR), 'test/conformance/conformance.interop'];

function generate(target: Target, file: string): GeneratedFile[] {
  const r = compile([path.join(root, file)], { includeDirs: [path.join(root, VALID_DIR, 'include')] });
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return target.generate(r.bundle!, { sourceNames: {} }) as GeneratedFile[];
}

function writeAll(dir: string, files: GeneratedFile[]): string[] {
  for (const f of files) {
    mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
    writeFileSync(path.join(dir, f.path), f.content);
  }
  return files.map((f) => f.path);
}

function run(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('schema targets', { timeout: 120_000 }, () => {
  it('proto: protoc accepts the file of every module, and the output is deterministic', () => {
    const dir = tempDir('proto-');
    const paths = new Set<string>();
    for (const s of schemas) {
      const files = generate(protoTarget, s);
      expect(generate(protoTarget, s)).toEqual(files);
      for (const p of writeAll(dir, files)) paths.add(p);
    }
    const r = run('protoc', ['-I', '.', '--descriptor_set_out=all.pb', ...[...paths].sort()], dir);
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });

  it('fbs: flatc accepts the file of every module (and generates readers), deterministic', () => {
    const dir = tempDir('fbs-');
    const paths = new Set<string>();
    for (const s of schemas) {
      const files = generate(fbsTarget, s);
      expect(generate(fbsTarget, s)).toEqual(files);
      for (const p of writeAll(dir, files)) paths.add(p);
    }
    const r = run('flatc', ['-I', '.', '--python', '--ts', '-o', 'out', ...[...paths].sort()], dir);
    expect(r.out.replace(/^\s*(warning:|.*warning: field names should be lowercase).*\n?/gm, '').trim()).toBe('');
    expect(r.code).toBe(0);
    expect(readdirSync(path.join(dir, 'out', 'interop', 'conformance'))).toContain('Everything.py');
  });

  it('proto: the mapping of the conformance schema, field by field', () => {
    const text = generate(protoTarget, 'test/conformance/conformance.interop').find((f) => f.path === 'interop/conformance.proto')!.content;
    expect(text).toContain('package interop.conformance;');
    expect(text).toMatch(/enum Level \{\n {2}LEVEL_UNSET = 0;.*\n {2}LEVEL_LOW = 1;/);
    expect(text).toContain('  optional sint64 i64v = 5;');
    expect(text).toContain('  repeated .interop.conformance.ListOfI64 grid = 2;');
    expect(text).toContain('  map<int32, .interop.conformance.Point> by_level = 13;');
    expect(text).toContain('  map<uint64, string> by_u64 = 11;');
    expect(text).toContain('  repeated .interop.conformance.OptionalI64 maybe_list = 5;');
    expect(text).toMatch(/message Shape \{\n {2}oneof value \{\n {4}\.interop\.conformance\.Unit empty = 1;/);
    expect(text).toContain('message EchoU64Result {\n  optional uint64 value = 1;\n}');
  });

  it('fbs: the mapping of the conformance schema, slot by slot', () => {
    const text = generate(fbsTarget, 'test/conformance/conformance.interop').find((f) => f.path === 'interop/conformance.fbs')!.content;
    expect(text).toContain('namespace interop.conformance;');
    expect(text).toContain('  i64v: long = 0 (id: 4);');
    expect(text).toContain('  num: int = null (id: 0);');
    expect(text).toContain('  by_level: [interop.conformance.MapOfLevelToPointEntry] (id: 12);');
    expect(text).toContain('table MapOfLevelToPointEntry {\n  key: interop.conformance.Level = LOW (key);\n  value: interop.conformance.Point (required);\n}');
    expect(text).toContain('union ShapeCase {\n  ShapeEmpty = 1,');
    expect(text).toContain('  scalars: interop.conformance.Scalars (required, id: 0);');
  });
});

describe('what a format cannot express', { timeout: 120_000 }, () => {
  function problems(target: Target, source: string) {
    const dir = tempDir('schema-err-');
    const file = path.join(dir, 'x.interop');
    writeFileSync(file, source);
    const r = compile([file]);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    try {
      target.generate(r.bundle!, { sourceNames: {} });
    } catch (e) {
      if (e instanceof TargetError) return e.problems.map((p) => `${p.code} ${p.span.line}: ${p.message}`);
      throw e;
    }
    return [];
  }

  it('proto: a list with a non-empty default (E0701); a made-up name taking a declared one (E0702)', () => {
    const src = 'module x version "1.0.0";\nstruct A {\n  1: tags: list<string> = ["a"];\n  2: none: list<i32> = [];\n}\nstruct ListOfI32 { 1: n: i32; }\nstruct B { 1: grid: list<list<i32>>; }\n';
    expect(problems(protoTarget, src)).toEqual([
      "E0701 3: field 'tags' of struct A has a non-empty default, which protobuf cannot express",
      "E0702 7: protobuf needs the name 'ListOfI32' for the wrapper of list<i32>, but it is already the struct ListOfI32 in module x",
    ]);
    // The error envelope's package and file (docs/wire.md §4) are taken.
    expect(problems(protoTarget, 'module interop version "1.0.0";\nstruct A { 1: a: i32; }\n')).toEqual([
      "E0702 1: protobuf needs the package 'interop' and the file interop/error_envelope.proto for the error envelope, which module interop would also take",
    ]);
  });

  it('fbs: the error envelope table of docs/wire.md §3.6, and its namespace taken (E0702)', () => {
    const files = generate(fbsTarget, 'test/conformance/conformance.interop');
    const text = files.find((f) => f.path === 'interop/error_envelope.fbs')!.content;
    expect(text).toContain('namespace interop;');
    expect(text.match(/^  \w+: .*;$/gm)).toEqual(['  code: uint (id: 0);', '  message: string (id: 1);', '  type: string (id: 2);', '  detail: [ubyte] (id: 3);']);
    expect(problems(fbsTarget, 'module interop version "1.0.0";\nstruct A { 1: a: i32; }\n')).toEqual([
      "E0702 1: FlatBuffers needs the namespace 'interop' and the file interop/error_envelope.fbs for the error envelope, which module interop would also take",
    ]);
  });

  it('fbs: a field id past 1024 (E0703) and a union case id past 255 (E0704)', () => {
    const src = 'module x version "1.0.0";\nstruct A {\n  1: a: i32;\n  5000: far: string;\n}\nunion U {\n  1: a: i32;\n  300: b: string;\n}\n';
    expect(problems(fbsTarget, src)).toEqual([
      "E0703 4: field 'far' of struct A has id 5000, past the largest FlatBuffers can take here (1024)",
      "E0704 8: case 'b' of union U has id 300; a FlatBuffers union takes case ids 1 to 255",
    ]);
  });

  it('the CLI shows the problem at its place in the schema, writes nothing and exits 1', () => {
    const dir = tempDir('schema-cli-');
    const file = path.join(dir, 'x.interop');
    writeFileSync(file, 'module x version "1.0.0";\nunion U {\n  300: b: string;\n}\n');
    const r = spawnSync(process.execPath, [path.join(root, 'compiler/bin/interopc.mjs'), 'gen', '--lang', 'fbs', '--out', path.join(dir, 'out'), file], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error[E0704]');
    expect(r.stderr).toContain('x.interop:3:3');
    expect(r.stderr).toContain('hint: give the case an id up to 255');
    expect(r.stderr).toContain('nothing written');
    expect(readdirSync(dir)).toEqual(['x.interop']);
  });
});
