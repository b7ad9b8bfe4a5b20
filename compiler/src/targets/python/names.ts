// Naming policy of the Python target, as data: the case of each kind of symbol, the words that
// must be escaped, and the one escape rule (a trailing `_`). Every name the generator prints comes
// from here, so keyword clashes are solved in one place. `@name(python = "…")` wins over all.

import type { Annotations, Module } from '../../ir/types.js';
import { pascalCase, snakeCase } from '../common/case.js';

export { pascalCase, snakeCase };

/** Python keywords (hard ones; soft keywords such as `match` and `type` are valid names). */
const KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue',
  'def', 'del', 'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in',
  'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield',
]);

/**
 * Builtins the generated annotations use. A dataclass field with one of these names would shadow
 * the builtin inside the class body for type checkers, so fields and members are escaped too.
 */
const ANNOTATION_BUILTINS = new Set(['bool', 'int', 'float', 'str', 'bytes', 'list', 'dict', 'tuple', 'object']);

/** Attributes an exception already has: error fields with these names are escaped. */
const EXCEPTION_ATTRIBUTES = new Set(['code', 'message', 'args', 'error_type', 'with_traceback', 'add_note']);

/** Names a client or handler method cannot take (they are the stub's own). */
const STUB_RESERVED = new Set(['timeout_ms', 'ctx', 'self']);

export type NameKind = 'type' | 'field' | 'errorField' | 'param' | 'function' | 'event' | 'enumMember' | 'const' | 'moduleFile';

function escape(name: string, kind: NameKind): string {
  let out = name;
  const clash = (n: string): boolean =>
    KEYWORDS.has(n) ||
    ((kind === 'field' || kind === 'errorField' || kind === 'param') && ANNOTATION_BUILTINS.has(n)) ||
    (kind === 'errorField' && EXCEPTION_ATTRIBUTES.has(n)) ||
    (kind === 'param' && STUB_RESERVED.has(n));
  while (clash(out)) out += '_';
  return out;
}

/** The Python name of an IDL name of the given kind. */
export function pyName(idlName: string, kind: NameKind, annotations?: Annotations): string {
  const override = annotations?.names?.['python'];
  if (override !== undefined) return override;
  switch (kind) {
    case 'type':
      return escape(pascalCase(idlName), kind);
    case 'enumMember':
    case 'const':
      return escape(idlName, kind);
    default:
      return escape(snakeCase(idlName), kind);
  }
}

/** Makes names unique within one scope by appending `_` (e.g. fields `fooBar` and `foo_bar`). */
export function uniqueNames(names: string[]): string[] {
  const seen = new Set<string>();
  return names.map((n) => {
    let out = n;
    while (seen.has(out)) out += '_';
    seen.add(out);
    return out;
  });
}

/** File (Python module) that holds a generated IDL module: `example.chat` → `example_chat`. */
export function moduleFileName(module: Module | string): string {
  const name = typeof module === 'string' ? module : module.name;
  return escape(name.split('.').map(snakeCase).join('_'), 'moduleFile');
}

/** `example.chat` → `Chat`: the prefix of XModule, XClient, XHandlers, XEvents. */
export function moduleStem(module: Module): string {
  const last = module.name.split('.').pop() ?? module.name;
  return pascalCase(last);
}
