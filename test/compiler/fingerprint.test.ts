// The module fingerprint changes with the wire-relevant form and nothing else.

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { FileNode } from '../../compiler/src/frontend/ast.js';
import { canonicalForm, canonicalJson, canonicalType } from '../../compiler/src/frontend/fingerprint.js';
import { compile } from '../../compiler/src/frontend/compile.js';
import { compileWith } from '../../compiler/src/frontend/pipeline.js';
import {
  constDecl,
  enumDecl,
  errorDecl,
  event,
  fakeFs,
  field,
  file,
  fn,
  importOf,
  inFile,
  lit,
  struct,
  t,
  union,
  alias,
} from './ast-build.js';

interface Variant {
  doc?: string;
  default?: string;
  order?: 'reversed';
  fieldType?: string;
  fieldId?: number;
  fieldName?: string;
  enumValue?: number;
  caseType?: string;
  paramType?: string;
  result?: string;
  throws?: string[];
  commonField?: string;
  constValue?: string;
  version?: string;
}

function schema(v: Variant = {}): FileNode[] {
  inFile('common.interop');
  const common = file('common.interop', 'ex.common', [struct('Time', [field(1, 's', t.named(v.commonField ?? 'i64'))])]);
  inFile('chat.interop');
  const decls: FileNode['decls'] = [
    alias('Id', t.named('u64')),
    enumDecl('Mood', [['HAPPY', 1], ['SAD', v.enumValue ?? 2]]),
    struct('Message', [
      field(v.fieldId ?? 1, v.fieldName ?? 'id', t.named(v.fieldType ?? 'Id'), v.doc ? { doc: v.doc } : {}),
      field(2, 'at', t.named('common.Time')),
      field(3, 'n', t.named('u32'), { default: lit.int(v.default ?? '0') }),
    ]),
    union('Shape', [[1, 'circle', t.named(v.caseType ?? 'f64')], [2, 'empty', undefined]]),
    errorDecl('NotFound', [field(1, 'key', t.named('string'))]),
    errorDecl('Busy', []),
    fn('post', [field(1, 'text', t.named(v.paramType ?? 'string'))], {
      result: t.named(v.result ?? 'Message'),
      throws: v.throws ?? ['NotFound', 'Busy'],
    }),
    event('posted', t.named('Message')),
    constDecl('MAX', t.named('u32'), lit.int(v.constValue ?? '10')),
  ];
  if (v.order === 'reversed') decls.reverse();
  const chat = file('chat.interop', 'ex.chat', decls, { imports: [importOf('common.interop')], doc: v.doc });
  if (v.version) chat.module!.version.value = v.version;
  return [chat, common];
}

function fp(v: Variant = {}): string {
  const files = schema(v);
  const fs = fakeFs(files);
  const r = compileWith(fs.parse, ['chat.interop'], { readFile: fs.readFile });
  expect(r.diagnostics).toEqual([]);
  return r.bundle!.modules.find((m) => m.name === 'ex.chat')!.fingerprint;
}

describe('fingerprint', () => {
  const base = fp();

  it('has the documented shape', () => {
    expect(base).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it.each<[string, Variant]>([
    ['a doc comment', { doc: 'Now documented.' }],
    ['a field default', { default: '7' }],
    ['declaration order', { order: 'reversed' }],
    ['a constant', { constValue: '11' }],
    ['the version', { version: '2.0.0' }],
    ['an alias spelled out', { fieldType: 'u64' }],
  ])('does not change with %s', (_what, v) => {
    expect(fp(v)).toBe(base);
  });

  it.each<[string, Variant]>([
    ['a field type', { fieldType: 'u32' }],
    ['a field id', { fieldId: 9 }],
    ['a field name', { fieldName: 'ident' }],
    ['an enum value', { enumValue: 3 }],
    ['a union case type', { caseType: 'f32' }],
    ['a parameter type', { paramType: 'bytes' }],
    ['a result', { result: 'Shape' }],
    ['throws', { throws: ['NotFound'] }],
    ['a type in an imported module', { commonField: 'u64' }],
  ])('changes with %s', (_what, v) => {
    expect(fp(v)).not.toBe(base);
  });

  it('does not depend on the order of throws', () => {
    expect(fp({ throws: ['Busy', 'NotFound'] })).toBe(base);
  });
});

describe('canonical form', () => {
  it('writes types without spaces, fully qualified', () => {
    expect(
      canonicalType({
        kind: 'list',
        element: {
          kind: 'map',
          key: { kind: 'scalar', name: 'string' },
          value: { kind: 'ref', module: 'example.chat', name: 'Mood', declKind: 'enum' },
        },
      }),
    ).toBe('list<map<string,example.chat.Mood>>');
  });

  it('sorts keys and drops whitespace', () => {
    expect(canonicalJson({ b: [1, { d: null, c: 'x' }], a: true })).toBe('{"a":true,"b":[1,{"c":"x","d":null}]}');
  });
});

describe('the example in docs/ir.md', () => {
  it('has the documented canonical JSON and hash', () => {
    inFile('tiny.interop');
    const tiny = file('tiny.interop', 'ex.tiny', [
      enumDecl('Mood', [['SAD', 2], ['HAPPY', 1]]),
      struct('Msg', [field(2, 'mood', t.named('Mood'), { optionalMark: true }), field(1, 'id', t.named('u64'), { default: lit.int('5') })]),
      fn('ping', [field(1, 'm', t.named('Msg'))], { result: t.named('bool') }),
      event('seen'),
    ]);
    tiny.module!.version.value = '1';
    const fs = fakeFs([tiny]);
    const m = compileWith(fs.parse, ['tiny.interop'], { readFile: fs.readFile }).bundle!.modules[0]!;
    const json = canonicalJson(canonicalForm(m, new Map()));
    expect(json).toBe(
      '{"events":[{"name":"seen","payload":null}],"functions":[{"kind":"call","name":"ping","params":[{"id":1,' +
        '"name":"m","type":"ex.tiny.Msg"}],"result":"bool","throws":[]}],"imports":[],"module":"ex.tiny","types":' +
        '[{"kind":"enum","members":[{"name":"HAPPY","value":1},{"name":"SAD","value":2}],"name":"Mood"},{"fields":' +
        '[{"id":1,"name":"id","type":"u64"},{"id":2,"name":"mood","type":"optional<ex.tiny.Mood>"}],"kind":"struct",' +
        '"name":"Msg"}]}',
    );
    expect(m.fingerprint).toBe(`sha256:${createHash('sha256').update(json).digest('hex')}`);
    expect(m.fingerprint).toBe('sha256:c295457965874b9b260d45cb02b1490431b8fa20d01402b7df96dece66f18945');
  });
});

describe('fingerprint from source text', () => {
  const BASE = `module ex.text version "1.0.0";

/// A message.
struct Message {
  1: id: u64;
  2: text: string = "";
}

enum Mood { HAPPY = 1; SAD = 2; }

fn post(1: text: string) -> Message;
`;

  function fpOf(text: string): string {
    const r = compile(['t.interop'], { readFile: (p) => (p === 't.interop' ? text : undefined) });
    expect(r.diagnostics).toEqual([]);
    return r.bundle!.modules[0]!.fingerprint;
  }

  it('ignores comments, docs, formatting, defaults and declaration order', () => {
    const base = fpOf(BASE);
    const variants = [
      BASE.replace('/// A message.', '/// Another doc.\n// and a comment'),
      BASE.replace(/\n\n/g, '\n\n\n').replace(/  /g, '\t').replace('1: id: u64;', '1:id:u64;'),
      BASE.replace('= ""', '= "hi"'),
      `module ex.text version "2";\nfn post(1: text: string) -> Message;\nenum Mood { SAD = 2; HAPPY = 1; }\nstruct Message { 2: text: string; 1: id: u64; }\n`,
    ];
    for (const v of variants) expect(fpOf(v), v).toBe(base);
  });

  it('changes with a field type or a result', () => {
    const base = fpOf(BASE);
    expect(fpOf(BASE.replace('1: id: u64;', '1: id: i64;'))).not.toBe(base);
    expect(fpOf(BASE.replace('-> Message;', '-> Mood;'))).not.toBe(base);
  });

  it('tells every stream shape and item type apart', () => {
    const shapes = [
      'fn post(1: text: string) -> Message;',
      'fn post(1: text: string) -> stream<Message>;',
      'fn post(1: text: stream<string>) -> Message;',
      'fn post(1: text: stream<string>);',
      'fn post(1: text: stream<string>) -> stream<Message>;',
      'fn post(1: text: stream<bytes>) -> stream<Message>;',
      'fn post(1: text: stream<string>) -> stream<Mood>;',
      'fn post(2: text: stream<string>) -> stream<Message>;',
      'fn post(1: body: stream<string>) -> stream<Message>;',
      'fn post(1: n: u8, 2: text: stream<string>) -> stream<Message>;',
    ];
    const fps = shapes.map((fn) => fpOf(BASE.replace('fn post(1: text: string) -> Message;', fn)));
    expect(new Set(fps).size).toBe(shapes.length);
  });

  it('writes the input and output of a stream into its canonical form', () => {
    const r = compile(['t.interop'], {
      readFile: () => 'module ex.s version "1";\nfn up(1: n: u8, 2: xs: stream<u32>) -> stream<string> throws E;\nerror E {}\n',
    });
    expect(r.diagnostics).toEqual([]);
    const json = canonicalJson(canonicalForm(r.bundle!.modules[0]!, new Map()));
    expect(json).toContain(
      '{"input":{"id":2,"name":"xs","type":"u32"},"kind":"stream","name":"up","output":"string",' +
        '"params":[{"id":1,"name":"n","type":"u8"}],"result":null,"throws":["ex.s.E"]}',
    );
  });
});
