// How an IDL type becomes a proto3 field (docs/types.md "Protocol Buffers", ADR 0028). Where proto3
// cannot say something directly (a repeated or map field cannot be optional, repeated or a map
// value; a oneof member cannot be repeated), the value goes into a wrapper message named after its
// shape (common/schema-names.ts), which the module's file declares once.

import type { Module, Span, TypeRef } from '../../ir/types.js';
import { shapeKey, shapeName, TopLevelNames } from '../common/schema-names.js';

const SCALARS: Record<string, string> = {
  bool: 'bool',
  i8: 'sint32', i16: 'sint32', i32: 'sint32', i64: 'sint64',
  u8: 'uint32', u16: 'uint32', u32: 'uint32', u64: 'uint64',
  f32: 'float', f64: 'double',
  string: 'string', bytes: 'bytes',
};

/** A wrapper message the file must declare: its name and its one field. */
export interface Wrapper {
  name: string;
  field: string;
}

/** The proto types of one module's file: collects wrappers and the modules it refers to. */
export class ProtoTypes {
  readonly wrappers: Wrapper[] = [];
  readonly imports = new Set<string>();

  constructor(
    readonly module: Module,
    readonly names: TopLevelNames,
  ) {}

  /** The fully qualified name of a declared type (never ambiguous, whatever the scope). */
  private ref(t: Extract<TypeRef, { kind: 'ref' }>): string {
    if (t.module !== this.module.name) this.imports.add(t.module);
    return `.${t.module}.${t.name}`;
  }

  /** A type that can stand alone in a singular field, a repeated element or a oneof member. */
  private element(t: TypeRef, span: Span): string {
    if (t.kind === 'scalar') return SCALARS[t.name]!;
    if (t.kind === 'ref') return this.ref(t);
    return this.wrapper(t, span);
  }

  /** `ListOfI32` and the like: a message whose field 1 holds the value. */
  wrapper(t: TypeRef, span: Span): string {
    const name = shapeName(t, this.module);
    const fieldName = t.kind === 'list' ? 'items' : t.kind === 'map' ? 'entries' : 'value';
    if (this.names.claim(name, `the wrapper of ${shapeKey(t)}`, span)) {
      // Claimed first, so that a recursive shape refers to itself without looping.
      const entry: Wrapper = { name, field: '' };
      this.wrappers.push(entry);
      entry.field = this.field(t, fieldName, 1, span);
    }
    return `.${this.module.name}.${name}`;
  }

  /** The map key type: proto map keys are integers or strings; an enum key is its int32 value. */
  private mapKey(t: TypeRef): string {
    if (t.kind === 'ref') return 'int32';
    return SCALARS[(t as { name: string }).name]!;
  }

  /**
   * A field declaration `[label] type name = number;`. Singular scalars and enums are `optional`
   * (explicit presence): the canonical encoding writes every field the value has, so an absent
   * field means an older sender and takes the IDL default, not proto3's zero.
   */
  field(t: TypeRef, name: string, number: number, span: Span): string {
    switch (t.kind) {
      case 'scalar':
        return `optional ${SCALARS[t.name]} ${name} = ${number};`;
      case 'ref':
        return `${t.declKind === 'enum' ? 'optional ' : ''}${this.ref(t)} ${name} = ${number};`;
      case 'optional':
        // Scalars and enums: explicit presence; messages have presence; a list or map goes into
        // its wrapper, whose absence is `none` and whose presence (even empty) is a value.
        if (t.inner.kind === 'scalar' || t.inner.kind === 'ref') return this.field(t.inner, name, number, span);
        return `${this.wrapper(t.inner, span)} ${name} = ${number};`;
      case 'list':
        return `repeated ${this.element(t.element, span)} ${name} = ${number};`;
      case 'map':
        return `map<${this.mapKey(t.key)}, ${this.element(t.value, span)}> ${name} = ${number};`;
    }
  }

  /** A oneof member: never labelled; a list, map or optional goes into its wrapper. */
  oneofMember(t: TypeRef, name: string, number: number, span: Span): string {
    return `${this.element(t, span)} ${name} = ${number};`;
  }
}
