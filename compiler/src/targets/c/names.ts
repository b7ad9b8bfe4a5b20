// Naming policy of the C target, as data: the case of each kind of symbol, the words that must be
// escaped, and the one escape rule (append `_`). Every identifier the generator prints comes from
// here. Module-level names carry the module's prefix (`example.chat` → `example_chat_`), so two
// modules never clash; members (fields, parameters, cases) are escaped against C and C++ keywords
// and the macros of the standard headers generated code includes. `@name(c = "…")` wins.

import type { Annotations, Module } from '../../ir/types.js';
import { pascalCase, snakeCase } from '../common/case.js';

/** C11 keywords, C++ keywords (headers are usable from C++), and macros of the C headers we include. */
// prettier-ignore
const RESERVED = new Set([
  // C11
  'auto', 'break', 'case', 'char', 'const', 'continue', 'default', 'do', 'double', 'else', 'enum',
  'extern', 'float', 'for', 'goto', 'if', 'inline', 'int', 'long', 'register', 'restrict', 'return',
  'short', 'signed', 'sizeof', 'static', 'struct', 'switch', 'typedef', 'union', 'unsigned', 'void',
  'volatile', 'while',
  // C++
  'alignas', 'alignof', 'and', 'and_eq', 'asm', 'bitand', 'bitor', 'catch', 'class', 'compl',
  'concept', 'consteval', 'constexpr', 'constinit', 'const_cast', 'co_await', 'co_return',
  'co_yield', 'decltype', 'delete', 'dynamic_cast', 'explicit', 'export', 'friend', 'mutable',
  'namespace', 'new', 'noexcept', 'not', 'not_eq', 'nullptr', 'operator', 'or', 'or_eq', 'private',
  'protected', 'public', 'reinterpret_cast', 'requires', 'static_assert', 'static_cast', 'template',
  'this', 'thread_local', 'throw', 'try', 'typeid', 'typename', 'using', 'virtual', 'wchar_t',
  'xor', 'xor_eq', 'char8_t', 'char16_t', 'char32_t',
  // macros and typedefs of <stdbool.h> <stddef.h> <stdint.h> <stdalign.h> <math.h> <errno.h> <assert.h> <stdio.h>
  'bool', 'true', 'false', 'NULL', 'offsetof', 'errno', 'assert', 'EOF', 'stdin', 'stdout', 'stderr',
  'noreturn', 'complex', 'imaginary', 'NAN', 'INFINITY', 'HUGE_VAL', 'size_t', 'ptrdiff_t',
  'int8_t', 'int16_t', 'int32_t', 'int64_t', 'uint8_t', 'uint16_t', 'uint32_t', 'uint64_t',
  'intptr_t', 'uintptr_t', 'max_align_t', 'unix', 'linux', 'i386',
  // the members generated structs use themselves
]);

/** Member names a generated struct already uses: `which` and `as` in unions, `has`/`value` in optionals. */
const UNION_MEMBERS = new Set(['which', 'as']);

export type NameKind = 'field' | 'param' | 'case';

/** Reserved identifiers of C: `_` then a capital letter, or two underscores anywhere. */
function reservedPattern(name: string): boolean {
  return /^_[A-Z]/.test(name) || name.includes('__');
}

export function escapeName(name: string, kind: NameKind | 'global'): string {
  let out = name;
  if (reservedPattern(out)) out = out.replace(/^_+/, '').replace(/__+/g, '_') || 'x';
  while (RESERVED.has(out) || (kind === 'case' && UNION_MEMBERS.has(out)) || (kind === 'param' && PARAM_RESERVED.has(out))) {
    out += '_';
  }
  return out;
}

/** Parameter names generated functions use themselves. */
const PARAM_RESERVED = new Set(['client', 'opts', 'result', 'err', 'done', 'user', 'arena', 'ctx', 'pub']);

/** The C name of a member: snake_case, escaped. */
export function memberName(idlName: string, kind: NameKind, annotations?: Annotations): string {
  const override = annotations?.names?.['c'];
  return escapeName(override ?? snakeCase(idlName), kind);
}

/** `example.chat` → `example_chat`: the prefix of every module-level name. */
export function modulePrefix(module: Module | string): string {
  const name = typeof module === 'string' ? module : module.name;
  return name.split('.').map(snakeCase).join('_');
}

/** `example.chat`, `Message` → `example_chat_Message`. */
export function typeName(module: string, idlName: string, annotations?: Annotations): string {
  return `${modulePrefix(module)}_${annotations?.names?.['c'] ?? pascalCase(idlName)}`;
}

/** Functions, events and constants: `example_chat_post`, `example_chat_MAX_MESSAGE`. */
export function globalName(module: string, idlName: string, kind: 'function' | 'event' | 'const', annotations?: Annotations): string {
  const override = annotations?.names?.['c'];
  const base = override ?? (kind === 'const' ? idlName : snakeCase(idlName));
  return `${modulePrefix(module)}_${base}`;
}

/** The files of a module: `example.chat` → `example_chat.h` and `example_chat.c`. */
export function moduleFileStem(module: Module | string): string {
  return modulePrefix(module);
}

/** Makes names unique within one scope by appending `_`; `taken` holds names already in use. */
export function uniqueNames(names: string[], taken: Set<string> = new Set()): string[] {
  const seen = new Set<string>();
  return names.map((n) => {
    let out = n;
    while (seen.has(out) || taken.has(out)) out += '_';
    seen.add(out);
    return out;
  });
}
