// fast-check arbitraries for any IR type, in the dynamic codec's value model (struct fields keyed
// by IDL name, unions as { kind, value }, enums as numbers, i64/u64 as bigint, maps as Map).

import fc from 'fast-check';
import type { IrModule, IrTypeDecl, IrTypeRef } from '../../runtime-ts/src/codec/index.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const INT: Record<string, [number, number]> = {
  i8: [-0x80, 0x7f], i16: [-0x8000, 0x7fff], i32: [-0x80000000, 0x7fffffff],
  u8: [0, 0xff], u16: [0, 0xffff], u32: [0, 0xffffffff],
};

/** Containers stop growing below this depth, so recursive types stay finite. */
const MAX_DEPTH = 4;

export class Arbitraries {
  private readonly decls = new Map<string, IrTypeDecl>();
  constructor(modules: readonly IrModule[]) {
    for (const m of modules) for (const d of m.types) this.decls.set(`${m.name}.${d.name}`, d);
  }

  decl(name: string): IrTypeDecl {
    return this.decls.get(name)!;
  }

  of(t: IrTypeRef, depth = 0): fc.Arbitrary<unknown> {
    switch (t.kind) {
      case 'scalar':
        return scalar(t.name);
      case 'optional':
        return depth >= MAX_DEPTH ? fc.constant(undefined) : fc.option(this.of(t.inner, depth + 1), { nil: undefined });
      case 'list':
        return depth >= MAX_DEPTH ? fc.constant([]) : fc.array(this.of(t.element, depth + 1), { maxLength: 4 });
      case 'map':
        if (depth >= MAX_DEPTH) return fc.constant(new Map());
        return fc
          .uniqueArray(fc.tuple(this.of(t.key, depth + 1), this.of(t.value, depth + 1)), { selector: (e) => e[0], maxLength: 4 })
          .map((entries) => new Map(entries));
      case 'ref':
        return this.ofDecl(this.decl(`${t.module}.${t.name}`), depth);
    }
  }

  ofDecl(d: IrTypeDecl, depth = 0): fc.Arbitrary<unknown> {
    switch (d.kind) {
      case 'alias':
        return this.of(d.type, depth);
      case 'enum':
        // Mostly declared members, sometimes a value from a newer peer.
        return fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom(...d.members.map((m) => m.value)) },
          { weight: 1, arbitrary: fc.integer({ min: -0x80000000, max: 0x7fffffff }) },
        );
      case 'struct':
      case 'error': {
        const fields: Record<string, fc.Arbitrary<unknown>> = {};
        for (const f of d.fields) fields[f.name] = this.of(f.type, depth + 1);
        return fc.record(fields);
      }
      case 'union':
        return fc.oneof(
          ...d.cases.map((c) =>
            c.type === undefined
              ? fc.constant({ kind: c.name })
              : this.of(c.type, depth + 1).map((value) => ({ kind: c.name, value })),
          ),
        );
    }
  }
}

function scalar(name: string): fc.Arbitrary<unknown> {
  const range = INT[name];
  if (range !== undefined) return fc.integer({ min: range[0], max: range[1] });
  switch (name) {
    case 'bool':
      return fc.boolean();
    case 'i64':
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case 'u64':
      return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
    case 'f32':
      return fc.float();
    case 'f64':
      return fc.double();
    case 'string':
      return fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !LONE_SURROGATE.test(s));
    case 'bytes':
      return fc.uint8Array({ maxLength: 40 });
    default:
      throw new Error(`no arbitrary for scalar ${name}`);
  }
}
