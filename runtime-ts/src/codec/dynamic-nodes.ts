// The dynamic codec's building blocks: one node per type, built from the IR once and cached, that
// encodes and decodes with the same primitives and the same canonical rules as generated code.
//
// Value model (the same as generated TS, except that struct and error fields are keyed by their
// IDL names): bool, number, bigint (i64/u64), string, Uint8Array, arrays, Map, `undefined` for an
// absent optional, enums as numbers, unions as `{ kind: caseName, value? }`.

import * as typedChecks from './checks.js';
import { enumCodec } from './enum.js';
import { duplicate, invalid, missingField, withPath } from './errors.js';
import { INT_RANGE, type IntKind } from './ints.js';
import type { IrConstValue, IrField, IrStructDecl, IrTypeRef, IrUnionDecl } from './ir-types.js';
import type { JsonReader } from './json-reader.js';
import { jsonKey, type JsonWriter } from './json-writer.js';
import { mapEntries, parseBigIntKey, parseIntKey, putUnique, sortedEntries, type KeyOrder } from './maps.js';
import type { MsgpackReader } from './msgpack-reader.js';
import type { MsgpackWriter } from './msgpack-writer.js';

export interface Node {
  /** Throws what the encoders would throw for `v` (checks.ts), without writing. */
  check(v: unknown): void;
  encMp(w: MsgpackWriter, v: unknown): void;
  decMp(r: MsgpackReader): unknown;
  encJson(w: JsonWriter, v: unknown): void;
  decJson(r: JsonReader): unknown;
  /** What a missing non-optional field of this type decodes to; absent for struct/union types. */
  zero?: () => unknown;
  /** Map keys only: how they sort, and their JSON spelling. */
  keyOrder?: KeyOrder;
  encJsonKey?(w: JsonWriter, v: unknown): void;
  decJsonKey?(key: string): unknown;
}

/** Resolves a named type to its node (cached by the caller, so recursive types terminate). */
export type Resolve = (t: Extract<IrTypeRef, { kind: 'ref' }>) => Node;

/** The value checks (checks.ts), taking the untyped values of the dynamic value model. */
const checks = typedChecks as unknown as Record<keyof typeof typedChecks, (v: unknown) => void>;

const INT_CHECK: Record<IntKind, (v: unknown) => void> = {
  i8: checks.checkI8,
  i16: checks.checkI16,
  i32: checks.checkI32,
  u8: checks.checkU8,
  u16: checks.checkU16,
  u32: checks.checkU32,
};

function intNode(kind: IntKind): Node {
  const [min, max] = INT_RANGE[kind];
  return {
    check: INT_CHECK[kind],
    encMp: (w, v) => w[kind](v as number),
    decMp: (r) => r.int(min, max, kind),
    encJson: (w, v) => w[kind](v as number),
    decJson: (r) => r.int(min, max, kind),
    zero: () => 0,
    keyOrder: 'number',
    encJsonKey: (w, v) => w.keyInt(v as number, min, max, kind),
    decJsonKey: (k) => parseIntKey(k, min, max, kind),
  };
}

function bigNode(signed: boolean): Node {
  return {
    check: signed ? checks.checkI64 : checks.checkU64,
    encMp: (w, v) => (signed ? w.i64(v as bigint) : w.u64(v as bigint)),
    decMp: (r) => r.bigint(signed),
    encJson: (w, v) => (signed ? w.i64(v as bigint) : w.u64(v as bigint)),
    decJson: (r) => r.bigint(signed),
    zero: () => 0n,
    keyOrder: 'bigint',
    encJsonKey: (w, v) => w.keyBigInt(v as bigint, signed),
    decJsonKey: (k) => parseBigIntKey(k, signed),
  };
}

const SCALARS: Record<string, Node> = {
  bool: { check: checks.checkBool, encMp: (w, v) => w.bool(v as boolean), decMp: (r) => r.bool(), encJson: (w, v) => w.bool(v as boolean), decJson: (r) => r.bool(), zero: () => false },
  i8: intNode('i8'),
  i16: intNode('i16'),
  i32: intNode('i32'),
  u8: intNode('u8'),
  u16: intNode('u16'),
  u32: intNode('u32'),
  i64: bigNode(true),
  u64: bigNode(false),
  f32: { check: checks.checkF32, encMp: (w, v) => w.f32(v as number), decMp: (r) => r.f32(), encJson: (w, v) => w.f32(v as number), decJson: (r) => r.f32(), zero: () => 0 },
  f64: { check: checks.checkF64, encMp: (w, v) => w.f64(v as number), decMp: (r) => r.f64(), encJson: (w, v) => w.f64(v as number), decJson: (r) => r.f64(), zero: () => 0 },
  string: {
    check: checks.checkString,
    encMp: (w, v) => w.string(v as string),
    decMp: (r) => r.string(),
    encJson: (w, v) => w.string(v as string),
    decJson: (r) => r.string(),
    zero: () => '',
    keyOrder: 'string',
    encJsonKey: (w, v) => w.keyString(v as string),
    decJsonKey: (k) => k,
  },
  bytes: { check: checks.checkBytes, encMp: (w, v) => w.bytes(v as Uint8Array), decMp: (r) => r.bytes(), encJson: (w, v) => w.bytes(v as Uint8Array), decJson: (r) => r.bytes(), zero: () => new Uint8Array(0) },
};

export function nodeFor(t: IrTypeRef, resolve: Resolve): Node {
  switch (t.kind) {
    case 'scalar':
      return SCALARS[t.name]!;
    case 'ref':
      return resolve(t);
    case 'optional':
      return optionalNode(nodeFor(t.inner, resolve));
    case 'list':
      return listNode(nodeFor(t.element, resolve));
    case 'map':
      return mapNode(nodeFor(t.key, resolve), nodeFor(t.value, resolve), t.key.kind === 'scalar' && t.key.name === 'string');
  }
}

function optionalNode(inner: Node): Node {
  return {
    check: (v) => (v == null ? undefined : inner.check(v)),
    encMp: (w, v) => (v == null ? w.nil() : inner.encMp(w, v)),
    decMp: (r) => (r.tryNil() ? undefined : inner.decMp(r)),
    encJson: (w, v) => (v == null ? w.null() : inner.encJson(w, v)),
    decJson: (r) => (r.tryNull() ? undefined : inner.decJson(r)),
    zero: () => undefined,
  };
}

function listNode(el: Node): Node {
  const check = (v: unknown) => typedChecks.checkList(v as unknown[]);
  return {
    check(v) {
      const a = check(v);
      for (let i = 0; i < a.length; i++) at(`[${i}]`, () => el.check(a[i]));
    },
    encMp(w, v) {
      const a = check(v);
      w.arrayHeader(a.length);
      for (let i = 0; i < a.length; i++) at(`[${i}]`, () => el.encMp(w, a[i]));
    },
    decMp(r) {
      const n = r.arrayHeader();
      const a: unknown[] = [];
      for (let i = 0; i < n; i++) a.push(at(`[${i}]`, () => el.decMp(r)));
      r.exit();
      return a;
    },
    encJson(w, v) {
      const a = check(v);
      w.beginArray();
      for (let i = 0; i < a.length; i++) at(`[${i}]`, () => el.encJson(w, a[i]));
      w.endArray();
    },
    decJson(r) {
      const a: unknown[] = [];
      r.beginArray();
      while (r.nextItem()) a.push(at(`[${a.length}]`, () => el.decJson(r)));
      return a;
    },
    zero: () => [],
  };
}

function mapNode(key: Node, value: Node, stringKeys: boolean): Node {
  const show = (k: unknown) => `[${stringKeys ? JSON.stringify(k) : String(k)}]`;
  return {
    check(v) {
      // In the order the encoders write, so that the first bad entry is the same one.
      for (const [k, x] of mapEntries(v as Map<unknown, unknown>, key.keyOrder!)) at(show(k), () => (key.check(k), value.check(x)));
    },
    encMp(w, v) {
      const entries = sortedEntries(v as Map<unknown, unknown>, key.keyOrder!);
      w.mapHeader(entries.length);
      for (const [k, x] of entries) at(show(k), () => (key.encMp(w, k), value.encMp(w, x)));
    },
    decMp(r) {
      const n = r.mapHeader();
      const m = new Map<unknown, unknown>();
      for (let i = 0; i < n; i++) {
        const k = at('[?]', () => key.decMp(r));
        at(show(k), () => putUnique(m, k, value.decMp(r)));
      }
      r.exit();
      return m;
    },
    encJson(w, v) {
      const entries = sortedEntries(v as Map<unknown, unknown>, key.keyOrder!);
      w.beginObject();
      for (const [k, x] of entries) at(show(k), () => (key.encJsonKey!(w, k), value.encJson(w, x)));
      w.endObject();
    },
    decJson(r) {
      const m = new Map<unknown, unknown>();
      r.beginObject();
      for (let s = r.nextKey(); s !== undefined; s = r.nextKey()) {
        const text = s;
        at(`[${JSON.stringify(text)}]`, () => putUnique(m, key.decJsonKey!(text), value.decJson(r)));
      }
      return m;
    },
    zero: () => new Map(),
  };
}

/** Runs `f`, prefixing `segment` to the path of any error it throws. */
function at<T>(segment: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw withPath(e, segment);
  }
}

export function enumNode(name: string, members: ReadonlyArray<{ name: string; value: number }>): Node {
  const c = enumCodec(name, members.map((m) => [m.name, m.value] as const));
  return {
    check: c.check as (v: unknown) => void,
    encMp: (w, v) => c.encodeMsgpack(w, v as number),
    decMp: (r) => c.decodeMsgpack(r),
    encJson: (w, v) => c.encodeJson(w, v as number),
    decJson: (r) => c.decodeJson(r),
    zero: () => c.zero,
    keyOrder: 'number',
    encJsonKey: (w, v) => c.encodeJsonKey(w, v as number),
    decJsonKey: (k) => c.decodeJsonKey(k),
  };
}

interface FieldPlan {
  field: IrField;
  node: Node;
  optional: boolean;
  key: Uint8Array;
  /** Value for a missing field; undefined means "required" (no zero value). */
  fallback: (() => unknown) | undefined;
}

/**
 * A struct-shaped value (struct, error, or a function's parameters). `read`/`build` adapt it to
 * objects keyed by IDL name or to positional parameter arrays.
 */
export function structNode(
  typeName: string,
  fields: IrField[],
  resolve: Resolve,
  read: (v: unknown, i: number, f: IrField) => unknown,
  build: (values: unknown[]) => unknown,
  constValue: (c: IrConstValue, t: IrTypeRef) => unknown,
): Node {
  const checkShape = (v: unknown) => typedChecks.checkObject(v, typeName);
  let plans: FieldPlan[] | undefined;
  const byId = new Map<number, number>();
  const byName = new Map<string, number>();
  // Planned on first use, so a recursive struct can refer to its own node while being built.
  const plan = (): FieldPlan[] => {
    if (plans !== undefined) return plans;
    plans = fields.map((field, i) => {
      byId.set(field.id, i);
      byName.set(field.name, i);
      const optional = field.type.kind === 'optional';
      const node = nodeFor(optional ? (field.type as Extract<IrTypeRef, { kind: 'optional' }>).inner : field.type, resolve);
      const def = field.default;
      const fallback = optional ? () => undefined : def !== undefined ? () => constValue(def, field.type) : node.zero;
      return { field, node, optional, key: jsonKey(field.name), fallback };
    });
    return plans;
  };
  const sorted = () => plan().map((p, i) => [p, i] as const).sort((a, b) => a[0].field.id - b[0].field.id);
  const finish = (values: unknown[], seen: boolean[]): unknown => {
    plan().forEach((p, i) => {
      if (seen[i]) return;
      if (p.fallback === undefined) throw missingField(`.${p.field.name}`);
      values[i] = p.fallback();
    });
    return build(values);
  };
  const decodeField = (i: number, seen: boolean[], values: unknown[], isNull: () => boolean, dec: (n: Node) => unknown) => {
    const p = plan()[i]!;
    at(`.${p.field.name}`, () => {
      if (seen[i]) throw duplicate('field');
      seen[i] = true;
      values[i] = p.optional && isNull() ? undefined : dec(p.node);
    });
  };
  return {
    check(v) {
      checkShape(v);
      for (const [p, i] of sorted()) {
        at(`.${p.field.name}`, () => {
          const x = read(v, i, p.field);
          if (!(p.optional && x == null)) p.node.check(x);
        });
      }
    },
    encMp(w, v) {
      checkShape(v);
      const order = sorted();
      let n = 0;
      for (const [p, i] of order) if (!p.optional || read(v, i, p.field) != null) n++;
      w.mapHeader(n);
      for (const [p, i] of order) {
        at(`.${p.field.name}`, () => {
          const x = read(v, i, p.field);
          if (p.optional && x == null) return;
          w.u32(p.field.id);
          p.node.encMp(w, x);
        });
      }
    },
    decMp(r) {
      const values: unknown[] = new Array(fields.length);
      const seen: boolean[] = new Array(fields.length).fill(false);
      const n = r.mapHeader();
      for (let e = 0; e < n; e++) {
        const i = byIdOf(r.fieldId());
        if (i === undefined) r.skip();
        else decodeField(i, seen, values, () => r.tryNil(), (node) => node.decMp(r));
      }
      r.exit();
      return finish(values, seen);
    },
    encJson(w, v) {
      checkShape(v);
      w.beginObject();
      for (const [p, i] of sorted()) {
        at(`.${p.field.name}`, () => {
          const x = read(v, i, p.field);
          if (p.optional && x == null) return;
          w.key(p.key);
          p.node.encJson(w, x);
        });
      }
      w.endObject();
    },
    decJson(r) {
      plan();
      const values: unknown[] = new Array(fields.length);
      const seen: boolean[] = new Array(fields.length).fill(false);
      r.beginObject();
      for (let k = r.nextKey(); k !== undefined; k = r.nextKey()) {
        const i = byName.get(k);
        if (i === undefined) r.skip();
        else decodeField(i, seen, values, () => r.tryNull(), (node) => node.decJson(r));
      }
      return finish(values, seen);
    },
  };
  function byIdOf(id: number): number | undefined {
    plan();
    return byId.get(id);
  }
}

export function structDeclNode(d: IrStructDecl, resolve: Resolve, constValue: (c: IrConstValue, t: IrTypeRef) => unknown): Node {
  return structNode(
    d.name,
    d.fields,
    resolve,
    (v, _i, f) => (v as Record<string, unknown>)[f.name],
    (values) => {
      // A null-prototype object: an IDL field named `__proto__` is an ordinary key.
      const o: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      d.fields.forEach((f, i) => (o[f.name] = values[i]));
      return o;
    },
    constValue,
  );
}

export function unionNode(d: IrUnionDecl, resolve: Resolve): Node {
  const cases = d.cases.map((c) => ({ c, key: jsonKey(c.name), node: undefined as Node | undefined }));
  const nodeOf = (i: number): Node | undefined => {
    const entry = cases[i]!;
    if (entry.c.type !== undefined && entry.node === undefined) entry.node = nodeFor(entry.c.type, resolve);
    return entry.node;
  };
  const byName = new Map(cases.map((e, i) => [e.c.name, i]));
  const byId = new Map(cases.map((e, i) => [e.c.id, i]));
  const oneCase = () => invalid(`expected exactly one ${d.name} case`);
  const caseOf = (v: unknown): number => {
    typedChecks.checkObject(v, d.name);
    const kind = (v as { kind?: unknown }).kind;
    const i = typeof kind === 'string' ? byName.get(kind) : undefined;
    if (i === undefined) throw invalid(`unknown ${d.name} case ${String(kind)}`);
    return i;
  };
  const make = (i: number, value: unknown) => (cases[i]!.c.type === undefined ? { kind: cases[i]!.c.name } : { kind: cases[i]!.c.name, value });
  return {
    check(v) {
      const i = caseOf(v);
      const node = nodeOf(i);
      if (node !== undefined) at(`.${cases[i]!.c.name}`, () => node.check((v as { value?: unknown }).value));
    },
    encMp(w, v) {
      const i = caseOf(v);
      w.mapHeader(1);
      w.u32(cases[i]!.c.id);
      const node = nodeOf(i);
      at(`.${cases[i]!.c.name}`, () => (node === undefined ? w.nil() : node.encMp(w, (v as { value?: unknown }).value)));
    },
    decMp(r) {
      if (r.mapHeader() !== 1) throw oneCase();
      const id = r.fieldId();
      const i = byId.get(id);
      if (i === undefined) throw invalid(`unknown ${d.name} case id ${id}`);
      const node = nodeOf(i);
      const value = at(`.${cases[i]!.c.name}`, () => (node === undefined ? r.expectNil() : node.decMp(r)));
      r.exit();
      return make(i, value);
    },
    encJson(w, v) {
      const i = caseOf(v);
      w.beginObject();
      w.key(cases[i]!.key);
      const node = nodeOf(i);
      at(`.${cases[i]!.c.name}`, () => (node === undefined ? w.null() : node.encJson(w, (v as { value?: unknown }).value)));
      w.endObject();
    },
    decJson(r) {
      r.beginObject();
      const k = r.nextKey();
      if (k === undefined) throw oneCase();
      const i = byName.get(k);
      if (i === undefined) throw invalid(`unknown ${d.name} case ${JSON.stringify(k)}`);
      const node = nodeOf(i);
      const value = at(`.${k}`, () => (node === undefined ? r.expectNull() : node.decJson(r)));
      if (r.nextKey() !== undefined) throw oneCase();
      return make(i, value);
    },
  };
}
