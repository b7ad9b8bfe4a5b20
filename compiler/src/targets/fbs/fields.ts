// How an IDL type becomes a FlatBuffers field (docs/types.md "FlatBuffers", ADR 0028). A vector
// cannot hold a vector, nor an optional, nor a map (FlatBuffers has none): such an element goes
// into a wrapper table named after its shape; a map is a vector of entry tables sorted by key.

import type { ConstValue, Module, Span, TypeRef } from '../../ir/types.js';
import { constText, shapeKey, shapeName, TopLevelNames } from '../common/schema-names.js';

const SCALARS: Record<string, string> = {
  bool: 'bool',
  i8: 'byte', i16: 'short', i32: 'int', i64: 'long',
  u8: 'ubyte', u16: 'ushort', u32: 'uint', u64: 'ulong',
  f32: 'float', f64: 'double',
  string: 'string', bytes: '[ubyte]',
};

/** A table the file must declare for a shape: its name and its fields, in slot order. */
export interface Wrapper {
  name: string;
  fields: string[];
}

/** A scalar default as FlatBuffers writes it: `nan`, `-inf`, `true`, `-1`, an enum member. */
function scalarDefault(v: ConstValue): string | undefined {
  if (v.kind === 'bool' || v.kind === 'int') return String(v.value);
  if (v.kind === 'float') return typeof v.value === 'number' ? String(v.value) : v.value;
  if (v.kind === 'enum') return v.member;
  return undefined;
}

export class FbsTypes {
  readonly wrappers: Wrapper[] = [];
  readonly includes = new Set<string>();

  constructor(
    readonly module: Module,
    readonly names: TopLevelNames,
    /** The first member of each enum the module can see: the IDL zero value of an enum field. */
    private readonly firstMember: (t: Extract<TypeRef, { kind: 'ref' }>) => string,
  ) {}

  private ref(t: Extract<TypeRef, { kind: 'ref' }>): string {
    if (t.module !== this.module.name) this.includes.add(t.module);
    return `${t.module}.${t.name}`;
  }

  /** A vector element: a scalar (not bytes), string, enum or table; else a wrapper table. */
  private element(t: TypeRef, span: Span): string {
    if (t.kind === 'scalar' && t.name !== 'bytes') return SCALARS[t.name]!;
    if (t.kind === 'ref') return this.ref(t);
    return this.wrapper(t, span);
  }

  private declare(name: string, owner: string, span: Span, fields: () => string[]): string {
    if (this.names.claim(name, owner, span)) {
      // Declared before its fields are worked out, so that a recursive shape refers to itself.
      const entry: Wrapper = { name, fields: [] };
      this.wrappers.push(entry);
      entry.fields = fields();
    }
    return `${this.module.name}.${name}`;
  }

  /** `ListOfI32 { items: [int]; }`, `OptionalI64 { value: long = null; }`, `BytesValue { value: [ubyte]; }`. */
  private wrapper(t: TypeRef, span: Span): string {
    const name = t.kind === 'scalar' ? `${shapeName(t, this.module)}Value` : shapeName(t, this.module);
    const fieldName = t.kind === 'list' ? 'items' : t.kind === 'map' ? 'entries' : 'value';
    return this.declare(name, `the wrapper of ${shapeKey(t)}`, span, () => [this.field(t, fieldName, span)]);
  }

  /** The entry table of a map: the key (sorted, unique: FlatBuffers' `key`) and the value. */
  private entry(t: Extract<TypeRef, { kind: 'map' }>, span: Span): string {
    const name = `${shapeName(t, this.module)}Entry`;
    return this.declare(name, `the entries of ${shapeKey(t)}`, span, () => {
      const key = t.key.kind === 'ref' ? `${this.ref(t.key)} = ${this.firstMember(t.key)}` : SCALARS[(t.key as { name: string }).name]!;
      return [`key: ${key} (key);`, this.field(t.value, 'value', span)];
    });
  }

  /**
   * `name: type [= default] [(attributes)];`. A scalar has the IDL default (else its zero value)
   * as FlatBuffers default, an optional scalar `= null`; a non-optional table is `required`.
   * String, bytes, list and map defaults are the decoder's job (FlatBuffers cannot give them in
   * every language), noted in a comment. `id` is the slot, for the fields of a declared struct.
   */
  field(t: TypeRef, name: string, span: Span, def?: ConstValue, id?: number): string {
    const { decl, attrs } = this.decl(t, name, span, def);
    if (id !== undefined) attrs.push(`id: ${id}`);
    const note = def && def.kind !== 'none' && scalarDefault(def) === undefined ? ` // default: ${constText(def)}` : '';
    return `${decl}${attrs.length > 0 ? ` (${attrs.join(', ')})` : ''};${note}`;
  }

  private decl(t: TypeRef, name: string, span: Span, def?: ConstValue): { decl: string; attrs: string[] } {
    switch (t.kind) {
      case 'scalar': {
        if (t.name === 'string' || t.name === 'bytes') return { decl: `${name}: ${SCALARS[t.name]}`, attrs: [] };
        const d = def ? scalarDefault(def) : undefined;
        return { decl: `${name}: ${SCALARS[t.name]} = ${d ?? (t.name === 'bool' ? 'false' : '0')}`, attrs: [] };
      }
      case 'ref':
        if (t.declKind === 'enum') return { decl: `${name}: ${this.ref(t)} = ${(def && scalarDefault(def)) ?? this.firstMember(t)}`, attrs: [] };
        return { decl: `${name}: ${this.ref(t)}`, attrs: ['required'] };
      case 'optional': {
        const inner = t.inner;
        if (inner.kind === 'ref' && inner.declKind === 'enum') return { decl: `${name}: ${this.ref(inner)} = null`, attrs: [] };
        if (inner.kind === 'scalar' && inner.name !== 'string' && inner.name !== 'bytes') return { decl: `${name}: ${SCALARS[inner.name]} = null`, attrs: [] };
        if (inner.kind === 'ref') return { decl: `${name}: ${this.ref(inner)}`, attrs: [] };
        return this.decl(inner, name, span);
      }
      case 'list':
        return { decl: `${name}: [${this.element(t.element, span)}]`, attrs: [] };
      case 'map':
        return { decl: `${name}: [${this.entry(t, span)}]`, attrs: [] };
    }
  }
}
