// What every part of the C target shares while generating one module: the bundle, the names of
// declarations, the C type of every IDL type, and the container types (lists, maps, optionals)
// the module uses, each declared and described once.

import type { Bundle, Module, TypeDecl, TypeRef } from '../../ir/types.js';
import { CodeWriter } from '../ts/code-writer.js';
import { modulePrefix, typeName } from './names.js';

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
  /** Containers in dependency order (inner before outer), keyed by shape. */
  readonly containers = new Map<string, Container>();
  /** Other modules whose header this module's header includes. */
  readonly imports = new Set<string>();

  constructor(
    readonly bundle: Bundle,
    readonly module: Module,
  ) {
    this.prefix = modulePrefix(module);
  }

  decl(moduleName: string, name: string): TypeDecl {
    const m = this.bundle.modules.find((x) => x.name === moduleName);
    const d = m?.types.find((t) => t.name === name);
    if (!d) throw new Error(`interopc c target: unresolved type ${moduleName}.${name}`);
    return d;
  }

  /** The C name of a declared type. */
  declName(moduleName: string, name: string): string {
    if (moduleName !== this.module.name) this.imports.add(moduleName);
    return typeName(moduleName, name, this.decl(moduleName, name).annotations);
  }

  /** A struct or union held by pointer when optional (it may contain itself that way). */
  isAggregate(t: TypeRef): boolean {
    return t.kind === 'ref' && (t.declKind === 'struct' || t.declKind === 'union' || t.declKind === 'error');
  }

  /** A name for the shape of a type, used in container names: `list_map_string_i32`. */
  shape(t: TypeRef): string {
    switch (t.kind) {
      case 'scalar': return t.name;
      case 'ref': {
        const name = this.declName(t.module, t.name);
        return t.module === this.module.name ? name.slice(this.prefix.length + 1) : name;
      }
      case 'list': return `list_${this.shape(t.element)}`;
      case 'map': return `map_${this.shape(t.key)}_${this.shape(t.value)}`;
      case 'optional': return `opt_${this.shape(t.inner)}`;
    }
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
    const shape = this.shape(t);
    const known = this.containers.get(shape);
    if (known) return known;
    if (t.kind === 'list') this.cType(t.element);
    if (t.kind === 'map') this.cType(t.key), this.cType(t.value);
    if (t.kind === 'optional') this.cType(t.inner);
    const runtime = (t.kind === 'list' && t.element.kind === 'scalar') || (t.kind === 'optional' && t.inner.kind === 'scalar');
    const cName = runtime ? `interop_${shape}` : `${this.prefix}_${shape}`;
    const c: Container = { type: t, cName, declare: !runtime && !(t.kind === 'optional' && this.isAggregate(t.inner)), desc: `${this.prefix}__t_${shape}`, used: false };
    this.containers.set(shape, c);
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
