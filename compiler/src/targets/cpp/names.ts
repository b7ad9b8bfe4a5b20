// Naming policy of the C++ target, as data: the case of each kind of symbol, the words that must
// be escaped (C++ keywords, macros of the standard headers, reserved identifiers, names the
// generated classes use themselves) and the one escape rule (append `_`). Every C++ identifier the
// generator prints comes from here. `@name(cpp = "…")` wins over the case rule (still escaped).
//
// Modules become namespaces (`example.chat` → `example::chat`); generated code names every type by
// its full path (`::example::chat::Message`) and the runtime as `::interop::`, so an IDL name can
// only clash with keywords, macros and the members of the class it is declared in.
// The C names the conversions read and write come from the C target's table (../c/names.ts).

import type { Annotations } from '../../ir/types.js';
import { pascalCase, snakeCase } from '../common/case.js';

// prettier-ignore
const KEYWORDS = [
  // C++20 keywords and alternative tokens
  'alignas', 'alignof', 'and', 'and_eq', 'asm', 'auto', 'bitand', 'bitor', 'bool', 'break', 'case',
  'catch', 'char', 'char8_t', 'char16_t', 'char32_t', 'class', 'compl', 'concept', 'const', 'consteval',
  'constexpr', 'constinit', 'const_cast', 'continue', 'co_await', 'co_return', 'co_yield', 'decltype',
  'default', 'delete', 'do', 'double', 'dynamic_cast', 'else', 'enum', 'explicit', 'export', 'extern',
  'false', 'float', 'for', 'friend', 'goto', 'if', 'inline', 'int', 'long', 'mutable', 'namespace',
  'new', 'noexcept', 'not', 'not_eq', 'nullptr', 'operator', 'or', 'or_eq', 'private', 'protected',
  'public', 'register', 'reinterpret_cast', 'requires', 'return', 'short', 'signed', 'sizeof',
  'static', 'static_assert', 'static_cast', 'struct', 'switch', 'template', 'this', 'thread_local',
  'throw', 'true', 'try', 'typedef', 'typeid', 'typename', 'union', 'unsigned', 'using', 'virtual',
  'void', 'volatile', 'wchar_t', 'while', 'xor', 'xor_eq', 'final', 'override', 'import', 'module',
  // C keywords a C header may still see, and macros of the C and C++ standard headers
  'restrict', '_Bool', 'NULL', 'errno', 'assert', 'offsetof', 'EOF', 'stdin', 'stdout', 'stderr',
  'NAN', 'INFINITY', 'HUGE_VAL', 'DOMAIN', 'SING', 'OVERFLOW', 'UNDERFLOW', 'TLOSS', 'PLOSS',
  'EDOM', 'ERANGE', 'EILSEQ', 'SIZE_MAX', 'INT8_MIN', 'INT8_MAX', 'INT16_MIN', 'INT16_MAX',
  'INT32_MIN', 'INT32_MAX', 'INT64_MIN', 'INT64_MAX', 'UINT8_MAX', 'UINT16_MAX', 'UINT32_MAX',
  'UINT64_MAX', 'CHAR_BIT', 'BUFSIZ', 'FILENAME_MAX', 'SEEK_SET', 'SEEK_CUR', 'SEEK_END',
  'EXIT_SUCCESS', 'EXIT_FAILURE', 'RAND_MAX', 'MB_CUR_MAX', 'unix', 'linux', 'i386', 'major', 'minor',
  // the C typedefs the generated C header brings in
  'size_t', 'ptrdiff_t', 'int8_t', 'int16_t', 'int32_t', 'int64_t', 'uint8_t', 'uint16_t',
  'uint32_t', 'uint64_t', 'intptr_t', 'uintptr_t', 'max_align_t',
];
const RESERVED = new Set(KEYWORDS);

/** Namespaces a module may not become: the standard library's and the runtime's own. */
const RESERVED_NAMESPACES = new Set(['std', 'posix', 'detail', 'codec']);

/** Names generated classes declare themselves, per kind of scope. */
const SCOPE_MEMBERS = {
  /** A union: its variant member and its factory. */
  case: new Set(['value', 'make']),
  /** An error type: what it inherits from interop::ApplicationError and std::exception. */
  errorField: new Set(['what', 'code', 'message', 'type_name']),
  field: new Set<string>(),
  /** A function's parameters: the locals of the generated client stubs and server table entries. */
  param: new Set(['call', 'done', 'impl', 'params', 'result', 'err', 'self', 'reply', 'p', 'value', 'arena', 'ops']),
  /** Module scope: the namespaces the generator adds to every module. */
  global: new Set(['codec', 'detail']),
} as const;

export type CppNameKind = keyof typeof SCOPE_MEMBERS;

/** Reserved identifiers of C++: `_` then a capital, two underscores anywhere. */
function reservedPattern(name: string): boolean {
  return /^_[A-Z]/.test(name) || name.includes('__');
}

export function escapeName(name: string, kind: CppNameKind): string {
  let out = name;
  if (reservedPattern(out)) out = out.replace(/^_+/, '').replace(/__+/g, '_') || 'x';
  while (RESERVED.has(out) || SCOPE_MEMBERS[kind].has(out)) out += '_';
  return out;
}

function override(annotations: Annotations | undefined): string | undefined {
  return annotations?.names?.['cpp'];
}

/** `example.chat` → `example::chat`. */
export function namespaceOf(module: string): string {
  return module
    .split('.')
    .map((p) => {
      let out = escapeName(snakeCase(p), 'field');
      while (RESERVED_NAMESPACES.has(out) || /^std\d+$/.test(out)) out += '_';
      return out;
    })
    .join('::');
}

/** A declared type's name in its namespace: PascalCase, as in the IDL. */
export function typeName(idlName: string, annotations?: Annotations): string {
  return escapeName(override(annotations) ?? pascalCase(idlName), 'global');
}

/** A declared type with its full path: `::example::chat::Message`. */
export function qualifiedType(module: string, idlName: string, annotations?: Annotations): string {
  return `::${namespaceOf(module)}::${typeName(idlName, annotations)}`;
}

/** Fields, parameters and union cases: snake_case. */
export function memberName(idlName: string, kind: CppNameKind, annotations?: Annotations): string {
  return escapeName(override(annotations) ?? snakeCase(idlName), kind);
}

/** Enum members and constants keep their IDL spelling (usually UPPER_CASE). */
export function constantName(idlName: string, annotations?: Annotations): string {
  return escapeName(override(annotations) ?? idlName, 'global');
}

/** Functions and events: snake_case methods. */
export function functionName(idlName: string, annotations?: Annotations): string {
  return escapeName(override(annotations) ?? snakeCase(idlName), 'field');
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
