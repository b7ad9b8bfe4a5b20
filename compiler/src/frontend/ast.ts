// The syntax tree of one .interop file, as written: names unresolved, aliases unexpanded, literal
// values untyped. The parser builds it, the formatter prints it back, and the checker turns a set
// of these into the IR (../ir/types.ts). Nothing outside compiler/src/frontend sees it.

import type { Span } from '../ir/types.js';

/** A comment that is not a doc comment, kept so `interopc fmt` never loses it. */
export interface Comment {
  text: string; // verbatim, including the leading `//` or `/*`
  span: Span;
}

export interface Ident {
  text: string;
  span: Span;
}

/** A possibly dotted name as written: `User`, `users.User`, `example.users.User`. */
export interface NameRef {
  parts: Ident[];
  span: Span;
}

export type TypeExpr =
  | { kind: 'named'; name: NameRef; span: Span } // scalars are named too: `u64`, `string`
  | { kind: 'list'; element: TypeExpr; span: Span }
  | { kind: 'map'; key: TypeExpr; value: TypeExpr; span: Span }
  | { kind: 'optional'; inner: TypeExpr; span: Span }
  | { kind: 'stream'; element: TypeExpr; span: Span }; // reserved: parsed, rejected by the checker

export type Literal =
  | { kind: 'int'; text: string; span: Span } // decimal or 0x hex, with optional leading '-'
  | { kind: 'float'; text: string; span: Span } // also `nan`, `inf`, `-inf`
  | { kind: 'string'; value: string; span: Span } // escapes already decoded
  | { kind: 'bool'; value: boolean; span: Span }
  | { kind: 'none'; span: Span }
  | { kind: 'name'; name: NameRef; span: Span } // an enum member or a constant
  | { kind: 'list'; items: Literal[]; span: Span }
  | { kind: 'map'; entries: Array<{ key: Literal; value: Literal }>; span: Span };

export interface Annotation {
  name: Ident;
  /** Positional (`@deprecated("x")`, key `_0`) or named (`@name(ts = "X")`) arguments. */
  args: Array<{ key?: Ident; value: Literal }>;
  span: Span;
}

interface DeclBase {
  doc?: string;
  /** Where the doc comment is (its first to last `///` line), when there is one. */
  docSpan?: Span;
  annotations: Annotation[];
  /** Plain comments directly above the declaration, and one trailing on its last line. */
  leadingComments: Comment[];
  trailingComment?: Comment;
  span: Span;
}

export interface FieldNode extends DeclBase {
  id: { value: number; span: Span } | { value: null; text: string; span: Span }; // null: unparsable
  name: Ident;
  /** `name?: T` is sugar for `name: optional<T>`; the flag keeps it for the formatter. */
  optionalMark: boolean;
  type: TypeExpr;
  default?: Literal;
}

export interface ReservedNode {
  /** Single ids and inclusive ranges `4..9`. */
  ranges: Array<{ from: number; to: number; span: Span }>;
  names: Array<{ value: string; span: Span }>;
  leadingComments: Comment[];
  trailingComment?: Comment;
  span: Span;
}

export interface StructNode extends DeclBase {
  kind: 'struct' | 'error';
  name: Ident;
  fields: FieldNode[];
  reserved: ReservedNode[];
  /** Comments inside the body after the last member. */
  innerComments: Comment[];
}

export interface EnumMemberNode extends DeclBase {
  name: Ident;
  value: Literal; // must be an int literal; the checker says so if not
}

export interface EnumNode extends DeclBase {
  kind: 'enum';
  name: Ident;
  members: EnumMemberNode[];
  reserved: ReservedNode[];
  innerComments: Comment[];
}

export interface UnionCaseNode extends DeclBase {
  id: FieldNode['id'];
  name: Ident;
  type?: TypeExpr;
}

export interface UnionNode extends DeclBase {
  kind: 'union';
  name: Ident;
  cases: UnionCaseNode[];
  reserved: ReservedNode[];
  innerComments: Comment[];
}

export interface AliasNode extends DeclBase {
  kind: 'alias';
  name: Ident;
  type: TypeExpr;
}

export interface ConstNode extends DeclBase {
  kind: 'const';
  name: Ident;
  type: TypeExpr;
  value: Literal;
}

export interface FunctionNode extends DeclBase {
  kind: 'function';
  oneway: boolean;
  name: Ident;
  params: FieldNode[];
  result?: TypeExpr;
  throws: NameRef[];
}

export interface EventNode extends DeclBase {
  kind: 'event';
  name: Ident;
  payload?: TypeExpr;
}

export type Decl = StructNode | EnumNode | UnionNode | AliasNode | ConstNode | FunctionNode | EventNode;

export interface ImportNode {
  path: { value: string; span: Span };
  alias?: Ident;
  leadingComments: Comment[];
  trailingComment?: Comment;
  span: Span;
}

export interface DependsNode {
  module: NameRef;
  leadingComments: Comment[];
  trailingComment?: Comment;
  span: Span;
}

export interface ModuleHeader extends DeclBase {
  name: NameRef;
  version: { value: string; span: Span };
}

export interface FileNode {
  file: string;
  /** Absent only when the file is so broken that no header could be recovered. */
  module?: ModuleHeader;
  imports: ImportNode[];
  depends: DependsNode[];
  decls: Decl[];
  /** Comments after the last declaration. */
  trailingComments: Comment[];
}
