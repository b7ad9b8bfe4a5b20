// Naming policy of the D target, as data: the case of each kind of symbol, the words that must be
// escaped (D keywords, the names object.d and the runtime predefine, the properties every D type
// has, reserved identifiers, members generated types declare themselves) and the one escape rule
// (append `_`). Every D identifier the generator prints comes from here. `@name(d = "…")` wins over
// the case rule (still escaped).
//
// Modules become D modules (`example.chat` → module `example.chat`, file example/chat.d). Generated
// code reaches the runtime as `rt.` and other IDL modules through renamed imports (`mod_example_chat.`),
// and its own types as `.Type` (module scope), so an IDL name cannot capture another.

import type { Annotations } from '../../ir/types.js';
import { camelCase, pascalCase, snakeCase } from '../common/case.js';

// prettier-ignore
const KEYWORDS = [
  // D 2.100 keywords (dlang.org/spec/lex.html#keywords)
  'abstract', 'alias', 'align', 'asm', 'assert', 'auto', 'body', 'bool', 'break', 'byte', 'case',
  'cast', 'catch', 'cdouble', 'cent', 'cfloat', 'char', 'class', 'const', 'continue', 'creal',
  'dchar', 'debug', 'default', 'delegate', 'delete', 'deprecated', 'do', 'double', 'else', 'enum',
  'export', 'extern', 'false', 'final', 'finally', 'float', 'for', 'foreach', 'foreach_reverse',
  'function', 'goto', 'idouble', 'if', 'ifloat', 'immutable', 'import', 'in', 'inout', 'int',
  'interface', 'invariant', 'ireal', 'is', 'lazy', 'long', 'macro', 'mixin', 'module', 'new',
  'nothrow', 'null', 'out', 'override', 'package', 'pragma', 'private', 'protected', 'public',
  'pure', 'real', 'ref', 'return', 'scope', 'shared', 'short', 'static', 'struct', 'super',
  'switch', 'synchronized', 'template', 'this', 'throw', 'true', 'try', 'typedef', 'typeid',
  'typeof', 'ubyte', 'ucent', 'uint', 'ulong', 'union', 'unittest', 'ushort', 'version', 'void',
  'volatile', 'wchar', 'while', 'with',
  // what object.d declares in every module, and the names generated code uses for the runtime
  'string', 'wstring', 'dstring', 'size_t', 'ptrdiff_t', 'noreturn', 'Object', 'Exception', 'Error',
  'Throwable', 'TypeInfo', 'ModuleInfo', 'object', 'std', 'core', 'rt', 'ldc',
  // properties every D value or type has: a member of that name would hide or break them
  'init', 'sizeof', 'alignof', 'mangleof', 'stringof', 'tupleof', 'offsetof',
];
const RESERVED = new Set(KEYWORDS);

/** Names generated declarations use themselves, per kind of scope. */
const SCOPE_MEMBERS = {
  /** A union: its tag, the enum of its cases and the no-case member of that enum. */
  case: new Set(['which', 'Case', 'none', 'opEquals', 'toHash']),
  /** An error class: what it inherits from rt.ApplicationError and Exception. */
  errorField: new Set(['code', 'detail', 'typeName', 'interopDescriptor', 'interopType', 'interopDetail', 'msg', 'file', 'line', 'next', 'info', 'toString', 'message', 'opEquals', 'toHash']),
  field: new Set<string>(),
  /** Enum members: the properties of a D enum. */
  member: new Set(['min', 'max']),
  /** A function's parameters: the locals of the generated client and server code. */
  param: new Set(['node', 'call', 'reply', 'result', 'arena', 'args', 'err', 'timeout', 'output', 'input', 'impl', 'params', 's', 'p']),
  /** Module scope: what the generator adds to every module. */
  global: new Set(['codec', 'Client', 'Server', 'Publisher', 'Params', 'interopMapError', 'interopHandlers']),
} as const;

export type DNameKind = keyof typeof SCOPE_MEMBERS;

export function escapeName(name: string, kind: DNameKind): string {
  let out = name;
  // `__` is reserved for the implementation in D.
  if (out.startsWith('__')) out = out.replace(/^_+/, '') || 'x';
  while (RESERVED.has(out) || SCOPE_MEMBERS[kind].has(out)) out += '_';
  return out;
}

function override(annotations: Annotations | undefined): string | undefined {
  return annotations?.names?.['d'];
}

/** `example.chat` → the D module `example.chat` (each part snake_case and escaped). */
export function moduleName(module: string): string {
  return module.split('.').map((p) => escapeName(snakeCase(p), 'field')).join('.');
}

/** The file of a module under --out: `example/chat.d`. */
export function moduleFile(module: string): string {
  return `${moduleName(module).replace(/\./g, '/')}.d`;
}

/** The renamed import through which another module's code names a module: `mod_example_chat`. */
export function importAlias(module: string): string {
  return `mod_${moduleName(module).replace(/\./g, '_')}`;
}

/** A declared type's name in its module: PascalCase, as in the IDL. */
export function typeName(idlName: string, annotations?: Annotations): string {
  return escapeName(override(annotations) ?? pascalCase(idlName), 'global');
}

/** Fields, parameters and union cases: camelCase, the D style. */
export function memberName(idlName: string, kind: DNameKind, annotations?: Annotations): string {
  return escapeName(override(annotations) ?? camelCase(idlName), kind);
}

/** Enum members and constants keep their IDL spelling (usually UPPER_CASE). */
export function constantName(idlName: string, kind: DNameKind, annotations?: Annotations): string {
  return escapeName(override(annotations) ?? idlName, kind);
}

/** Functions and events: camelCase methods. */
export function functionName(idlName: string, annotations?: Annotations): string {
  return escapeName(override(annotations) ?? camelCase(idlName), 'global');
}

/** Makes names unique within one scope by appending `_`. */
export function unique(names: string[]): string[] {
  const seen = new Set<string>();
  return names.map((n) => {
    let out = n;
    while (seen.has(out)) out += '_';
    seen.add(out);
    return out;
  });
}
