// What every part of the C target shares while generating one module: the bundle, the names of
// declarations, the C type of every IDL type, and the container types (lists, maps, optionals)
// the module uses, each declared and described once.

import type { Bundle, Module, TypeRef } from '../../ir/types.js';
import { CodeWriter } from '../ts/code-writer.js';
import { declaresTypedef, isAggregateRef, namesOf, shapeKey, type ModuleNames } from './names.js';

export { CodeWriter };

/** C types of the scalars, and the runtime's names for their lists and optionals. */
export const SCALAR_C: Record<string, string> = {
  bool: 'bool', i8: 'int8_t', i16: 'int16_t', i32: 'int32_t', i64: 'int64_t', u8: 'uint8_t', u16: 'uint16_t',
  u32: 'uint32_t', u64: 'uint64_t', f32: 'float', f64: 'double', string: 'interop_str', bytes: 'interop_bytes',
};

/** A list, map or optional the module uses: its C type and its descriptor. */
export interface Container {
  type: TypeRef;
  /** The C type name (a typedef of this module, or of the runtime for scalar elements). */
  cName: string;
  /** Whether this module declares the typedef (false: interop_list_i32 and friends). */
  declare: boolean;
  /** The static descriptor in the module's source. */
  desc: string;
  /** Whether anything refers to the descriptor (an alias of a container gets its own copy). */
  used: boolean;
}

export class Ctx {
  readonly prefix: string;
  /** The module's names table: every module-level name printed comes from it (names.ts). */
  readonly names: ModuleNames;
  /** Containers in dependency order (inner before outer), keyed by structure (names.ts shapeKey). */
  readonly containers = new Map<string, Container>();
  /** Other modules whose header this module's header includes. */
  readonly imports = new Set<string>();
  private statics = 0;

  constructor(
    readonly bundle: Bundle,
    readonly module: Module,
  ) {
    this.names = namesOf(bundle, module.name);
    this.prefix = this.names.prefix;
  }

  /** The C name of a declared type (of this module or an imported one). */
  declName(moduleName: string, name: string): string {
    if (moduleName !== this.module.name) this.imports.add(moduleName);
    return namesOf(this.bundle, moduleName).type(name);
  }

  /** A fresh name for a static of the module's source (a field's default value). Names with `__`
   * never come out of the names table (it collapses them), so these cannot clash with any. */
  staticName(what: string): string {
    return `${this.prefix}__${what}_${this.statics++}`;
  }

  /** A struct or union held by pointer when optional (it may contain itself that way). */
  isAggregate(t: TypeRef): boolean {
    return isAggregateRef(t);
  }

  /** The C type of a value of `t`. */
  cType(t: TypeRef): string {
    switch (t.kind) {
      case 'scalar': return SCALAR_C[t.name]!;
      case 'ref': return this.declName(t.module, t.name);
      case 'optional':
        if (this.isAggregate(t.inner)) {
          this.container(t);
          return `${this.cType(t.inner)} *`;
        }
        return this.container(t).cName;
      default: return this.container(t).cName;
    }
  }

  /** The descriptor of `t`, as an address expression. */
  descRef(t: TypeRef): string {
    switch (t.kind) {
      case 'scalar': return `&interop_type_${t.name}`;
      case 'ref': return `&${this.declName(t.module, t.name)}_type`;
      default: {
        const c = this.container(t);
        c.used = true;
        return `&${c.desc}`;
      }
    }
  }

  /** Registers a container (its parts first) and returns it. */
  container(t: TypeRef): Container {
    const shape = this.names.shape(t);
    const known = this.containers.get(shapeKey(t));
    if (known) return known;
    if (t.kind === 'list') this.cType(t.element);
    if (t.kind === 'map') this.cType(t.key), this.cType(t.value);
    if (t.kind === 'optional') this.cType(t.inner);
    const declare = declaresTypedef(t);
    const cName = declare ? this.names.containerName(t) : `interop_${shape}`;
    // Descriptors are static in the module's source; `__t_` never comes out of the names table.
    const desc = `${this.prefix}__t_${declare ? cName.slice(this.prefix.length + 1) : shape}`;
    const c: Container = { type: t, cName, declare, desc, used: false };
    this.containers.set(shapeKey(t), c);
    return c;
  }
}

/** A C string literal of the UTF-8 bytes of `s`: printable ASCII as is, everything else octal. */
export function cString(s: string | Uint8Array): string {
  const bytes = typeof s === 'string' ? new TextEncoder().encode(s) : s;
  let out = '"';
  for (const b of bytes) {
    if (b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c && b !== 0x3f) out += String.fromCharCode(b);
    else out += `\\${b.toString(8).padStart(3, '0')}`;
  }
  return `${out}"`;
}

/** A C comment block from a doc comment; empty when there is none. */
export function cDoc(doc: string | undefined): string {
  if (doc === undefined || doc.trim() === '') return '';
  const lines = doc.trimEnd().split('\n').map((l) => l.replace(/\*\//g, '*\\/'));
  if (lines.length === 1) return `/** ${lines[0]} */`;
  return ['/**', ...lines.map((l) => (l === '' ? ' *' : ` * ${l}`)), ' */'].join('\n');
}
