// Checker rules on hand-built syntax trees (no parser involved).

import { describe, expect, it } from 'vitest';
import type { FileNode } from '../../compiler/src/frontend/ast.js';
import { compileWith } from '../../compiler/src/frontend/pipeline.js';
import {
  alias,
  annotation,
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
  reserved,
  struct,
  t,
  union,
} from './ast-build.js';

function run(files: FileNode[], entries = [files[0]!.file], includeDirs: string[] = []) {
  const fs = fakeFs(files);
  return compileWith(fs.parse, entries, { readFile: fs.readFile, includeDirs });
}

function codes(files: FileNode[], entries?: string[]): string[] {
  return run(files, entries).diagnostics.map((d) => d.code);
}

const one = (...decls: FileNode['decls']) => [file('a.interop', 'ex.a', decls)];

describe('valid schemas', () => {
  it('builds the IR with aliases expanded and recorded', () => {
    const r = run(
      one(
        alias('UserId', t.named('u64')),
        enumDecl('Mood', [['HAPPY', 1], ['SAD', 2]]),
        struct('User', [
          field(1, 'id', t.named('UserId')),
          field(2, 'mood', t.named('Mood'), { optionalMark: true }),
          field(3, 'tags', t.map(t.named('string'), t.list(t.named('UserId')))),
          field(4, 'n', t.named('u8'), { default: lit.int('0x10') }),
        ]),
        constDecl('DEFAULT_MOOD', t.named('Mood'), lit.name('Mood.SAD')),
        errorDecl('NotFound', [field(1, 'key', t.named('string'))]),
        fn('get', [field(1, 'id', t.named('UserId'))], { result: t.named('User'), throws: ['NotFound'] }),
        event('joined', t.named('User')),
      ),
    );
    expect(r.diagnostics).toEqual([]);
    const m = r.bundle!.modules[0]!;
    expect(r.bundle!.roots).toEqual(['ex.a']);
    expect(m.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    const user = m.types.find((d) => d.name === 'User');
    expect(user?.kind).toBe('struct');
    if (user?.kind !== 'struct') return;
    expect(user.fields[0]!.type).toEqual({ kind: 'scalar', name: 'u64', alias: { module: 'ex.a', name: 'UserId' } });
    expect(user.fields[1]!.type).toEqual({ kind: 'optional', inner: { kind: 'ref', module: 'ex.a', name: 'Mood', declKind: 'enum' } });
    expect(user.fields[3]!.default).toEqual({ kind: 'int', value: '16' });
    expect(m.consts[0]!.value).toEqual({ kind: 'enum', enum: { module: 'ex.a', name: 'Mood' }, member: 'SAD', value: 2 });
    expect(m.functions[0]!.throws).toEqual([{ kind: 'ref', module: 'ex.a', name: 'NotFound', declKind: 'error' }]);
  });

  it('resolves imports by qualifier, alias, and full module name; -I dirs', () => {
    inFile('inc/common.interop');
    const common = file('inc/common.interop', 'ex.common', [struct('Time', [field(1, 's', t.named('i64'))])]);
    inFile('main.interop');
    const decls = () => [
      struct('A', [field(1, 'b', t.named('c.Time')), field(2, 'c', t.named('ex.common.Time'))]),
      struct('B', [field(1, 'a', t.named('common.Time'))]),
    ];
    const viaInclude = file('main.interop', 'ex.main', decls().slice(1), { imports: [importOf('common.interop')] });
    let fs = fakeFs([viaInclude, common]);
    let r = compileWith(fs.parse, ['main.interop'], { readFile: fs.readFile, includeDirs: ['inc'] });
    expect(r.diagnostics).toEqual([]);
    expect(r.bundle!.modules.map((m) => m.name)).toEqual(['ex.common', 'ex.main']);
    expect(r.bundle!.modules[1]!.imports).toEqual(['ex.common']);

    const aliased = file('main.interop', 'ex.main', decls().slice(0, 1), { imports: [importOf('inc/common.interop', 'c')] });
    fs = fakeFs([aliased, common]);
    r = compileWith(fs.parse, ['main.interop'], { readFile: fs.readFile });
    expect(r.diagnostics).toEqual([]);

    // one module imported twice: the second import is rejected, so its qualifier is unknown
    const twice = file('main.interop', 'ex.main', decls(), {
      imports: [importOf('inc/common.interop', 'c'), importOf('common.interop')],
    });
    fs = fakeFs([twice, common]);
    r = compileWith(fs.parse, ['main.interop'], { readFile: fs.readFile, includeDirs: ['inc'] });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['E0204', 'E0208']);
  });
});

describe('names and imports', () => {
  it('reports unknown and duplicate names with related spans', () => {
    const r = run(
      one(
        struct('A', [field(1, 'x', t.named('Missing')), field(2, 'x', t.named('u8'))]),
        struct('A', []),
        enumDecl('E', [['X', 1], ['X', 2]]),
        struct('u32', []),
        fn('f', [field(1, 'p', t.named('nope.T'))]),
      ),
    );
    expect(r.diagnostics.map((d) => d.code).sort()).toEqual(['E0201', 'E0202', 'E0203', 'E0204', 'E0210', 'E0213']);
    expect(r.diagnostics.find((d) => d.code === 'E0202')!.related).toHaveLength(1);
    expect(r.bundle).toBeUndefined();
  });

  it('reports missing imports, import cycles and modules declared twice', () => {
    inFile('a.interop');
    const a = file('a.interop', 'ex.a', [], { imports: [importOf('b.interop'), importOf('gone.interop')] });
    inFile('b.interop');
    const b = file('b.interop', 'ex.b', [], { imports: [importOf('a.interop')] });
    expect(codes([a, b]).sort()).toEqual(['E0205', 'E0206']);
    inFile('c.interop');
    const c = file('c.interop', 'ex.a', []);
    expect(codes([a, b, c], ['a.interop', 'c.interop']).sort()).toEqual(['E0205', 'E0206', 'E0207']);
  });
});

describe('ids and reserved', () => {
  it('reports duplicate, out-of-range, protobuf-range and reserved ids', () => {
    expect(
      codes(
        one(
          struct(
            'S',
            [
              field(1, 'a', t.named('u8')),
              field(1, 'b', t.named('u8')),
              field(0, 'c', t.named('u8')),
              field(536870912, 'd', t.named('u8')),
              field(19500, 'e', t.named('u8')),
              field(5, 'f', t.named('u8')),
              field(30, 'old', t.named('u8')),
            ],
            { reserved: [reserved([[4, 6], [9, 7]], ['old'])] },
          ),
        ),
      ).sort(),
    ).toEqual(['E0301', 'E0302', 'E0302', 'E0303', 'E0306', 'E0307', 'E0309']);
  });

  it('checks enum values', () => {
    expect(
      codes(one(enumDecl('E', [['A', 1], ['B', 1], ['C', 2147483648], ['D', lit.str('x')]]), enumDecl('F', []))).sort(),
    ).toEqual(['E0304', 'E0305', 'E0308', 'E0417']);
  });
});

describe('types and values', () => {
  it('rejects bad map keys, errors as data, streams, optional<optional>', () => {
    expect(
      codes(
        one(
          errorDecl('Oops', []),
          struct('S', [
            field(1, 'm', t.map(t.named('f64'), t.named('u8'))),
            field(2, 'e', t.list(t.named('Oops'))),
            field(3, 's', t.stream(t.named('u8'))),
            field(4, 'o', t.opt(t.named('u8')), { optionalMark: true }),
          ]),
        ),
      ).sort(),
    ).toEqual(['E0401', 'E0407', 'E0408', 'E0412']);
  });

  it('accepts enum and aliased map keys', () => {
    expect(
      codes(
        one(
          enumDecl('K', [['A', 1]]),
          alias('Key', t.named('K')),
          struct('S', [field(1, 'm', t.map(t.named('Key'), t.named('u8'))), field(2, 'n', t.map(t.named('i64'), t.named('u8')))]),
        ),
      ),
    ).toEqual([]);
  });

  it('checks constants and defaults against their types', () => {
    expect(
      codes(
        one(
          enumDecl('Mood', [['HAPPY', 1]]),
          constDecl('A', t.named('u8'), lit.int('300')),
          constDecl('B', t.named('i64'), lit.int('9223372036854775808')),
          constDecl('C', t.named('i32'), lit.str('x')),
          constDecl('D', t.named('Mood'), lit.name('Mood.ANGRY')),
          constDecl('E', t.named('string'), lit.none()),
          constDecl('F', t.list(t.named('u8')), lit.list(lit.int('1'), lit.str('2'))),
          constDecl('G', t.map(t.named('string'), t.named('u8')), lit.map([lit.str('a'), lit.int('1')], [lit.str('a'), lit.int('2')])),
          constDecl('H', t.named('u8'), lit.name('I')),
          constDecl('I', t.named('u8'), lit.name('H')),
          constDecl('J', t.opt(t.named('u8')), lit.none()),
          constDecl('K', t.named('i64'), lit.int('-9223372036854775808')),
          constDecl('L', t.named('f32'), lit.float('1e39')),
          constDecl('M', t.named('u8'), lit.name('N')),
          constDecl('N', t.named('u32'), lit.int('256')),
        ),
      ).sort(),
    ).toEqual(['E0402', 'E0402', 'E0402', 'E0402', 'E0403', 'E0403', 'E0404', 'E0405', 'E0409', 'E0411']);
  });

  it('reports a struct that contains itself by value, not one behind a list or optional', () => {
    const r = run(
      one(
        struct('A', [field(1, 'b', t.named('B'))]),
        struct('B', [field(1, 'u', t.named('U'))]),
        union('U', [[1, 'a', t.named('A')], [2, 'none', undefined]]),
        struct('Fine', [field(1, 'next', t.named('Fine'), { optionalMark: true }), field(2, 'kids', t.list(t.named('Fine')))]),
        struct('Self', [field(1, 'me', t.named('Self'))]),
      ),
    );
    expect(r.diagnostics.map((d) => d.code)).toEqual(['E0406', 'E0406']);
    expect(r.diagnostics[0]!.message).toContain('A.b → B.u → U.a → A');
  });

  it('checks annotations', () => {
    const s = struct('S', [], {
      annotations: [
        annotation('deprecated', [['why', lit.str('x')]]),
        annotation('name', [['rust', lit.str('X')], ['ts', lit.int('1')]]),
        annotation('name', [['ts', lit.str('X')]]),
      ],
    });
    expect(codes(one(s)).sort()).toEqual(['E0414', 'E0414', 'E0415', 'E0416']);
  });
});

describe('functions and events', () => {
  it('checks oneway, throws and stream parameters', () => {
    expect(
      codes(
        one(
          errorDecl('E', []),
          struct('S', []),
          fn('a', [], { oneway: true, result: t.named('u8') }),
          fn('b', [], { oneway: true, throws: ['E'] }),
          fn('c', [], { throws: ['S', 'E', 'E'] }),
          fn('d', [field(1, 's', t.stream(t.named('u8'))), field(2, 'n', t.named('u8'))]),
          fn('e', [field(1, 'x', t.named('u8')), field(1, 'x', t.named('u8'))]),
          fn('f', [field(1, 's', t.stream(t.named('u8')))], { oneway: true }),
          event('ev', t.named('E')),
        ),
      ).sort(),
    ).toEqual(['E0203', 'E0301', 'E0407', 'E0501', 'E0502', 'E0503', 'E0504', 'E0506', 'E0507']);
  });

  it('builds server, client and bidirectional streams into the IR', () => {
    const r = run(
      one(
        errorDecl('E', []),
        fn('ticks', [field(1, 'n', t.named('u32'))], { result: t.stream(t.named('u64')) }),
        fn('upload', [field(1, 'name', t.named('string')), field(2, 'chunks', t.stream(t.named('bytes')))], { result: t.named('u64'), throws: ['E'] }),
        fn('chat', [field(3, 'said', t.stream(t.list(t.named('string'))))], { result: t.stream(t.named('string')) }),
        fn('plain', [field(1, 'n', t.named('u32'))], { result: t.named('u64') }),
      ),
    );
    expect(r.diagnostics).toEqual([]);
    const [ticks, upload, chat, plain] = r.bundle!.modules[0]!.functions;
    expect(ticks).toMatchObject({ kind: 'stream', params: [{ name: 'n' }], output: { kind: 'scalar', name: 'u64' } });
    expect(ticks!.input).toBeUndefined();
    expect(ticks!.result).toBeUndefined();
    expect(upload).toMatchObject({ kind: 'stream', params: [{ name: 'name' }], input: { id: 2, name: 'chunks', type: { kind: 'scalar', name: 'bytes' } }, result: { kind: 'scalar', name: 'u64' } });
    expect(upload!.output).toBeUndefined();
    expect(chat).toMatchObject({ kind: 'stream', params: [], input: { id: 3, type: { kind: 'list' } }, output: { kind: 'scalar', name: 'string' } });
    expect(plain).toMatchObject({ kind: 'call' });
    expect(plain!.input ?? plain!.output).toBeUndefined();
  });
});
