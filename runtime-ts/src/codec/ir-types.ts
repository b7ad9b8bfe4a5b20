// The parts of the IR (docs/ir.md) the dynamic codec reads. They mirror compiler/src/ir/types.ts:
// the IR is JSON and that JSON is the contract, so the runtime keeps its own copy of the shapes
// instead of importing from the compiler. Fields the codec does not need are left out.

export type IrScalarName =
  | 'bool' | 'i8' | 'i16' | 'i32' | 'i64' | 'u8' | 'u16' | 'u32' | 'u64' | 'f32' | 'f64' | 'string' | 'bytes';

export interface IrQualifiedName {
  module: string;
  name: string;
}

export type IrTypeRef =
  | { kind: 'scalar'; name: IrScalarName; alias?: IrQualifiedName }
  | { kind: 'list'; element: IrTypeRef; alias?: IrQualifiedName }
  | { kind: 'map'; key: IrTypeRef; value: IrTypeRef; alias?: IrQualifiedName }
  | { kind: 'optional'; inner: IrTypeRef; alias?: IrQualifiedName }
  | { kind: 'ref'; module: string; name: string; declKind: 'struct' | 'enum' | 'union' | 'error'; alias?: IrQualifiedName };

export type IrConstValue =
  | { kind: 'bool'; value: boolean }
  | { kind: 'int'; value: string }
  | { kind: 'float'; value: number | 'nan' | 'inf' | '-inf' }
  | { kind: 'string'; value: string }
  | { kind: 'enum'; enum: IrQualifiedName; member: string; value: number }
  | { kind: 'list'; items: IrConstValue[] }
  | { kind: 'map'; entries: Array<{ key: IrConstValue; value: IrConstValue }> }
  | { kind: 'none' };

export interface IrField {
  id: number;
  name: string;
  type: IrTypeRef;
  default?: IrConstValue;
}

export interface IrStructDecl {
  kind: 'struct' | 'error';
  name: string;
  fields: IrField[];
}

export interface IrEnumDecl {
  kind: 'enum';
  name: string;
  members: Array<{ name: string; value: number }>;
}

export interface IrUnionDecl {
  kind: 'union';
  name: string;
  cases: Array<{ id: number; name: string; type?: IrTypeRef }>;
}

export interface IrAliasDecl {
  kind: 'alias';
  name: string;
  type: IrTypeRef;
}

export type IrTypeDecl = IrStructDecl | IrEnumDecl | IrUnionDecl | IrAliasDecl;

export interface IrFunctionDecl {
  name: string;
  kind: 'call' | 'oneway' | 'stream';
  params: IrField[];
  result?: IrTypeRef;
  throws: IrTypeRef[];
  /** A stream's stream parameter (its type is the item type) and the callee's item type. */
  input?: IrField;
  output?: IrTypeRef;
}

export interface IrEventDecl {
  name: string;
  payload?: IrTypeRef;
}

export interface IrModule {
  name: string;
  version: string;
  fingerprint: string;
  types: IrTypeDecl[];
  functions: IrFunctionDecl[];
  events: IrEventDecl[];
}
