// What every part of the D target shares while generating one module: the bundle, the D type of
// every IDL type, literals of default values and constants, and doc comments.

import type { Bundle, ConstValue, Module, TypeDecl, TypeRef } from '../../ir/types.js';
import { CodeWriter } from '../ts/code-writer.js';
import { constantName, importAlias, moduleName, typeName } from './names.js';

export { CodeWriter };

/** D types of the scalars. */
export const SCALAR_D: Record<string, string> = {
  bool: 'bool', i8: 'byte', i16: 'short', i32: 'int', i64: 'long', u8: 'ubyte', u16: 'ushort',
  u32: 'uint', u64: 'ulong', f32: 'float', f64: 'double', string: 'string', bytes: 'immutable(ubyte)[]',
};

export class Ctx {
  /** Other modules this module imports. */
  readonly imports = new Set<string>();
  /** The D module: `example.chat`. */
  readonly dModule: string;

  constructor(
    readonly bundle: Bundle,
    readonly module: Module,
  ) {
    this.dModule = moduleName(module.name);
  }

  decl(module: string, name: string): TypeDecl {
    const d = this.bundle.modules.find((x) => x.name === module)?.types.find((t) => t.name === name);
    if (!d) throw new Error(`interopc d target: unresolved type ${module}.${name}`);
    return d;
  }

  /** `.Message` in its own module, `mod_example_chat.Message` from another. */
  declName(module: string, name: string): string {
    const t = typeName(name, this.decl(module, name).annotations);
    if (module === this.module.name) return `.${t}`;
    this.imports.add(module);
    return `${importAlias(module)}.${t}`;
  }

  /** The D type of a value of `t`. */
  dType(t: TypeRef): string {
    switch (t.kind) {
      case 'scalar': return SCALAR_D[t.name]!;
      case 'ref': return this.declName(t.module, t.name);
      case 'list': return `${this.dType(t.element)}[]`;
      case 'map': return `${this.dType(t.value)}[${this.dType(t.key)}]`;
      case 'optional': return `rt.${this.selfContaining(t.inner) ? 'Boxed' : 'Nullable'}!(${this.dType(t.inner)})`;
    }
  }

  /** Whether `t` is a struct or union that holds itself by value (through fields, optionals and
   * union cases: lists and maps are references): its optionals must be Boxed, not Nullable. */
  selfContaining(t: TypeRef): boolean {
    if (t.kind !== 'ref' || (t.declKind !== 'struct' && t.declKind !== 'union')) return false;
    const start = `${t.module}.${t.name}`;
    const seen = new Set<string>();
    const held = (r: TypeRef): TypeRef[] => (r.kind === 'optional' ? held(r.inner) : r.kind === 'ref' && (r.declKind === 'struct' || r.declKind === 'union') ? [r] : []);
    const walk = (r: TypeRef): boolean => {
      if (r.kind !== 'ref') return false;
      const d = this.decl(r.module, r.name);
      const inner = d.kind === 'struct' ? d.fields.map((f) => f.type) : d.kind === 'union' ? d.cases.flatMap((c) => (c.type ? [c.type] : [])) : [];
      for (const x of inner.flatMap(held)) {
        if (x.kind !== 'ref') continue;
        const key = `${x.module}.${x.name}`;
        if (key === start) return true;
        if (seen.has(key)) continue;
        seen.add(key);
        if (walk(x)) return true;
      }
      return false;
    };
    return walk(t);
  }

  /** A D expression of type `t` for a literal (defaults and constants); undefined when D cannot
   * write it as a static initialiser (an associative array before D 2.106). */
  literal(t: TypeRef, v: ConstValue): string | undefined {
    switch (v.kind) {
      case 'none': return `${this.dType(t)}.init`;
      case 'bool': return v.value ? 'true' : 'false';
      case 'int': return this.wrap(t, intLiteral(scalarOf(t), v.value));
      case 'float': return this.wrap(t, floatLiteral(scalarOf(t), v.value));
      case 'string': {
        if (scalarOf(t) === 'bytes') return this.wrap(t, `cast(immutable(ubyte)[]) [${[...new TextEncoder().encode(v.value)].join(', ')}]`);
        return this.wrap(t, JSON.stringify(v.value).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029'));
      }
      case 'enum': {
        const e = this.decl(v.enum.module, v.enum.name);
        const m = e.kind === 'enum' ? e.members.find((x) => x.name === v.member) : undefined;
        return this.wrap(t, `${this.declName(v.enum.module, v.enum.name)}.${constantName(v.member, 'member', m?.annotations)}`);
      }
      case 'list': {
        const list = t.kind === 'optional' ? t.inner : t;
        const el = list.kind === 'list' ? list.element : list;
        const items = v.items.map((i) => this.literal(el, i));
        if (items.some((i) => i === undefined)) return undefined;
        return this.wrap(t, `cast(${this.dType(list)}) [${items.join(', ')}]`);
      }
      case 'map': return v.entries.length === 0 ? `${this.dType(t)}.init` : undefined;
    }
  }

  /** An optional's default holds a value: `rt.Nullable!(int)(5)`. */
  private wrap(t: TypeRef, expr: string): string {
    return t.kind === 'optional' ? `${this.dType(t)}(${expr})` : expr;
  }
}

function scalarOf(t: TypeRef): string {
  if (t.kind === 'scalar') return t.name;
  if (t.kind === 'optional') return scalarOf(t.inner);
  return 'i32';
}

function intLiteral(name: string, value: string): string {
  if (name === 'f32' || name === 'f64') return floatLiteral(name, Number(value));
  if (name === 'i64' && value === '-9223372036854775808') return 'long.min';
  if (name === 'i32' && value === '-2147483648') return 'int.min';
  if (name === 'u64') return `${value}UL`;
  if (name === 'i64') return `${value}L`;
  if (name === 'u32') return `${value}U`;
  return value;
}

function floatLiteral(name: string, value: number | 'nan' | 'inf' | '-inf'): string {
  const type = name === 'f32' ? 'float' : 'double';
  if (value === 'nan') return `${type}.nan`;
  if (value === 'inf') return `${type}.infinity`;
  if (value === '-inf') return `-${type}.infinity`;
  let text = String(value);
  if (!/[.eE]/.test(text)) text += '.0';
  return name === 'f32' ? `${text}f` : text;
}

/** A ddoc comment block from a doc comment; empty when there is none. */
export function dDoc(doc: string | undefined): string {
  if (doc === undefined || doc.trim() === '') return '';
  return doc.trimEnd().split('\n').map((l) => (l === '' ? '///' : `/// ${l}`)).join('\n');
}

/** Declared types of a module that hold a value: structs, errors and unions. */
export type Aggregate = Extract<TypeDecl, { kind: 'struct' | 'error' | 'union' }>;
