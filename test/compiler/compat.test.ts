// The compatibility tables the compiler writes into the IR (docs/ir.md) are exactly the ones the
// reference generator derives from the rules (test/vectors/handshake.py), for both versions of
// the mixed-version test module.

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/src/frontend/compile.js';
import { repoRoot } from './corpus.mjs';

const root = repoRoot();
const vectors = JSON.parse(readFileSync(path.join(root, 'test/vectors/handshake.json'), 'utf8')) as {
  schemas: Record<string, string>;
  tables: Record<string, unknown>;
};

function tableOf(file: string, text?: string) {
  const r = compile([file], text === undefined ? {} : { readFile: (p) => (p === file ? text : undefined) });
  expect(r.diagnostics).toEqual([]);
  // Through JSON, as the IR travels: null-prototype records compare as plain objects.
  return JSON.parse(JSON.stringify(r.bundle!.modules.at(-1)!.compat)) as unknown;
}

describe('compatibility tables', () => {
  it('are computed for a chain of 5000 structs, each holding the next (no recursion depth limit)', () => {
    const n = 5000;
    const structs = Array.from({ length: n }, (_, i) => `struct S${i} { 1: x: i32; ${i + 1 < n ? `2: next?: S${i + 1};` : ''} }`);
    const text = `module t version "1";\n${structs.join('\n')}\nfn f(1: s: S0);\n`;
    const table = tableOf('t.interop', text) as { functions: Record<string, { uses: string[] }> };
    expect(table.functions['f']!.uses).toHaveLength(n);
  });

  it.each(Object.entries(vectors.schemas))('of %s match the reference vectors', (version, file) => {
    expect(tableOf(path.join(root, file))).toEqual(vectors.tables[version]);
  });

  it('name members by id and by name, required only for structs and unions by value', () => {
    const table = tableOf(
      't.interop',
      `module t version "1";
struct P { 1: x: i32; }
union U { 1: p: P; 2: none_case; }
struct S { 1: p: P; 2: maybe?: P; 3: ps: list<P>; 4: u: U; 5: __proto__: string; }
fn f(1: s: S) -> S;
oneway fn g(1: n: u8);
event e;
`,
    ) as { functions: Record<string, unknown>; events: Record<string, unknown>; types: Record<string, unknown> };
    expect(table.types['t.S']).toEqual({
      must: { '#1': 'p:t.P', '#4': 'u:t.U', '.p': '#1', '.u': '#4' },
      may: { '#2': 'maybe:optional<t.P>', '#3': 'ps:list<t.P>', '#5': '__proto__:string', '.__proto__': '#5', '.maybe': '#2', '.ps': '#3' },
    });
    expect(table.types['t.U']).toEqual({ must: { '#1': 'p:t.P', '#2': 'none_case', '.none_case': '#2', '.p': '#1' }, may: {} });
    expect(table.functions['f']).toEqual({
      must: { '#1': 's:t.S', '.s': '#1', kind: 'call', result: 't.S' },
      may: {},
      uses: ['t.P', 't.S', 't.U'],
    });
    expect(table.functions['g']).toEqual({ must: { kind: 'oneway' }, may: { '#1': 'n:u8', '.n': '#1' }, uses: [] });
    expect(table.events['e']).toEqual({ must: {}, may: {}, uses: [] });
  });

  it('describe a stream by its item types, not by its stream parameter', () => {
    const table = tableOf(
      's.interop',
      `module s version "1";
struct Line { 1: text: string; }
error TooBig { 1: limit: u64; }
fn chat(1: room: string, 2: said: stream<Line>) -> stream<Line> throws TooBig;
fn upload(1: chunks: stream<bytes>) -> u64;
`,
    ) as { functions: Record<string, unknown> };
    expect(table.functions['chat']).toEqual({
      must: { input: 's.Line', kind: 'stream', output: 's.Line' },
      may: { '!s.TooBig': 's.TooBig', '#1': 'room:string', '.room': '#1' },
      uses: ['s.Line', 's.TooBig'],
    });
    expect(table.functions['upload']).toEqual({ must: { input: 'bytes', kind: 'stream', result: 'u64' }, may: {}, uses: [] });
  });
});
