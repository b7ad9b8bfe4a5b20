// Naming policy of the TypeScript target, as data: the case of each kind of symbol, the words that
// must be escaped, and the one escape rule (append `_`). Every name the generator prints comes from
// here, assigned once per module before anything is emitted, so clashes are solved in one place.
// `@name(ts = "…")` wins over the case rule (it is still made unique).

import type { Annotations, Module } from '../../ir/types.js';
import { camelCase, pascalCase } from '../common/case.js';

export { camelCase, pascalCase };

/** Reserved words of JavaScript (strict mode, modules) and TypeScript's type-position words. */
// prettier-ignore
const RESERVED = new Set([
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do',
  'else', 'enum', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in',
  'instanceof', 'new', 'null', 'return', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof',
  'var', 'void', 'while', 'with', 'yield', 'await', 'let', 'static', 'implements', 'interface',
  'package', 'private', 'protected', 'public', 'arguments', 'eval', 'undefined', 'NaN', 'Infinity',
  // TypeScript: cannot name a type or be used as a value name in declarations.
  'any', 'unknown', 'never', 'object', 'string', 'number', 'boolean', 'bigint', 'symbol', 'type',
  'as', 'async', 'declare', 'namespace', 'module', 'readonly', 'keyof', 'infer', 'is', 'satisfies',
]);

/** Globals generated code refers to: a declared type or constant must not shadow them. */
// prettier-ignore
const GLOBALS_USED = new Set([
  'Array', 'Map', 'ReadonlyMap', 'Uint8Array', 'Promise', 'Error', 'Object', 'JSON', 'Number',
  'String', 'Boolean', 'BigInt', 'Math', 'Symbol', 'Record', 'Partial', 'ReadonlyArray',
]);

/** Properties an Error (and ApplicationError) already has: error fields with these names are escaped. */
// prettier-ignore
const ERROR_MEMBERS = new Set([
  'message', 'name', 'stack', 'cause', 'code', 'errorType', 'constructor', 'toString',
]);

/** Property names that would change an object's prototype or break an object literal. */
const UNSAFE_PROPERTIES = new Set(['__proto__', 'constructor', 'prototype']);

export type NameKind =
  'type' | 'const' | 'field' | 'errorField' | 'param' | 'function' | 'event' | 'enumMember' | 'namespace';

function clashes(name: string, kind: NameKind): boolean {
  switch (kind) {
    // Identifiers in declarations and parameter lists.
    case 'type':
    case 'const':
    case 'namespace':
      return RESERVED.has(name) || GLOBALS_USED.has(name);
    case 'param':
      return RESERVED.has(name) || name === 'options' || name === 'ctx';
    // Property names: keywords are fine, prototype tricks are not.
    case 'errorField':
      return ERROR_MEMBERS.has(name) || UNSAFE_PROPERTIES.has(name);
    default:
      return UNSAFE_PROPERTIES.has(name);
  }
}

/** The one escape rule: append `_` until the name clashes with nothing. */
export function escapeName(name: string, kind: NameKind): string {
  let out = name;
  while (clashes(out, kind)) out += '_';
  return out;
}

/** The TypeScript name of an IDL name of the given kind, before making it unique in its scope. */
export function tsName(idlName: string, kind: NameKind, annotations?: Annotations): string {
  const override = annotations?.names?.['ts'];
  if (override !== undefined) return escapeName(override, kind);
  switch (kind) {
    case 'type':
      return escapeName(pascalCase(idlName), kind);
    case 'enumMember':
    case 'const':
      return escapeName(idlName, kind);
    default:
      return escapeName(camelCase(idlName), kind);
  }
}

/**
 * Makes names unique within one scope by appending `_`; `taken` holds names already in use. A Set
 * is read in place, not copied: every function's parameters are checked against all of a module's
 * top-level names, and copying those per function made naming quadratic.
 */
export function uniqueNames(names: string[], taken: Iterable<string> = []): string[] {
  const outer: ReadonlySet<string> = taken instanceof Set ? taken : new Set(taken);
  const seen = new Set<string>();
  return names.map((n) => {
    let out = n;
    while (seen.has(out) || outer.has(out)) out += '_';
    seen.add(out);
    return out;
  });
}

/** `example.chat` → `Chat`: the stem of a module's client, handlers, publisher and descriptor. */
export function moduleStem(module: Module): string {
  const last = module.name.split('.').pop() ?? module.name;
  return pascalCase(last);
}

/** `example.chat` → `example.chat.ts`: one file per module, flat, named after the module. */
export function moduleFileName(moduleName: string): string {
  return `${moduleName}.ts`;
}
