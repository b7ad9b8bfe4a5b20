// Per-type encode and decode functions for both codecs (docs/wire.md §3), generated as straight
// Python code (no reflection at run time), and the TypeCodec object that bundles them:
//   _jw_X(v) -> str        canonical JSON text
//   _jr_X(x, d, md) -> X   checks a parsed JSON tree; d = depth of x, md = max_depth
//   _mt_X(v) -> tree       plain tree for the canonical msgpack writer
//   _mr_X(x, d, md) -> X   checks a parsed msgpack tree
// The builders below recurse over the type expression (never through references to other
// declarations). Readers test types, ranges and depth inline and call a runtime helper only
// when a test fails (see "readers"); containers that need converting get comprehensions.

import type { Bundle, EnumDecl, ErrorDecl, Field, ScalarName, StructDecl, TypeRef, UnionDecl } from '../../ir/types.js';
import { emitRecordCheck, emitUnionCheck, emitValueCheck } from './check.js';
import { type Ctx, type PyField, type Writer, caseClassName, declPyName, pyStr } from './context.js';
import { emitRecordFb, emitUnionFb, emitValueFb } from './flatbuffers.js';
import { emitRecordPb, emitUnionPb, emitValuePb } from './protobuf.js';
import { pyType, zeroExpr } from './types.js';

type Ref = Extract<TypeRef, { kind: 'ref' }>;

const BOUNDS: Partial<Record<ScalarName, string>> = {
  i8: '_g.I8', i16: '_g.I16', i32: '_g.I32', i64: '_g.I64',
  u8: '_g.U8', u16: '_g.U16', u32: '_g.U32', u64: '_g.U64',
};

function is64(name: ScalarName): boolean {
  return name === 'i64' || name === 'u64';
}

/** Depth expression `d`, `d + 1`, …: the nesting level a value would occupy as a container. */
function depth(base: number): string {
  return base === 0 ? 'd' : `d + ${base}`;
}

// ---- JSON write -------------------------------------------------------------------------------

function jsonKey(ctx: Ctx, t: TypeRef, k: string): string {
  if (t.kind === 'scalar') return t.name === 'string' ? `_g.json_str(${k})` : `'"' + str(${k}) + '"'`;
  if (t.kind === 'ref' && t.declKind === 'enum') return `_g.json_enum_key(${k})`;
  throw new Error(`python target: unsupported map key ${t.kind}`);
}

export function jw(ctx: Ctx, t: TypeRef, v: string, lvl: number): string {
  switch (t.kind) {
    case 'scalar':
      switch (t.name) {
        case 'bool':
          return `_g.json_bool(${v})`;
        case 'f32':
          return `_g.json_f32(${v})`;
        case 'f64':
          return `_g.json_f64(${v})`;
        case 'string':
          return `_g.json_str(${v})`;
        case 'bytes':
          return `_g.json_bytes(${v})`;
        default:
          return is64(t.name) ? `_g.json_i64(${v})` : `str(${v})`;
      }
    case 'list': {
      const x = `x${lvl}`;
      return `"[" + ",".join([${jw(ctx, t.element, x, lvl + 1)} for ${x} in ${v}]) + "]"`;
    }
    case 'map': {
      const k = `k${lvl}`;
      const x = `x${lvl}`;
      return `"{" + ",".join([${jsonKey(ctx, t.key, k)} + ":" + ${jw(ctx, t.value, x, lvl + 1)} for ${k}, ${x} in sorted(${v}.items())]) + "}"`;
    }
    case 'optional':
      return `("null" if ${v} is None else ${jw(ctx, t.inner, v, lvl)})`;
    case 'ref':
      return t.declKind === 'enum' ? `_g.json_enum(${v})` : `${ctx.codecName(t, '_jw')}(${v})`;
  }
}

// ---- msgpack tree -----------------------------------------------------------------------------

/** True when the msgpack tree of a value is the value itself (no conversion needed). */
function mtIdentity(t: TypeRef): boolean {
  if (t.kind === 'scalar') return t.name !== 'f32' && t.name !== 'f64';
  if (t.kind === 'ref') return t.declKind === 'enum';
  if (t.kind === 'optional') return mtIdentity(t.inner);
  return false;
}

export function mt(ctx: Ctx, t: TypeRef, v: string, lvl: number): string {
  switch (t.kind) {
    case 'scalar':
      if (t.name === 'f32') return `_g.canon_f32(${v})`;
      // A float that is not NaN is written as it is; canon_f64 turns an int into a float (an f64
      // is always float64 on the wire) and any NaN into the one quiet NaN.
      if (t.name === 'f64') return `(${v} if type(${v}) is float and ${v} == ${v} else _g.canon_f64(${v}))`;
      return v;
    case 'list': {
      if (mtIdentity(t.element)) return `list(${v})`;
      const x = `x${lvl}`;
      return `[${mt(ctx, t.element, x, lvl + 1)} for ${x} in ${v}]`;
    }
    case 'map': {
      if (mtIdentity(t.value)) return `_g.sorted_map(${v})`;
      const k = `k${lvl}`;
      const x = `x${lvl}`;
      return `{${k}: ${mt(ctx, t.value, x, lvl + 1)} for ${k}, ${x} in sorted(${v}.items())}`;
    }
    case 'optional':
      return mtIdentity(t.inner) ? v : `(None if ${v} is None else ${mt(ctx, t.inner, v, lvl)})`;
    case 'ref':
      return t.declKind === 'enum' ? v : `${ctx.codecName(t, '_mt')}(${v})`;
  }
}

// ---- readers (JSON and msgpack) ---------------------------------------------------------------
//
// A reader checks one value of the parsed tree. The checks that cost no call (`type(x) is str`,
// an integer's range, a container's type and depth) are written inline; the runtime's helper for
// the type (`_g.read_str`, `_g.read_int`, …) runs only when the inline check fails, to convert
// the value (a JSON `1.0` for an integer, an int for a float) or to raise the error it always
// raised. Values that pass need no call at all, and a list or map whose entries all pass is kept
// as it is (a reader owns the tree it is given) instead of being copied entry by entry.

type Codec = 'json' | 'msgpack';

const INT_RANGES: Partial<Record<ScalarName, [string, string]>> = {
  i8: ['-128', '127'],
  i16: ['-32768', '32767'],
  i32: ['-2147483648', '2147483647'],
  i64: ['-9223372036854775808', '9223372036854775807'],
  u8: ['0', '255'],
  u16: ['0', '65535'],
  u32: ['0', '4294967295'],
  u64: ['0', '18446744073709551615'],
};

function intOk(name: ScalarName, x: string): string {
  const [lo, hi] = INT_RANGES[name]!;
  return `type(${x}) is int and ${lo} <= ${x} <= ${hi}`;
}

/**
 * How one scalar is read: `ok(x)` is an inline test that x already is the value (absent when the
 * value always needs the helper), `slow(x)` the helper call that converts x or raises, and `pure`
 * says that the helper returns x itself whenever it does not raise (it only checks).
 */
interface ScalarRead {
  ok?: (x: string) => string;
  slow: (x: string) => string;
  pure: boolean;
}

function scalarRead(codec: Codec, name: ScalarName, what: string): ScalarRead {
  const json = codec === 'json';
  switch (name) {
    case 'bool':
      return { ok: (x) => `type(${x}) is bool`, slow: (x) => `_g.read_bool(${x}, ${what})`, pure: true };
    case 'string':
      return { ok: (x) => `type(${x}) is str`, slow: (x) => `_g.read_str(${x}, ${what})`, pure: true };
    case 'bytes':
      if (json) return { slow: (x) => `_g.read_base64(${x}, ${what})`, pure: false };
      return { ok: (x) => `type(${x}) is bytes`, slow: (x) => `_g.read_bin(${x}, ${what})`, pure: true };
    case 'f32':
      return { slow: (x) => `_g.read_${json ? 'json_' : ''}f32(${x}, ${what})`, pure: false };
    case 'f64':
      return { ok: (x) => `type(${x}) is float`, slow: (x) => `_g.read_${json ? 'json_' : ''}f64(${x}, ${what})`, pure: false };
    default:
      // JSON writes 64-bit integers as decimal strings: always converted.
      if (json && is64(name)) return { slow: (x) => `_g.read_int_text(${x}, ${BOUNDS[name]}, ${what})`, pure: false };
      return {
        ok: (x) => intOk(name, x),
        slow: (x) => `_g.read_${json ? 'json_' : ''}int(${x}, ${BOUNDS[name]}, ${what})`,
        // A JSON integer may arrive as 1.0 (JS producers cannot tell), which the helper converts.
        pure: !json,
      };
  }
}

/** `x if ok else slow`, or the helper alone when there is no inline test. */
function scalarExpr(r: ScalarRead, x: string): string {
  return r.ok ? `(${x} if ${r.ok(x)} else ${r.slow(x)})` : r.slow(x);
}

/**
 * A check-only reader for a type whose decoded value is the tree value itself: a "pure" scalar
 * (or an optional of one). `ok` tests inline; `fail` is the statement to run when it is false,
 * which always raises the helper's error. Undefined for every other type.
 */
function pureCheck(codec: Codec, t: TypeRef, what: string): { ok: (x: string) => string; fail: (x: string) => string } | undefined {
  if (t.kind === 'scalar') {
    const r = scalarRead(codec, t.name, what);
    if (!r.pure || !r.ok) return undefined;
    return { ok: r.ok, fail: r.slow };
  }
  if (t.kind === 'optional') {
    const inner = pureCheck(codec, t.inner, what);
    if (inner === undefined) return undefined;
    return { ok: (x) => `(${x} is None or ${inner.ok(x)})`, fail: inner.fail };
  }
  return undefined;
}

/** A map key. JSON keys are always strings, so a JSON string key needs no check at all. */
function keyPureCheck(codec: Codec, t: TypeRef, what: string): { ok: (x: string) => string; fail: (x: string) => string } | 'always' | undefined {
  if (codec === 'json' && t.kind === 'scalar' && t.name === 'string') return 'always';
  if (t.kind === 'scalar' && t.name !== 'string' && !INT_RANGES[t.name]) throw new Error(`python target: unsupported map key ${t.name}`);
  return pureCheck(codec, t, what);
}

function keyExpr(ctx: Ctx, codec: Codec, t: TypeRef, k: string, what: string): string {
  if (t.kind === 'scalar') {
    if (codec === 'json') return t.name === 'string' ? k : `_g.read_int_text(${k}, ${BOUNDS[t.name]}, ${what})`;
    return scalarExpr(scalarRead(codec, t.name, what), k);
  }
  if (t.kind === 'ref' && t.declKind === 'enum') {
    if (codec === 'json') return `_g.read_json_enum_key(${ctx.typeName(t)}, ${k}, ${what})`;
    return enumExpr(ctx, t, k, what);
  }
  throw new Error(`python target: unsupported map key ${t.kind}`);
}

/**
 * Whether reading a map's keys can turn two distinct keys into one: a JSON key is text, and two
 * texts may read as the same integer or enum ("0" and "-0", "BLUE" and "3"), which is a duplicate
 * key (docs/wire.md §3.1). The parsers already reject a JSON string or a msgpack value given twice,
 * and msgpack keys are read as they are.
 */
function keysMayMerge(codec: Codec, t: TypeRef): boolean {
  return codec === 'json' && !(t.kind === 'scalar' && t.name === 'string');
}

function enumExpr(ctx: Ctx, t: Ref, x: string, what: string): string {
  return `${ctx.typeName(t)}(${x} if ${intOk('i32', x)} else _g.read_int(${x}, _g.I32, ${what}))`;
}

/** The container checks of _g.read_list / _g.read_map, inline; the helper raises the error. */
function containerTest(kind: 'list' | 'dict', x: string, d: number): string {
  return `type(${x}) is ${kind} and ${depth(d)} <= md`;
}

/** An expression reading the tree value `x` (a plain name) as `t`; `d` = its depth offset. */
export function readExpr(ctx: Ctx, codec: Codec, t: TypeRef, x: string, d: number, lvl: number, what: string): string {
  switch (t.kind) {
    case 'scalar':
      return scalarExpr(scalarRead(codec, t.name, what), x);
    case 'list': {
      const e = `x${lvl}`;
      const src = `(${x} if ${containerTest('list', x, d)} else _g.read_list(${x}, ${depth(d)}, md, ${what}))`;
      return `[${readExpr(ctx, codec, t.element, e, d + 1, lvl + 1, what)} for ${e} in ${src}]`;
    }
    case 'map': {
      const k = `k${lvl}`;
      const e = `x${lvl}`;
      const src = `(${x} if ${containerTest('dict', x, d)} else _g.read_map(${x}, ${depth(d)}, md, ${what}))`;
      const read = `{${keyExpr(ctx, codec, t.key, k, what)}: ${readExpr(ctx, codec, t.value, e, d + 1, lvl + 1, what)} for ${k}, ${e} in ${src}.items()}`;
      // Evaluated after the comprehension, which has checked that x is a dict.
      return keysMayMerge(codec, t.key) ? `_g.unique_keys(${read}, ${x}, ${what})` : read;
    }
    case 'optional':
      return `(None if ${x} is None else ${readExpr(ctx, codec, t.inner, x, d, lvl, what)})`;
    case 'ref':
      if (t.declKind === 'enum') return codec === 'json' ? `_g.read_json_enum(${ctx.typeName(t)}, ${x}, ${what})` : enumExpr(ctx, t, x, what);
      return `${ctx.codecName(t, codec === 'json' ? '_jr' : '_mr')}(${x}, ${depth(d)}, md)`;
  }
}

/**
 * Statements that read the tree value in the variable `src` as `t` and leave the value in `dst`
 * (declared by the caller, with its annotation). `src` holds the raw tree value, typed Any: a
 * container is checked there and then moved or rebuilt into `dst`. Scalars may be read in place
 * (`src` = `dst`). Loop variables are named after `dst`: statement loops share the function's
 * scope, where mypy gives each name one type.
 */
export function readStmts(w: Writer, ctx: Ctx, codec: Codec, t: TypeRef, src: string, dst: string, d: number, what: string): void {
  switch (t.kind) {
    case 'scalar': {
      const r = scalarRead(codec, t.name, what);
      if (!r.ok) w.line(`${dst} = ${r.slow(src)}`);
      else if (src !== dst) w.line(`${dst} = ${scalarExpr(r, src)}`);
      else w.line(`if not (${r.ok(src)}):`).indent(() => w.line(r.pure ? r.slow(src) : `${dst} = ${r.slow(src)}`));
      return;
    }
    case 'list': {
      w.line(`if not (${containerTest('list', src, d)}):`).indent(() => w.line(`_g.read_list(${src}, ${depth(d)}, md, ${what})`));
      const check = pureCheck(codec, t.element, what);
      if (check === undefined) {
        w.line(`${dst} = [${readExpr(ctx, codec, t.element, 'x0', d + 1, 1, what)} for x0 in ${src}]`);
        return;
      }
      const e = `${dst}_x`;
      w.line(`for ${e} in ${src}:`).indent(() => w.line(`if not (${check.ok(e)}):`).indent(() => w.line(check.fail(e))));
      if (src !== dst) w.line(`${dst} = ${src}`);
      return;
    }
    case 'map': {
      w.line(`if not (${containerTest('dict', src, d)}):`).indent(() => w.line(`_g.read_map(${src}, ${depth(d)}, md, ${what})`));
      const key = keyPureCheck(codec, t.key, what);
      const value = pureCheck(codec, t.value, what);
      if (key === undefined || value === undefined) {
        w.line(`${dst} = {${keyExpr(ctx, codec, t.key, 'k0', what)}: ${readExpr(ctx, codec, t.value, 'x0', d + 1, 1, what)} for k0, x0 in ${src}.items()}`);
        if (keysMayMerge(codec, t.key)) {
          w.line(`if len(${dst}) != len(${src}):`).indent(() => w.line(`raise _g.duplicate_key(${dst}, ${src}, ${what})`));
        }
        return;
      }
      const k = `${dst}_k`;
      const e = `${dst}_x`;
      if (key === 'always') {
        w.line(`for ${e} in ${src}.values():`).indent(() => w.line(`if not (${value.ok(e)}):`).indent(() => w.line(value.fail(e))));
      } else {
        w.line(`for ${k}, ${e} in ${src}.items():`).indent(() => {
          w.line(`if not (${key.ok(k)} and ${value.ok(e)}):`).indent(() => {
            w.line(key.fail(k));
            w.line(value.fail(e));
          });
        });
      }
      if (src !== dst) w.line(`${dst} = ${src}`);
      return;
    }
    case 'optional':
      if (src === dst) {
        w.line(`if ${src} is not None:`).indent(() => readStmts(w, ctx, codec, t.inner, src, dst, d, what));
        return;
      }
      w.line(`if ${src} is None:`).indent(() => w.line(`${dst} = None`));
      w.line('else:').indent(() => readStmts(w, ctx, codec, t.inner, src, dst, d, what));
      return;
    case 'ref':
      w.line(`${dst} = ${readExpr(ctx, codec, t, src, d, 0, what)}`);
      return;
  }
}

// ---- whether a type holds an f32 anywhere (the msgpack writer needs to know) -----------------

/** The types a type expression names directly: its scalars and refs, containers opened up. */
function leaves(t: TypeRef, out: TypeRef[]): void {
  const stack = [t];
  for (let x = stack.pop(); x !== undefined; x = stack.pop()) {
    if (x.kind === 'list') stack.push(x.element);
    else if (x.kind === 'map') stack.push(x.key, x.value);
    else if (x.kind === 'optional') stack.push(x.inner);
    else out.push(x);
  }
}

const f32Holders = new WeakMap<Bundle, Set<string>>();

/**
 * The declarations (`module.name`) whose values can hold an f32, through any chain of references,
 * computed once per bundle without recursion: the declarations that hold one directly, then,
 * backwards along references, every declaration that refers to one of those. Linear in the size
 * of the bundle, whatever its shape (a chain of thousands of structs, cycles).
 */
function declsHoldingF32(bundle: Bundle): Set<string> {
  const cached = f32Holders.get(bundle);
  if (cached !== undefined) return cached;
  const holders = new Set<string>();
  const referrers = new Map<string, string[]>();
  for (const m of bundle.modules) {
    for (const d of m.types) {
      const key = `${m.name}.${d.name}`;
      const named: TypeRef[] = [];
      if (d.kind === 'struct' || d.kind === 'error') {
        for (const f of d.fields) leaves(f.type, named);
      } else if (d.kind === 'union') {
        for (const c of d.cases) if (c.type !== undefined) leaves(c.type, named);
      } else if (d.kind === 'alias') {
        leaves(d.type, named);
      }
      for (const t of named) {
        if (t.kind === 'scalar' && t.name === 'f32') holders.add(key);
        else if (t.kind === 'ref' && t.declKind !== 'enum') {
          const target = `${t.module}.${t.name}`;
          const list = referrers.get(target);
          if (list === undefined) referrers.set(target, [key]);
          else list.push(key);
        }
      }
    }
  }
  const queue = [...holders];
  for (let key = queue.pop(); key !== undefined; key = queue.pop()) {
    for (const r of referrers.get(key) ?? []) {
      if (!holders.has(r)) {
        holders.add(r);
        queue.push(r);
      }
    }
  }
  f32Holders.set(bundle, holders);
  return holders;
}

export function hasF32(ctx: Ctx, t: TypeRef): boolean {
  const named: TypeRef[] = [];
  leaves(t, named);
  const holders = declsHoldingF32(ctx.bundle);
  return named.some((x) => (x.kind === 'scalar' ? x.name === 'f32' : x.kind === 'ref' && holders.has(`${x.module}.${x.name}`)));
}

// ---- whole functions --------------------------------------------------------------------------

/** How a record's fields are read from the value (`v.x` for a struct, `v[0]` for params). */
type Access = (f: PyField, index: number) => string;

interface RecordShape {
  /** Key in the generated function names: `Point`, `P_add`. */
  key: string;
  /** The Python type of the value. */
  valueType: string;
  /** For messages: "Point", "add params". */
  label: string;
  fields: PyField[];
  access: Access;
  /** Returns the value built from local variables a0, a1, … (in `fields` order). */
  construct: (w: Writer, locals: string[]) => void;
  /** A struct's or error's class and IDL name (a function's parameters are a plain tuple). */
  cls?: { py: string; idl: string };
}

function emitRecordCodec(ctx: Ctx, w: Writer, r: RecordShape): void {
  emitRecordCheck(ctx, w, r.key, r.fields, r.access, r.cls);
  const sorted = [...r.fields].map((f, i) => ({ f, i })).sort((a, b) => a.f.field.id - b.f.field.id);
  // JSON write: keys are IDL field names (never renamed), entries in ascending id order.
  w.line('');
  w.line('');
  w.line(`def _jw_${r.key}(v: ${r.valueType}) -> str:`).indent(() => {
    if (sorted.length === 0) {
      w.line('return "{}"');
      return;
    }
    w.line('o: list[str] = []');
    for (const { f, i } of sorted) {
      const get = r.access(f, i);
      const key = pyStr(`${JSON.stringify(f.field.name)}:`);
      const t = f.field.type;
      if (t.kind === 'optional') {
        w.line(`if ${get} is not None:`).indent(() => w.line(`o.append(${key} + ${jw(ctx, t.inner, get, 0)})`));
      } else w.line(`o.append(${key} + ${jw(ctx, t, get, 0)})`);
    }
    w.line('return "{" + ",".join(o) + "}"');
  });
  emitRecordRead(ctx, w, r, 'json');
  // msgpack tree: a map keyed by field id, built in ascending id order (dicts keep it). Fields
  // up to the first optional one go into one dict display.
  w.line('');
  w.line('');
  w.line(`def _mt_${r.key}(v: ${r.valueType}) -> _t.Any:`).indent(() => {
    const firstOptional = sorted.findIndex(({ f }) => f.field.type.kind === 'optional');
    const head = firstOptional < 0 ? sorted : sorted.slice(0, firstOptional);
    const entries = head.map(({ f, i }) => `${f.field.id}: ${mt(ctx, f.field.type, r.access(f, i), 0)}`);
    if (firstOptional < 0) {
      w.line(`return {${entries.join(', ')}}`);
      return;
    }
    w.line(`o: dict[int, _t.Any] = {${entries.join(', ')}}`);
    for (const { f, i } of sorted.slice(firstOptional)) {
      const get = r.access(f, i);
      const t = f.field.type;
      if (t.kind === 'optional') {
        w.line(`if ${get} is not None:`).indent(() => w.line(`o[${f.field.id}] = ${mt(ctx, t.inner, get, 0)}`));
      } else w.line(`o[${f.field.id}] = ${mt(ctx, t, get, 0)}`);
    }
    w.line('return o');
  });
  emitRecordRead(ctx, w, r, 'msgpack');
}

/**
 * A field's zero value when it can be passed to `dict.get` as the default: a literal of a type
 * with an inline check, which that check then accepts. Anything else (a list, an enum member, a
 * call such as `float("nan")`) is taken only when the field is missing.
 */
function getDefault(ctx: Ctx, codec: Codec, f: PyField): string | undefined {
  const t = f.field.type;
  const zero = zeroExpr(ctx, f.field);
  if (zero === undefined || t.kind !== 'scalar' || scalarRead(codec, t.name, '').ok === undefined) return undefined;
  const literal = /^(True|False|b""|-?[0-9][0-9.e+-]*)$/.test(zero) || (t.name === 'string' && zero.startsWith('"') && !zero.includes('.encode('));
  return literal ? zero : undefined;
}

function emitRecordRead(ctx: Ctx, w: Writer, r: RecordShape, codec: Codec): void {
  const json = codec === 'json';
  const known = `_${json ? 'JK' : 'MK'}_${r.key}`;
  const keys = r.fields.map((f) => (json ? pyStr(f.field.name) : String(f.field.id)));
  w.line('');
  w.line('');
  w.line(`${known}: frozenset[_t.Any] = frozenset((${keys.join(', ')}${keys.length === 1 ? ',' : ''}))`);
  w.line('');
  w.line('');
  w.line(`def _${json ? 'jr' : 'mr'}_${r.key}(x: _t.Any, d: int, md: int) -> ${r.valueType}:`).indent(() => {
    w.line(`if not (${containerTest('dict', 'x', 0)}):`).indent(() => w.line(`_g.read_map(x, d, md, ${pyStr(r.label)})`));
    w.line(`if not ${known}.issuperset(x):`).indent(() => w.line(`_g.skip_unknown(x, ${known}, d, md)`));
    const locals: string[] = [];
    r.fields.forEach((f, i) => {
      const local = `a${i}`;
      locals.push(local);
      const key = json ? pyStr(f.field.name) : String(f.field.id);
      const what = pyStr(`${r.label}.${f.field.name}`);
      const t = f.field.type;
      const ann = pyType(ctx, t);
      const inner = t.kind === 'optional' ? t.inner : t;
      if (t.kind === 'optional' && inner.kind === 'scalar') {
        // An absent optional, or one sent as null/nil, is None.
        w.line(`${local}: ${ann} = x.get(${key})`);
        readStmts(w, ctx, codec, t, local, local, 1, what);
        return;
      }
      if (t.kind === 'optional') {
        w.line(`f = x.get(${key})`);
        w.line(`${local}: ${ann}`);
        readStmts(w, ctx, codec, t, 'f', local, 1, what);
        return;
      }
      const byDefault = getDefault(ctx, codec, f);
      if (byDefault !== undefined) {
        w.line(`${local}: ${ann} = x.get(${key}, ${byDefault})`);
        readStmts(w, ctx, codec, t, local, local, 1, what);
        return;
      }
      w.line(`f = x.get(${key}, _g.MISSING)`);
      w.line(`${local}: ${ann}`);
      const zero = zeroExpr(ctx, f.field);
      if (zero === undefined) {
        w.line('if f is _g.MISSING:').indent(() => w.line(`raise _g.missing(${what})`));
        readStmts(w, ctx, codec, t, 'f', local, 1, what);
      } else {
        w.line('if f is _g.MISSING:').indent(() => w.line(`${local} = ${zero}`));
        w.line('else:').indent(() => readStmts(w, ctx, codec, t, 'f', local, 1, what));
      }
    });
    r.construct(w, locals);
  });
}

/** The TypeCodec object; `label` starts its error messages (as in TS: "Point", "add", "add result"). */
function emitTypeCodec(w: Writer, key: string, valueType: string, label: string, f32: boolean): void {
  w.line('');
  w.line(
    `_C_${key}: _rt.TypeCodec[${valueType}] = _rt.TypeCodec(${pyStr(label)}, _ck_${key}, _jw_${key}, _jr_${key}, _mt_${key}, _mr_${key}, ${f32 ? 'True' : 'False'}, _pw_${key}, _pr_${key}, _fw_${key}, _fr_${key})`,
  );
}

export function emitStructCodec(ctx: Ctx, w: Writer, s: StructDecl | ErrorDecl, fields: PyField[]): void {
  const name = declPyName(s);
  const shape = {
    key: name,
    valueType: name,
    label: s.name,
    fields,
    access: (f: PyField) => `v.${f.py}`,
    cls: { py: name, idl: s.name },
    construct: (w: Writer, locals: string[]) => {
      if (s.kind === 'error') {
        w.line(`return ${name}(${fields.map((f, i) => `${f.py}=${locals[i]}`).join(', ')})`);
        return;
      }
      // A struct is a plain slots dataclass: every field is set here, which costs less than a
      // call of its keyword-only __init__.
      w.line(`o = _new_object(${name})`);
      fields.forEach((f, i) => w.line(`o.${f.py} = ${locals[i]}`));
      w.line('return o');
    },
  };
  emitRecordCodec(ctx, w, shape);
  emitRecordPb(ctx, w, shape);
  emitRecordFb(ctx, w, shape);
  const ref: Ref = { kind: 'ref', module: ctx.module.name, name: s.name, declKind: s.kind };
  emitTypeCodec(w, name, name, s.name, hasF32(ctx, ref));
}

/** The implicit params struct of a function: the value is a tuple of the arguments. */
export function emitParamsCodec(ctx: Ctx, w: Writer, key: string, label: string, fields: PyField[]): void {
  const tupleType = fields.length === 0 ? 'tuple[()]' : `tuple[${fields.map((f) => pyType(ctx, f.field.type)).join(', ')}]`;
  const shape = {
    key,
    valueType: tupleType,
    label,
    fields,
    access: (_f: PyField, i: number) => `v[${i}]`,
    construct: (w: Writer, locals: string[]) => w.line(`return ${locals.length === 0 ? '()' : `(${locals.join(', ')}${locals.length === 1 ? ',' : ''})`}`),
  };
  emitRecordCodec(ctx, w, shape);
  emitRecordPb(ctx, w, shape);
  emitRecordFb(ctx, w, shape);
  const f32 = fields.some((f) => hasF32(ctx, f.field.type));
  emitTypeCodec(w, key, tupleType as string, label, f32);
}

export function emitUnionCodec(ctx: Ctx, w: Writer, u: UnionDecl): void {
  const name = declPyName(u);
  emitUnionCheck(ctx, w, u);
  w.line('');
  w.line('');
  w.line(`def _jw_${name}(v: ${name}) -> str:`).indent(() => {
    for (const c of u.cases) {
      const cls = caseClassName(u, c);
      const key = JSON.stringify(c.name);
      w.line(`if isinstance(v, ${cls}):`).indent(() => {
        if (c.type) w.line(`return ${pyStr(`{${key}:`)} + ${jw(ctx, c.type, 'v.value', 0)} + "}"`);
        else w.line(`return ${pyStr(`{${key}:null}`)}`);
      });
    }
    w.line(`raise _g.mismatch(${pyStr(u.name)}, v)`);
  });
  w.line('');
  w.line('');
  w.line(`def _mt_${name}(v: ${name}) -> _t.Any:`).indent(() => {
    for (const c of u.cases) {
      w.line(`if isinstance(v, ${caseClassName(u, c)}):`).indent(() => {
        w.line(`return {${c.id}: ${c.type ? mt(ctx, c.type, 'v.value', 0) : 'None'}}`);
      });
    }
    w.line(`raise _g.mismatch(${pyStr(u.name)}, v)`);
  });
  for (const codec of ['json', 'msgpack'] as const) {
    const json = codec === 'json';
    w.line('');
    w.line('');
    w.line(`def _${json ? 'jr' : 'mr'}_${name}(x: _t.Any, d: int, md: int) -> ${name}:`).indent(() => {
      w.line(`if not (${containerTest('dict', 'x', 0)}):`).indent(() => w.line(`_g.read_map(x, d, md, ${pyStr(u.name)})`));
      w.line(`case, f = _g.read_one_entry(x, ${pyStr(u.name)})`);
      for (const c of u.cases) {
        const what = pyStr(`${u.name}.${c.name}`);
        w.line(`if case == ${json ? pyStr(c.name) : c.id}:`).indent(() => {
          if (!c.type) {
            w.line(`_g.read_nil(f, ${what})`);
            w.line(`return ${caseClassName(u, c)}()`);
          } else {
            w.line(`return ${caseClassName(u, c)}(${readExpr(ctx, codec, c.type, 'f', 1, 0, what)})`);
          }
        });
      }
      w.line(`raise _g.unknown_case(case, ${pyStr(u.name)})`);
    });
  }
  emitUnionPb(ctx, w, u);
  emitUnionFb(ctx, w, u);
  const ref: Ref = { kind: 'ref', module: ctx.module.name, name: u.name, declKind: 'union' };
  emitTypeCodec(w, name, name, u.name, hasF32(ctx, ref));
}

function emitValueRead(ctx: Ctx, w: Writer, codec: Codec, key: string, t: TypeRef, vt: string, what: string): void {
  w.line('');
  w.line('');
  w.line(`def _${codec === 'json' ? 'jr' : 'mr'}_${key}(x: _t.Any, d: int, md: int) -> ${vt}:`).indent(() => {
    if (t.kind === 'ref') {
      w.line(`return ${readExpr(ctx, codec, t, 'x', 0, 0, what)}`);
      return;
    }
    w.line(`v: ${vt}`);
    readStmts(w, ctx, codec, t, 'x', 'v', 0, what);
    w.line('return v');
  });
}

/** A codec for any type used as a whole payload (an alias, a result, an event payload, an enum). */
export function emitValueCodec(ctx: Ctx, w: Writer, key: string, t: TypeRef, label: string): void {
  const vt = pyType(ctx, t);
  const what = pyStr(label);
  emitValueCheck(ctx, w, key, t);
  w.line('');
  w.line('');
  w.line(`def _jw_${key}(v: ${vt}) -> str:`).indent(() => w.line(`return ${jw(ctx, t, 'v', 0)}`));
  w.line('');
  w.line('');
  emitValueRead(ctx, w, 'json', key, t, vt, what);
  w.line('');
  w.line('');
  w.line(`def _mt_${key}(v: ${vt}) -> _t.Any:`).indent(() => w.line(`return ${mt(ctx, t, 'v', 0)}`));
  emitValueRead(ctx, w, 'msgpack', key, t, vt, what);
  emitValuePb(ctx, w, key, t, vt);
  emitValueFb(ctx, w, key, t, vt);
  emitTypeCodec(w, key, vt, label, hasF32(ctx, t));
}

export function enumRef(ctx: Ctx, e: EnumDecl): Ref {
  return { kind: 'ref', module: ctx.module.name, name: e.name, declKind: 'enum' };
}

export type { Field };
