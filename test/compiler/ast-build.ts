// Builders for hand-made syntax trees, so the checker can be tested without the parser. Every
// node gets its own line in a fake file, which keeps spans distinct and diagnostics sortable.

import type {
  AliasNode,
  Annotation,
  ConstNode,
  Decl,
  EnumNode,
  EventNode,
  FieldNode,
  FileNode,
  FunctionNode,
  Ident,
  ImportNode,
  Literal,
  NameRef,
  ReservedNode,
  StructNode,
  TypeExpr,
  UnionNode,
} from '../../compiler/src/frontend/ast.js';
import type { ParseFn } from '../../compiler/src/frontend/loader.js';
import type { Span } from '../../compiler/src/ir/types.js';

let line = 0;
let currentFile = 'test.interop';

function sp(): Span {
  line++;
  return { file: currentFile, line, col: 1, endLine: line, endCol: 2 };
}

export const ident = (text: string): Ident => ({ text, span: sp() });
export const nameRef = (dotted: string): NameRef => ({ parts: dotted.split('.').map(ident), span: sp() });

export const t = {
  named: (dotted: string): TypeExpr => ({ kind: 'named', name: nameRef(dotted), span: sp() }),
  list: (element: TypeExpr): TypeExpr => ({ kind: 'list', element, span: sp() }),
  map: (key: TypeExpr, value: TypeExpr): TypeExpr => ({ kind: 'map', key, value, span: sp() }),
  opt: (inner: TypeExpr): TypeExpr => ({ kind: 'optional', inner, span: sp() }),
  stream: (element: TypeExpr): TypeExpr => ({ kind: 'stream', element, span: sp() }),
};

export const lit = {
  int: (text: string): Literal => ({ kind: 'int', text, span: sp() }),
  float: (text: string): Literal => ({ kind: 'float', text, span: sp() }),
  str: (value: string): Literal => ({ kind: 'string', value, span: sp() }),
  bool: (value: boolean): Literal => ({ kind: 'bool', value, span: sp() }),
  none: (): Literal => ({ kind: 'none', span: sp() }),
  name: (dotted: string): Literal => ({ kind: 'name', name: nameRef(dotted), span: sp() }),
  list: (...items: Literal[]): Literal => ({ kind: 'list', items, span: sp() }),
  map: (...entries: Array<[Literal, Literal]>): Literal => ({
    kind: 'map',
    entries: entries.map(([key, value]) => ({ key, value })),
    span: sp(),
  }),
};

const base = () => ({ annotations: [] as Annotation[], leadingComments: [], span: sp() });

export function annotation(name: string, args: Array<[string | undefined, Literal]>): Annotation {
  return {
    name: ident(name),
    args: args.map(([k, value]) => (k === undefined ? { value } : { key: ident(k), value })),
    span: sp(),
  };
}

export function field(id: number, name: string, type: TypeExpr, extra: Partial<FieldNode> = {}): FieldNode {
  return { ...base(), id: { value: id, span: sp() }, name: ident(name), optionalMark: false, type, ...extra };
}

export function reserved(ranges: Array<[number, number]>, names: string[] = []): ReservedNode {
  return {
    ranges: ranges.map(([from, to]) => ({ from, to, span: sp() })),
    names: names.map((value) => ({ value, span: sp() })),
    leadingComments: [],
    span: sp(),
  };
}

export function struct(name: string, fields: FieldNode[], extra: Partial<StructNode> = {}): StructNode {
  return { ...base(), kind: 'struct', name: ident(name), fields, reserved: [], innerComments: [], ...extra };
}

export function errorDecl(name: string, fields: FieldNode[]): StructNode {
  return { ...struct(name, fields), kind: 'error' };
}

export function enumDecl(name: string, members: Array<[string, Literal | number]>, extra: Partial<EnumNode> = {}): EnumNode {
  return {
    ...base(),
    kind: 'enum',
    name: ident(name),
    members: members.map(([n, v]) => ({
      ...base(),
      name: ident(n),
      value: typeof v === 'number' ? lit.int(String(v)) : v,
    })),
    reserved: [],
    innerComments: [],
    ...extra,
  };
}

export function union(name: string, cases: Array<[number, string, TypeExpr | undefined]>): UnionNode {
  return {
    ...base(),
    kind: 'union',
    name: ident(name),
    cases: cases.map(([id, n, type]) => ({
      ...base(),
      id: { value: id, span: sp() },
      name: ident(n),
      ...(type ? { type } : {}),
    })),
    reserved: [],
    innerComments: [],
  };
}

export const alias = (name: string, type: TypeExpr): AliasNode => ({ ...base(), kind: 'alias', name: ident(name), type });
export const constDecl = (name: string, type: TypeExpr, value: Literal): ConstNode => ({
  ...base(),
  kind: 'const',
  name: ident(name),
  type,
  value,
});

export function fn(
  name: string,
  params: FieldNode[],
  opts: { result?: TypeExpr; throws?: string[]; oneway?: boolean } = {},
): FunctionNode {
  return {
    ...base(),
    kind: 'function',
    oneway: opts.oneway ?? false,
    name: ident(name),
    params,
    ...(opts.result ? { result: opts.result } : {}),
    throws: (opts.throws ?? []).map(nameRef),
  };
}

export const event = (name: string, payload?: TypeExpr): EventNode => ({
  ...base(),
  kind: 'event',
  name: ident(name),
  ...(payload ? { payload } : {}),
});

export function importOf(path: string, as?: string): ImportNode {
  return { path: { value: path, span: sp() }, ...(as ? { alias: ident(as) } : {}), leadingComments: [], span: sp() };
}

/** Starts a new fake file: nodes built until the next call get spans in `path`. */
export function inFile(path: string): void {
  currentFile = path;
}

export function file(
  path: string,
  module: string,
  decls: Decl[],
  opts: { imports?: ImportNode[]; doc?: string } = {},
): FileNode {
  return {
    file: path,
    module: {
      ...base(),
      name: nameRef(module),
      version: { value: '1.0.0', span: sp() },
      ...(opts.doc !== undefined ? { doc: opts.doc } : {}),
    },
    imports: opts.imports ?? [],
    depends: [],
    decls,
    trailingComments: [],
  };
}

/** A fake file system of syntax trees, and a parse function that returns them. */
export function fakeFs(files: FileNode[]): { parse: ParseFn; readFile: (p: string) => string | undefined } {
  const byPath = new Map(files.map((f) => [f.file, f]));
  return {
    parse: (_text, path) => ({ ast: byPath.get(path)!, diagnostics: [] }),
    readFile: (p) => (byPath.has(p) ? '' : undefined),
  };
}
