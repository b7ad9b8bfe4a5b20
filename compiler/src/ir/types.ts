// The resolved IR: the front end's only output, the targets' only input, and the manifest that a
// running node serves on its control channel. Plain JSON-serializable data: no classes, no cycles,
// no Maps. Every name is resolved, every alias expanded at its use sites, docs and spans kept.
// Targets import from this folder only, never from ../frontend.
//
// Changing the shape here is a contract change: bump IR_VERSION and update docs/ir.schema.json.

export const IR_VERSION = 1;

/** A position in a source file. Lines and columns are 1-based; `end` is exclusive. */
export interface Span {
  file: string;
  line: number;
  col: number;
  endLine: number;
  endCol: number;
}

export type ScalarName =
  | 'bool'
  | 'i8' | 'i16' | 'i32' | 'i64'
  | 'u8' | 'u16' | 'u32' | 'u64'
  | 'f32' | 'f64'
  | 'string' | 'bytes';

export const SCALAR_NAMES: readonly ScalarName[] = [
  'bool', 'i8', 'i16', 'i32', 'i64', 'u8', 'u16', 'u32', 'u64', 'f32', 'f64', 'string', 'bytes',
];

/** Kinds of user-declared types a `ref` can point to (aliases are expanded, never referenced). */
export type DeclKind = 'struct' | 'enum' | 'union' | 'error';

/**
 * A fully described type. `ref` names a declared type by its module and name; aliases never
 * appear here (they are expanded), but `alias` records which alias the source used, for targets
 * that want to print the alias name.
 */
export type TypeRef =
  | { kind: 'scalar'; name: ScalarName; alias?: QualifiedName }
  | { kind: 'list'; element: TypeRef; alias?: QualifiedName }
  | { kind: 'map'; key: TypeRef; value: TypeRef; alias?: QualifiedName }
  | { kind: 'optional'; inner: TypeRef; alias?: QualifiedName }
  | { kind: 'ref'; module: string; name: string; declKind: DeclKind; alias?: QualifiedName };

export interface QualifiedName {
  module: string;
  name: string;
}

/** Annotations as written, plus the two every target understands, pre-parsed. */
export interface Annotations {
  /** Present when `@deprecated` or `@deprecated("why")` was written. */
  deprecated?: { reason?: string };
  /** Per-language name overrides from `@name(ts = "X", python = "y")`. Keys are target ids. */
  names?: Record<string, string>;
  /** Every other annotation, kept verbatim for targets and tools that know it. */
  other?: Array<{ name: string; args: Record<string, ConstValue> }>;
}

/** A literal value, already checked against its type. 64-bit integers are decimal strings. */
export type ConstValue =
  | { kind: 'bool'; value: boolean }
  | { kind: 'int'; value: string }
  | { kind: 'float'; value: number | 'nan' | 'inf' | '-inf' }
  | { kind: 'string'; value: string }
  | { kind: 'enum'; enum: QualifiedName; member: string; value: number }
  | { kind: 'list'; items: ConstValue[] }
  | { kind: 'map'; entries: Array<{ key: ConstValue; value: ConstValue }> }
  | { kind: 'none' };

interface Documented {
  /** The doc comment (`///` lines) with the markers and one leading space stripped, or absent. */
  doc?: string;
  annotations: Annotations;
  span: Span;
}

export interface Field extends Documented {
  id: number;
  name: string;
  type: TypeRef;
  /** The field's default, used when a decoder meets a message without it. */
  default?: ConstValue;
}

export interface Reserved {
  ids: Array<{ from: number; to: number }>;
  names: string[];
}

export interface StructDecl extends Documented {
  kind: 'struct';
  name: string;
  fields: Field[];
  reserved: Reserved;
}

/** An error type: shaped like a struct, only usable in `throws`. */
export interface ErrorDecl extends Documented {
  kind: 'error';
  name: string;
  fields: Field[];
  reserved: Reserved;
}

export interface EnumMember extends Documented {
  name: string;
  value: number;
}

export interface EnumDecl extends Documented {
  kind: 'enum';
  name: string;
  members: EnumMember[];
  reserved: Reserved;
}

/** A tagged union: exactly one case is present. A case's type may be omitted (a unit case). */
export interface UnionCase extends Documented {
  id: number;
  name: string;
  type?: TypeRef;
}

export interface UnionDecl extends Documented {
  kind: 'union';
  name: string;
  cases: UnionCase[];
  reserved: Reserved;
}

export interface AliasDecl extends Documented {
  kind: 'alias';
  name: string;
  type: TypeRef;
}

export type TypeDecl = StructDecl | ErrorDecl | EnumDecl | UnionDecl | AliasDecl;

export interface ConstDecl extends Documented {
  name: string;
  type: TypeRef;
  value: ConstValue;
}

/** Parameters are fields of an implicit request struct; their ids are its field ids. */
export type Param = Field;

export interface FunctionDecl extends Documented {
  name: string;
  /**
   * 'call' is request/response; 'oneway' has no result and no errors; 'stream' has a client
   * stream (`input`), a server stream (`output`), or both (docs/idl.md "Streams").
   */
  kind: 'call' | 'oneway' | 'stream';
  /** The parameters sent in the request (for a stream: all but the stream parameter). */
  params: Param[];
  /**
   * Absent for a function without a result (always for oneway, and for a stream with an
   * `output`: a server stream ends without a value). For a client stream: the one answer.
   */
  result?: TypeRef;
  /** Error types this function may throw, as refs with declKind 'error'. */
  throws: TypeRef[];
  /** 'stream' only: the stream parameter (client stream); its `type` is the item type. */
  input?: Param;
  /** 'stream' only: the type of the items the callee sends (server stream). */
  output?: TypeRef;
}

export interface EventDecl extends Documented {
  name: string;
  /** Absent for an event without payload. */
  payload?: TypeRef;
}

export interface Module {
  name: string;
  version: string;
  doc?: string;
  annotations: Annotations;
  /** Source path, as given on the command line or resolved from an import. */
  file: string;
  /** "sha256:<hex>" of the canonical wire-relevant form; see docs/ir.md. */
  fingerprint: string;
  /** Modules whose declarations this module references (from `import`). */
  imports: string[];
  /** Modules this module calls at run time (from `depends`). */
  depends: string[];
  types: TypeDecl[];
  consts: ConstDecl[];
  functions: FunctionDecl[];
  events: EventDecl[];
  /** What a peer needs to decide, per function and event, whether it can talk to this module. */
  compat: CompatTable;
  span: Span;
}

/**
 * The module's compatibility table (docs/ir.md): one entry per function, event and used type,
 * derived from the rest of the IR. Runtimes send it in the handshake and compare two of them
 * with the rule of docs/wire.md §2.2, without knowing the schema language.
 */
export interface CompatTable {
  functions: Record<string, CompatEntry>;
  events: Record<string, CompatEntry>;
  /** Every struct, error, enum and union a function or event uses, by qualified name. */
  types: Record<string, CompatEntry>;
}

/** One declaration: member key → member text, split by whether a peer may lack the member. */
export interface CompatEntry {
  /** Members the other side must have with the same text. */
  must: Record<string, string>;
  /** Members the other side may lack (but, if it has them, with the same text). */
  may: Record<string, string>;
  /** Functions and events only: the qualified names of the types they use, sorted. */
  uses?: string[];
}

/** What `interopc manifest` prints and what `gen` hands to a target. */
export interface Bundle {
  irVersion: typeof IR_VERSION;
  /** Every module reached from the inputs, imports first (a topological order). */
  modules: Module[];
  /** Names of the modules given on the command line (the ones to generate code for). */
  roots: string[];
}
