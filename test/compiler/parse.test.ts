// The syntax half of the front end: the AST parseFile builds, where comments and docs go, and
// the E01xx diagnostics (codes, spans, messages, hints), including files with many errors.

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFile } from '../../compiler/src/frontend/parse.js';
import { formatFile } from '../../compiler/src/frontend/format.js';
import type { ConstNode, Decl, EnumNode, FunctionNode, StructNode, UnionNode } from '../../compiler/src/frontend/ast.js';
import { SYNTAX_CODES } from '../../compiler/src/frontend/syntax-codes.js';
import { generateSchema, stripSpans } from './arbitrary-schema.js';
import type { Span } from '../../compiler/src/ir/types.js';

const HEADER = 'module t version "1";\n';

function ok(text: string) {
  const r = parseFile(text, 't.interop');
  expect(r.diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.code} ${d.message}`)).toEqual([]);
  return r.ast;
}

type DeclOf<K extends Decl['kind']> = K extends 'struct' | 'error' ? StructNode : Extract<Decl, { kind: K }>;

function decl<K extends Decl['kind']>(text: string, kind: K): DeclOf<K> {
  const d = ok(HEADER + text).decls[0]!;
  expect(d.kind).toBe(kind);
  return d as DeclOf<K>;
}

/** `line:col code` of each diagnostic, for compact assertions. */
function codes(text: string): string[] {
  return parseFile(text, 't.interop').diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.code}`);
}

function only(text: string) {
  const ds = parseFile(text, 't.interop').diagnostics;
  expect(ds).toHaveLength(1);
  return ds[0]!;
}

describe('parseFile: declarations', () => {
  it('reads the module header, imports and depends', () => {
    const ast = ok('/// The chat.\nmodule example.chat version "1.0.0";\nimport "common.interop";\nimport "../u/users.interop" as u;\ndepends example.users;\n');
    expect(ast.module?.name.parts.map((p) => p.text)).toEqual(['example', 'chat']);
    expect(ast.module?.version.value).toBe('1.0.0');
    expect(ast.module?.doc).toBe('The chat.');
    expect(ast.imports.map((i) => [i.path.value, i.alias?.text])).toEqual([['common.interop', undefined], ['../u/users.interop', 'u']]);
    expect(ast.depends[0]?.module.parts.map((p) => p.text)).toEqual(['example', 'users']);
  });

  it('builds struct fields with ids, optional marks, defaults, docs and annotations', () => {
    const s = decl('struct M {\n  1: id: u64;\n  3: text: string = "";\n  4: mood?: Mood;\n  /// Old.\n  @deprecated("use text")\n  7: body: bytes;\n  8: scores: list<optional<i32>>;\n  reserved 9, 10..12, "old_field";\n}\n', 'struct') as StructNode;
    expect(stripSpans(s.fields.map((f) => ({ id: f.id.value, name: f.name.text, opt: f.optionalMark })))).toEqual([
      { id: 1, name: 'id', opt: false },
      { id: 3, name: 'text', opt: false },
      { id: 4, name: 'mood', opt: true },
      { id: 7, name: 'body', opt: false },
      { id: 8, name: 'scores', opt: false },
    ]);
    expect(stripSpans(s.fields[1]!.default)).toEqual({ kind: 'string', value: '' });
    expect(stripSpans(s.fields[2]!.type)).toEqual({ kind: 'named', name: { parts: [{ text: 'Mood' }] } });
    expect(s.fields[3]!.doc).toBe('Old.');
    expect(stripSpans(s.fields[3]!.annotations)).toEqual([{ name: { text: 'deprecated' }, args: [{ value: { kind: 'string', value: 'use text' } }] }]);
    expect(stripSpans(s.fields[4]!.type)).toEqual({
      kind: 'list',
      element: { kind: 'optional', inner: { kind: 'named', name: { parts: [{ text: 'i32' }] } } },
    });
    expect(s.reserved[0]!.ranges.map((r) => [r.from, r.to])).toEqual([[9, 9], [10, 12]]);
    expect(s.reserved[0]!.names.map((n) => n.value)).toEqual(['old_field']);
  });

  it('builds enums, unions with unit cases, errors and aliases', () => {
    const e = decl('enum Mood { HAPPY = 1; SAD = -2; HEX = 0x1F; reserved 3, 10..20; reserved "ANGRY"; }', 'enum') as EnumNode;
    expect(e.members.map((m) => [m.name.text, m.value.kind === 'int' ? m.value.text : '?'])).toEqual([['HAPPY', '1'], ['SAD', '-2'], ['HEX', '0x1F']]);
    expect(e.reserved).toHaveLength(2);
    const u = decl('union Shape { 1: circle: f64; 2: rect: geo.Rect; 3: empty; }', 'union') as UnionNode;
    expect(u.cases.map((c) => [c.id.value, c.name.text, c.type?.kind])).toEqual([[1, 'circle', 'named'], [2, 'rect', 'named'], [3, 'empty', undefined]]);
    expect(decl('error NotFound { 1: key: string; }', 'error').fields).toHaveLength(1);
    expect(stripSpans(decl('type Ids = map<string, list<u64>>;', 'alias').type)).toMatchObject({ kind: 'map', key: { kind: 'named' }, value: { kind: 'list' } });
  });

  it('builds functions: params, result, throws, oneway, stream results, events', () => {
    const ast = ok(HEADER + 'fn post(1: text: string, 2: mood?: Mood,) -> Message throws NotFound, common.RateLimited;\nfn ping();\noneway fn typing(1: user: UserId);\nfn ticks(1: n: u32) -> stream<u64>;\nevent posted: Message;\nevent cleared;\n');
    const [post, ping, typing, ticks, posted, cleared] = ast.decls as [FunctionNode, FunctionNode, FunctionNode, FunctionNode, Decl, Decl];
    expect(post.params.map((p) => [p.id.value, p.name.text, p.optionalMark])).toEqual([[1, 'text', false], [2, 'mood', true]]);
    expect(post.result?.kind).toBe('named');
    expect(post.throws.map((t) => t.parts.map((p) => p.text).join('.'))).toEqual(['NotFound', 'common.RateLimited']);
    expect([ping.params.length, ping.result, ping.oneway]).toEqual([0, undefined, false]);
    expect(typing.oneway).toBe(true);
    expect(ticks.result?.kind).toBe('stream');
    expect(posted).toMatchObject({ kind: 'event', name: { text: 'posted' }, payload: { kind: 'named' } });
    expect(cleared).toMatchObject({ kind: 'event', name: { text: 'cleared' } });
    expect('payload' in cleared).toBe(false);
  });

  it('reads every literal form', () => {
    const consts = ok(HEADER + [
      'const A: u32 = 4096;', 'const B: i64 = -0x10;', 'const C: f64 = 1.5e3;', 'const D: f64 = -2.5E-3;',
      'const E: f64 = nan;', 'const F: f64 = -inf;', 'const G: string = "q\\"\\\\\\n\\r\\t\\0\\u{1F600}";',
      'const H: bool = true;', 'const I: optional<u8> = none;', 'const J: Mood = Mood.HAPPY;',
      'const K: list<string> = ["a", "b",];', 'const L: map<string, u32> = { "a": 1, "b": 0x10 };',
    ].join('\n')).decls as ConstNode[];
    expect(consts.map((c) => stripSpans(c.value))).toEqual([
      { kind: 'int', text: '4096' },
      { kind: 'int', text: '-0x10' },
      { kind: 'float', text: '1.5e3' },
      { kind: 'float', text: '-2.5E-3' },
      { kind: 'float', text: 'nan' },
      { kind: 'float', text: '-inf' },
      { kind: 'string', value: 'q"\\\n\r\t\0😀' },
      { kind: 'bool', value: true },
      { kind: 'none' },
      { kind: 'name', name: { parts: [{ text: 'Mood' }, { text: 'HAPPY' }] } },
      { kind: 'list', items: [{ kind: 'string', value: 'a' }, { kind: 'string', value: 'b' }] },
      { kind: 'map', entries: [
        { key: { kind: 'string', value: 'a' }, value: { kind: 'int', text: '1' } },
        { key: { kind: 'string', value: 'b' }, value: { kind: 'int', text: '0x10' } },
      ] },
    ]);
  });

  it('lets keywords name members, parameters, cases and enum members', () => {
    const ast = ok(HEADER + 'struct S { 1: type: string; 2: error: string; 3: version: u32; 4: optional?: bool; 5: reserved: u8; 6: list: list<u8>; }\nenum E { none = 0; reserved = 1; type = 2; }\nunion U { 1: stream; 2: map: map<u8, u8>; }\nfn f(1: as: u8, 2: fn: u8);\nconst X: E = E.none;\n');
    expect((ast.decls[0] as StructNode).fields.map((f) => f.name.text)).toEqual(['type', 'error', 'version', 'optional', 'reserved', 'list']);
    expect((ast.decls[1] as EnumNode).members.map((m) => m.name.text)).toEqual(['none', 'reserved', 'type']);
    expect((ast.decls[2] as UnionNode).cases.map((c) => c.name.text)).toEqual(['stream', 'map']);
    expect((ast.decls[3] as FunctionNode).params.map((p) => p.name.text)).toEqual(['as', 'fn']);
  });

  it('gives 1-based spans with exclusive ends', () => {
    const s = decl('struct Msg {\n  12: name: string;\n}', 'struct') as StructNode;
    expect(s.name.span).toEqual({ file: 't.interop', line: 2, col: 8, endLine: 2, endCol: 11 });
    expect(s.span).toMatchObject({ line: 2, col: 1, endLine: 4, endCol: 2 });
    expect(s.fields[0]!.id.span).toMatchObject({ line: 3, col: 3, endCol: 5 });
    expect(s.fields[0]!.span).toMatchObject({ line: 3, col: 3, endLine: 3, endCol: 20 });
  });
});

describe('parseFile: comments and docs', () => {
  it('strips doc markers and one space, joins lines, and trims line ends', () => {
    const s = decl('///  Two spaces.\n///\n/// Last line.   \nstruct A {}', 'struct');
    expect(s.doc).toBe(' Two spaces.\n\nLast line.');
    expect(s.docSpan).toMatchObject({ line: 2, endLine: 4 });
  });

  it('keeps leading, trailing, inner and file-trailing comments', () => {
    const ast = ok('// top\nmodule t version "1"; // after header\n\n/* before A */\nstruct A { // first\n  1: x: i32; // x\n  // inner\n}\nenum E { A = 1; /* a */ }\n// the end\n');
    expect(ast.module?.leadingComments.map((c) => c.text)).toEqual(['// top']);
    expect(ast.module?.trailingComment?.text).toBe('// after header');
    const a = ast.decls[0] as StructNode;
    expect(a.leadingComments.map((c) => c.text)).toEqual(['/* before A */']);
    expect(a.fields[0]!.leadingComments.map((c) => c.text)).toEqual(['// first']);
    expect(a.fields[0]!.trailingComment?.text).toBe('// x');
    expect(a.innerComments.map((c) => c.text)).toEqual(['// inner']);
    expect((ast.decls[1] as EnumNode).members[0]!.trailingComment?.text).toBe('/* a */');
    expect(ast.trailingComments.map((c) => c.text)).toEqual(['// the end']);
  });

  it('moves comments inside a declaration (outside its body) to its leading comments', () => {
    const ast = ok(HEADER + 'struct /* a */ A {\n  1: x: list</* b */ i32>;\n}\nfn f(/* c */) -> /* d */ X;\n');
    expect((ast.decls[0] as StructNode).leadingComments.map((c) => c.text)).toEqual(['/* a */']);
    expect((ast.decls[0] as StructNode).fields[0]!.leadingComments.map((c) => c.text)).toEqual(['/* b */']);
    expect(ast.decls[1]!.leadingComments.map((c) => c.text)).toEqual(['/* c */', '/* d */']);
  });

  it('attaches docs to members, parameters and the module, and keeps stray docs as comments', () => {
    const ast = ok('/// Mod.\nmodule t version "1";\nfn f(\n  /// The id.\n  1: id: u64,\n);\nstruct S {\n  1: a: i32;\n  /// dangling\n}\n');
    expect(ast.module?.doc).toBe('Mod.');
    expect((ast.decls[0] as FunctionNode).params[0]!.doc).toBe('The id.');
    expect((ast.decls[1] as StructNode).innerComments.map((c) => c.text)).toEqual(['/// dangling']);
  });
});

describe('parseFile: diagnostics', () => {
  it('E0101 unexpected character, E0102 unterminated string, E0106 bad escape', () => {
    expect(only(HEADER + 'const X: u8 = 1$;')).toMatchObject({ code: 'E0101', message: "unexpected character '$'", span: { line: 2, col: 16, endCol: 17 } });
    expect(only(HEADER + '# old comment\n')).toMatchObject({ code: 'E0101', hint: 'comments start with `//`' });
    expect(only(HEADER + "const S: string = 'x';")).toMatchObject({ code: 'E0101', hint: 'write "x"' });
    const d = parseFile(HEADER + 'const S: string = "abc;\nconst T: u8 = 1;', 't').diagnostics;
    expect(d.map((x) => x.code)).toEqual(['E0102']);
    expect(only(HEADER + 'const S: string = "a\\qb";')).toMatchObject({ code: 'E0106', message: "unknown escape sequence '\\q'", span: { line: 2, col: 21, endCol: 23 } });
    expect(only(HEADER + 'const S: string = "\\u{D800}";').code).toBe('E0106');
  });

  it('E0105 unterminated comment and E0107 malformed numbers', () => {
    expect(codes(HEADER + 'struct A {}\n/* open\nstruct B {}')).toEqual(['3:1 E0105']);
    for (const bad of ['12abc', '0x', '1.2.3', '007', '1_000', '1e']) {
      expect(only(`${HEADER}const X: u32 = ${bad};`)).toMatchObject({ code: 'E0107', message: `malformed number literal '${bad}'` });
    }
    expect(only(HEADER + 'const X: u32 = 007;').hint).toContain('write `7`');
  });

  it('E0104 missing semicolon points right after the previous token', () => {
    const d = only(HEADER + 'struct A {\n  1: id: u64;\n  2: name: string\n}');
    expect(d).toMatchObject({ code: 'E0104', message: "expected ';' after field declaration, found '}'", span: { line: 4, col: 18, endLine: 4, endCol: 18 } });
    expect(only(HEADER + 'enum E { A = 1, B = 2; }')).toMatchObject({ code: 'E0104', message: "expected ';' after enum member, found ','" });
    expect(only(HEADER + 'type X = u8\nconst Y: u8 = 1;')).toMatchObject({ code: 'E0104', message: "expected ';' after type alias, found 'const'" });
  });

  it('E0108 module declaration missing, late or repeated', () => {
    expect(only('struct A {}')).toMatchObject({ code: 'E0108', message: 'missing module declaration', span: { line: 1, col: 1 } });
    expect(codes('struct A {}\nmodule a version "1";\nmodule b version "1";')).toEqual(['2:1 E0108', '3:1 E0108']);
    expect(only('module a;')).toMatchObject({ code: 'E0103', message: "expected 'version' after the module name, found ';'" });
  });

  it('E0109 missing id, with the next free id in the hint', () => {
    const d = only(HEADER + 'struct A { 1: a: i32; 5: b: i32; name: string; }');
    expect(d).toMatchObject({ code: 'E0109', message: 'field `name` has no id', hint: 'fields need an explicit id: `6: name: string;`' });
    expect(only(HEADER + 'fn f(text: string);').message).toBe('parameter `text` has no id');
  });

  it('E0110 protobuf and Thrift shapes are explained with the interop spelling', () => {
    expect(only(HEADER + 'struct A { string name = 1; }')).toMatchObject({ code: 'E0110', hint: 'write `1: name: string;`' });
    expect(only(HEADER + 'struct A { repeated string tags = 5; }')).toMatchObject({ code: 'E0110', hint: 'write `5: tags: list<string>;`' });
    expect(only(HEADER + 'struct A { 1: string name; }')).toMatchObject({ code: 'E0110', message: 'field `name` has its type before its name' });
    expect(only(HEADER + 'struct A { 1: required name: string; }')).toMatchObject({ code: 'E0110', hint: 'remove `required`' });
    expect(only(HEADER + 'struct A { 1: name string; }')).toMatchObject({ code: 'E0103', message: "expected ':' between field name and type, found 'string'" });
  });

  it('E0111 optional misuse', () => {
    expect(only(HEADER + 'struct A { 4: mood: Mood?; }')).toMatchObject({ code: 'E0111', hint: 'write `4: mood?: Mood;`' });
    expect(only(HEADER + 'struct A { 4: optional mood: Mood; }')).toMatchObject({ code: 'E0111' });
    expect(only(HEADER + 'struct A { optional string mood = 4; }')).toMatchObject({ code: 'E0110', hint: 'write `4: mood?: string;`' });
    expect(only(HEADER + 'struct A { 4: mood: optional Mood; }')).toMatchObject({ code: 'E0111', message: '`optional` is a type constructor: write `optional<Mood>`' });
    expect(only(HEADER + 'union U { 1: a?: i32; }')).toMatchObject({ code: 'E0111', message: 'a union case cannot be optional' });
  });

  it('E0112 unclosed delimiters name the construct and point at the opener', () => {
    const d = only(HEADER + 'struct A {\n  1: a: i32;\n');
    expect(d).toMatchObject({ code: 'E0112', message: "expected '}' to close struct `A`, found end of file", span: { line: 3, col: 13 } });
    expect(d.related).toEqual([{ message: "'{' opened here", span: { file: 't.interop', line: 2, col: 10, endLine: 2, endCol: 11 } }]);
    const mid = parseFile(HEADER + 'struct A {\n  1: a: i32;\nstruct B { 1: b: i32; }\n', 't');
    expect(mid.diagnostics.map((x) => x.code)).toEqual(['E0112']);
    expect(mid.ast.decls.map((x) => x.name.text)).toEqual(['A', 'B']);
    expect(only(HEADER + 'const L: list<i32 = [];')).toMatchObject({ code: 'E0112', message: "expected '>' to close the type arguments, found '='" });
  });

  it('E0115 keywords cannot name declarations; protobuf ranges are explained', () => {
    const r = parseFile(HEADER + 'struct error { 1: code: u32; }\nfn type();\n', 't');
    expect(r.diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.code}`)).toEqual(['2:8 E0115', '3:4 E0115']);
    expect(r.ast.decls.map((d) => d.name.text)).toEqual(['error', 'type']);
    expect(only(HEADER + 'struct T { reserved 1 to 5; }')).toMatchObject({ code: 'E0110', hint: 'write `1..5`' });
    expect(only(HEADER + 'const L: list<u8> = [1 2];')).toMatchObject({ code: 'E0103', message: "expected ',' or ']' in the list value, found '2'" });
  });

  it('E0113 and E0114', () => {
    expect(only(HEADER + '@deprecated import "x.interop";').code).toBe('E0113');
    expect(only(HEADER + 'union U { 1: a: i32 = 4; }').code).toBe('E0113');
    expect(only(HEADER + 'enum E { A = 1; B; }')).toMatchObject({ code: 'E0114', hint: 'enum members need an explicit value: `B = 2;`' });
  });

  it('foreign keywords get a hint', () => {
    expect(only(HEADER + 'message Foo { }')).toMatchObject({ code: 'E0103', hint: '`message` is protobuf; interop declares records with `struct`' });
  });

  it('a misspelt keyword is one error with "did you mean", and the declaration is read as meant', () => {
    const strcut = parseFile(HEADER + 'strcut Message {\n  1: text: string;\n}\nfn post(1: m: Message);\n', 't');
    expect(strcut.diagnostics).toMatchObject([{ code: 'E0103', message: "'strcut' is not a keyword", hint: 'did you mean `struct`?', span: { line: 2, col: 1, endCol: 7 } }]);
    expect(strcut.ast.decls.map((d) => `${d.kind} ${d.name.text}`)).toEqual(['struct Message', 'function post']);
    expect(only('modul example.chat version "1.0.0";\nstruct A { 1: a: i32; }')).toMatchObject({ hint: 'did you mean `module`?' });
    expect(only('module a version "1";\n@deprecated("x")\nenmu E { A = 1; }')).toMatchObject({ hint: 'did you mean `enum`?' });
    expect(only('module a verison "1";')).toMatchObject({ hint: 'did you mean `version`?' });
    expect(only(HEADER + 'error E { 1: a: i32; }\nfn f() -> i32 throw E;')).toMatchObject({ hint: 'did you mean `throws`?' });
    expect(only(HEADER + 'struct A { 1: a: i32; reserverd 2; }')).toMatchObject({ hint: 'did you mean `reserved`?' });
    expect(only(HEADER + 'fun f(1: a: i32);')).toMatchObject({ hint: 'did you mean `fn`?' });
    // Only where a keyword must stand: the same words as names are fine.
    ok(HEADER + 'struct strcut { 1: modul: i32; 2: throw: i32; }\nfn fun(1: reserverd: strcut) -> strcut;');
  });

  it('E0116 type arguments on a name: one error, the interop type suggested and used', () => {
    expect(only(HEADER + 'struct A { 1: tags: set<i32>; }')).toMatchObject({ code: 'E0116', message: 'unknown type `set<i32>`', hint: 'interop has no set type; use `list<i32>`' });
    expect(only(HEADER + 'struct A { 1: m: HashMap<string, list<u8>>; }')).toMatchObject({ hint: 'use `map<string, list<u8>>`' });
    expect(only(HEADER + 'struct A { 1: m: lsit<u8>; }')).toMatchObject({ hint: 'did you mean `list<u8>`?' });
    expect(only(HEADER + 'struct A { 1: m: B<u8>; }')).toMatchObject({ message: '`B` takes no type arguments' });
    const r = parseFile(HEADER + 'struct A { 1: tags: set<i32>; }', 't');
    expect((r.ast.decls[0] as StructNode).fields[0]!.type).toMatchObject({ kind: 'list', element: { kind: 'named' } });
  });

  it('recovers: reports every error in a file and still builds the rest of the tree', () => {
    const text = [
      'module t version "1";',
      'struct A {',
      '  1: id: u64',
      '  name: string;',
      '  string legacy = 7;',
      '}',
      'enum E { X = 1; Y; }',
      'const C = 5;',
      'fn f(1: a: i32 2: b: i32) -> A;',
      'struct Last { 1: ok: bool; }',
      'union U {',
      '  1: a: i32;',
    ].join('\n');
    const r = parseFile(text, 't.interop');
    expect(r.diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.code}`)).toEqual([
      '3:13 E0104', '4:3 E0109', '5:3 E0110', '7:17 E0114', '8:9 E0103', '9:15 E0103', '12:13 E0112',
    ]);
    expect(r.ast.decls.map((d) => `${d.kind} ${d.name.text}`)).toEqual(['struct A', 'enum E', 'const C', 'function f', 'struct Last', 'union U']);
    const a = r.ast.decls[0] as StructNode;
    expect(a.fields.map((f) => [f.id.value, f.name.text])).toEqual([[1, 'id'], [null, 'name'], [7, 'legacy']]);
    expect((r.ast.decls[3] as FunctionNode).params.map((p) => p.name.text)).toEqual(['a', 'b']);
  });

  it('every code is documented', () => {
    const doc = readFileSync('docs/errors.md', 'utf8');
    for (const code of Object.keys(SYNTAX_CODES)) expect(doc, code).toContain(`| ${code} |`);
  });

  it('every example in docs/idl.md parses (and formats idempotently)', () => {
    const doc = readFileSync('docs/idl.md', 'utf8');
    const blocks = [...doc.matchAll(/```\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => !/^(interopc|file\s+=)/.test(b));
    expect(blocks.length).toBeGreaterThan(15);
    for (const block of blocks) {
      const text = /^(\/\/\/.*\n)*module /.test(block) ? block : HEADER + block;
      const r = parseFile(text, 'doc.interop');
      expect(r.diagnostics.map((d) => `${d.code} ${d.message}`), block).toEqual([]);
      const once = formatFile(r.ast);
      expect(formatFile(parseFile(once, 'doc.interop').ast), block).toBe(once);
    }
  });

  it('never throws on mangled input, and every diagnostic and span is well-formed', () => {
    const junk = ['{', '}', ';', ':', '(', ')', '<', '>', '"', '/*', '//', '///', '@', '?', '=', ',', '1', 'struct', 'fn', '-', '..', '#', '\n', '0x', 'é', "'"];
    const edit = fc.record({ at: fc.nat(), kind: fc.integer({ min: 0, max: 2 }), len: fc.integer({ min: 1, max: 8 }), junk: fc.constantFrom(...junk) });
    fc.assert(
      fc.property(fc.integer(), fc.array(edit, { minLength: 1, maxLength: 4 }), (seed, edits) => {
        let src = generateSchema(seed, { size: 4 });
        for (const e of edits) {
          const p = e.at % (src.length + 1);
          if (e.kind === 0) src = src.slice(0, p) + src.slice(p + e.len);
          else if (e.kind === 1) src = src.slice(0, p) + e.junk + src.slice(p);
          else src = src.slice(0, p) + src.slice(p, p + e.len).repeat(2) + src.slice(p + e.len);
        }
        const r = parseFile(src, 'm.interop');
        for (const d of r.diagnostics) {
          expect(Object.keys(SYNTAX_CODES)).toContain(d.code);
          expect(d.message.length).toBeGreaterThan(0);
        }
        const spans: Span[] = [];
        const walk = (v: unknown): void => {
          if (Array.isArray(v)) v.forEach(walk);
          else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (k === 'span' || k === 'docSpan' ? spans.push(x as Span) : walk(x));
        };
        walk(r.ast);
        walk(r.diagnostics);
        for (const s of spans) {
          expect(Number.isInteger(s.line) && Number.isInteger(s.col) && Number.isInteger(s.endLine) && Number.isInteger(s.endCol)).toBe(true);
          expect(s.line >= 1 && s.col >= 1 && (s.endLine > s.line || (s.endLine === s.line && s.endCol >= s.col))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
