// What every part of the C++ target shares while generating one module: the bundle, the C++ type
// of every IDL type, literals of default values and constants, and doc comments.

import type { Bundle, ConstValue, Module, TypeDecl, TypeRef } from '../../ir/types.js';
import { cString } from '../c/context.js';
import { CodeWriter } from '../ts/code-writer.js';
import { constantName, namespaceOf, qualifiedType } from './names.js';

export { CodeWriter };

/** C++ types of the scalars. */
export const SCALAR_CPP: Record<string, string> = {
  bool: 'bool', i8: 'std::int8_t', i16: 'std::int16_t', i32: 'std::int32_t', i64: 'std::int64_t',
  u8: 'std::uint8_t', u16: 'std::uint16_t', u32: 'std::uint32_t', u64: 'std::uint64_t', f32: 'float',
  f64: 'double', string: 'std::string', bytes: '::interop::Bytes',
};

export class Ctx {
  /** Other modules whose header this module's header includes. */
  readonly imports = new Set<string>();
  /** The module's namespace: `example::chat`. */
  readonly namespace: string;

  constructor(
    readonly bundle: Bundle,
    readonly module: Module,
  ) {
    this.namespace = namespaceOf(module.name);
  }

  decl(moduleName: string, name: string): TypeDecl {
    const d = this.bundle.modules.find((x) => x.name === moduleName)?.types.find((t) => t.name === name);
    if (!d) throw new Error(`interopc cpp target: unresolved type ${moduleName}.${name}`);
    return d;
  }

  /** `::example::chat::Message`, noting the import when it is another module's. */
  declName(moduleName: string, name: string): string {
    if (moduleName !== this.module.name) this.imports.add(moduleName);
    return qualifiedType(moduleName, name, this.decl(moduleName, name).annotations);
  }

  /** The C++ type of a value of `t`. */
  cppType(t: TypeRef): string {
    switch (t.kind) {
      case 'scalar': return SCALAR_CPP[t.name]!;
      case 'ref': return this.declName(t.module, t.name);
      case 'list': return `std::vector<${this.cppType(t.element)}>`;
      case 'map': return `std::map<${this.cppType(t.key)}, ${this.cppType(t.value)}>`;
      case 'optional': return `std::optional<${this.cppType(t.inner)}>`;
    }
  }

  /** A C++ expression of type `t` for a literal (defaults and constants). */
  literal(t: TypeRef, v: ConstValue): string {
    switch (v.kind) {
      case 'none': return 'std::nullopt';
      case 'bool': return v.value ? 'true' : 'false';
      case 'int': return intLiteral(t, v.value);
      case 'float': return floatLiteral(t, v.value);
      case 'string':
        return t.kind === 'scalar' && t.name === 'bytes' ? `${this.cppType(t)}{${[...new TextEncoder().encode(v.value)].join(', ')}}` : `std::string(${cString(v.value)}, ${new TextEncoder().encode(v.value).length})`;
      case 'enum': {
        const e = this.decl(v.enum.module, v.enum.name);
        const m = e.kind === 'enum' ? e.members.find((x) => x.name === v.member) : undefined;
        return `${this.declName(v.enum.module, v.enum.name)}::${constantName(v.member, m?.annotations)}`;
      }
      case 'list': {
        const el = t.kind === 'list' ? t.element : t.kind === 'optional' ? t.inner : t;
        return `${this.cppType(t)}{${v.items.map((i) => this.literal(el, i)).join(', ')}}`;
      }
      case 'map': {
        if (t.kind !== 'map') throw new Error('interopc cpp target: a map literal for a non-map type');
        return `${this.cppType(t)}{${v.entries.map((e) => `{${this.literal(t.key, e.key)}, ${this.literal(t.value, e.value)}}`).join(', ')}}`;
      }
    }
  }

  /** The value a field takes when nothing else is said: the default, else the zero value. */
  initial(t: TypeRef, def: ConstValue | undefined): string {
    if (def) return this.literal(t, def);
    if (t.kind === 'ref' && t.declKind === 'enum') {
      const e = this.decl(t.module, t.name);
      if (e.kind === 'enum' && e.members.length > 0) return `${this.declName(t.module, t.name)}::${constantName(e.members[0]!.name, e.members[0]!.annotations)}`;
    }
    return '';
  }
}

function intLiteral(t: TypeRef, value: string): string {
  const name = t.kind === 'scalar' ? t.name : t.kind === 'optional' && t.inner.kind === 'scalar' ? t.inner.name : 'i32';
  if (name === 'u64') return `UINT64_C(${value})`;
  if (name === 'i64') return value === '-9223372036854775808' ? '(-INT64_C(9223372036854775807) - 1)' : `INT64_C(${value})`;
  if (name === 'i32' && value === '-2147483648') return '(-2147483647 - 1)';
  if (name === 'f32' || name === 'f64') return floatLiteral(t, Number(value));
  return value;
}

function floatLiteral(t: TypeRef, value: number | 'nan' | 'inf' | '-inf'): string {
  const f32 = t.kind === 'scalar' ? t.name === 'f32' : t.kind === 'optional' && t.inner.kind === 'scalar' && t.inner.name === 'f32';
  const type = f32 ? 'float' : 'double';
  if (value === 'nan') return `std::numeric_limits<${type}>::quiet_NaN()`;
  if (value === 'inf') return `std::numeric_limits<${type}>::infinity()`;
  if (value === '-inf') return `-std::numeric_limits<${type}>::infinity()`;
  let text = String(value);
  if (!/[.eE]/.test(text)) text += '.0';
  return f32 ? `static_cast<float>(${text})` : text;
}

/** A Doxygen comment block from a doc comment; empty when there is none. */
export function cppDoc(doc: string | undefined): string {
  if (doc === undefined || doc.trim() === '') return '';
  const lines = doc.trimEnd().split('\n');
  return lines.map((l) => (l === '' ? '///' : `/// ${l}`)).join('\n');
}

/** Declared types of a module that hold a value: structs, errors and unions. */
export type Aggregate = Extract<TypeDecl, { kind: 'struct' | 'error' | 'union' }>;
