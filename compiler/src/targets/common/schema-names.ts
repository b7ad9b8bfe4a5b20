// Names shared by the schema targets (proto, fbs): the wrapper types a format needs where the IDL
// nests what the format cannot (a list of lists, an optional inside a list, a map value that is a
// list...), and the check that no generated name takes a name the schema declared. Both targets
// name a wrapper after the shape it holds, so `list<list<i32>>` needs `ListOfI32` in either.

import type { ConstValue, Module, Span, TypeRef } from '../../ir/types.js';
import type { TargetProblem } from '../target.js';
import { pascalCase } from './case.js';

/** `i32` → `I32`, `string` → `String`, a type of another module `common.Timestamp` → `CommonTimestamp`. */
export function shapeName(t: TypeRef, module: Module): string {
  switch (t.kind) {
    case 'scalar':
      return pascalCase(t.name);
    case 'ref':
      return t.module === module.name ? t.name : pascalCase(t.module.split('.').pop()!) + t.name;
    case 'list':
      return `ListOf${shapeName(t.element, module)}`;
    case 'map':
      return `MapOf${shapeName(t.key, module)}To${shapeName(t.value, module)}`;
    case 'optional':
      return `Optional${shapeName(t.inner, module)}`;
  }
}

/** A canonical text of a type, to tell two shapes apart when they want the same wrapper name. */
export function shapeKey(t: TypeRef): string {
  switch (t.kind) {
    case 'scalar':
      return t.name;
    case 'ref':
      return `${t.module}.${t.name}`;
    case 'list':
      return `list<${shapeKey(t.element)}>`;
    case 'map':
      return `map<${shapeKey(t.key)},${shapeKey(t.value)}>`;
    case 'optional':
      return `optional<${shapeKey(t.inner)}>`;
  }
}

/**
 * The names a generated schema file declares at its top level: the module's own declarations
 * first, then each name the target makes up (wrappers, request and result messages). A made-up
 * name that takes a declared one, or two made-up names that meet, is a problem (E0702) for the
 * person to solve by renaming, never a silent rename.
 */
export class TopLevelNames {
  private readonly owners = new Map<string, string>();
  readonly problems: TargetProblem[] = [];

  constructor(
    private readonly format: string,
    private readonly module: Module,
  ) {
    for (const d of module.types) if (d.kind !== 'alias') this.owners.set(d.name, `the ${d.kind} ${d.name}`);
  }

  /** Claims `name` for `owner` (what needs it, for the message); true when it is new. */
  claim(name: string, owner: string, span: Span): boolean {
    const had = this.owners.get(name);
    if (had === undefined) {
      this.owners.set(name, owner);
      return true;
    }
    if (had !== owner) {
      this.problems.push({
        code: 'E0702',
        message: `${this.format} needs the name '${name}' for ${owner}, but it is already ${had} in module ${this.module.name}`,
        span,
        hint: `rename ${had.replace(/^the /, '')}: ${this.format} declares every type of a module in one namespace`,
      });
    }
    return false;
  }
}

/** A default as the IDL writes it (`-1`, `"x"`, `HAPPY`, `[1, 2]`), for a comment in the schema. */
export function constText(v: ConstValue): string {
  switch (v.kind) {
    case 'bool':
    case 'int':
    case 'float':
      return String(v.value);
    case 'string':
      return JSON.stringify(v.value);
    case 'enum':
      return v.member;
    case 'list':
      return `[${v.items.map(constText).join(', ')}]`;
    case 'map':
      return `{${v.entries.map((e) => `${constText(e.key)}: ${constText(e.value)}`).join(', ')}}`;
    case 'none':
      return 'none';
  }
}
