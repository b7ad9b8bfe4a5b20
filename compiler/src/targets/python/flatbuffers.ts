// The FlatBuffers functions of each codec (docs/wire.md §3.6, ADR 0041; the schema is what
// `interopc gen --lang fbs` writes, docs/types.md "FlatBuffers"), beside ./protobuf.ts:
//   _fw_X(w, v) -> int   writes the table of v (checked already) and, after it, depth-first in
//                        slot order, the objects its fields refer to; returns the table's start
//   _fr_X(r, t) -> X     reads the table at t (any valid layout)
// A list element that is bytes, a list, a map or an optional, a map entry, a union case and a
// payload that is not a table are one- or two-field tables written inline by the same code.
// Each table shape has a module-level _g.FbLayouts (its vtable and offsets per set of present
// fields), so writing a table is one vtable copy and one pack per scalar.

import type { TypeRef, UnionDecl } from '../../ir/types.js';
import { type Ctx, type PyField, Writer, caseClassName, declPyName, pyStr } from './context.js';
import { MAX_FIELD_ID } from '../fbs/index.js';
import { pyType, zeroExpr } from './types.js';

type Ref = Extract<TypeRef, { kind: 'ref' }>;

/** struct format and size of each inline scalar. */
const SCALAR: Record<string, [string, number]> = {
  bool: ['?', 1], i8: ['b', 1], u8: ['B', 1], i16: ['h', 2], u16: ['H', 2], i32: ['i', 4], u32: ['I', 4],
  i64: ['q', 8], u64: ['Q', 8], f32: ['f', 4], f64: ['d', 8],
};
const STRUCT_NAME: Record<string, string> = { b: 'I8', B: 'U8', h: 'I16', H: 'U16', i: 'I32', I: 'U32', q: 'I64', Q: 'U64', f: 'F32', d: 'F64' };

/** Module-level constants and fresh local names of one generated function. */
class Scope {
  private n = 0;
  constructor(
    readonly ctx: Ctx,
    readonly consts: string[],
    readonly prefix: string,
  ) {}
  next(p: string): string {
    return `${p}${++this.n}`;
  }
  /** A `_g.FbLayouts` constant for a table of these (slot, size) fields. */
  layouts(fields: Array<[number, number]>): string {
    const name = `_FBL_${this.prefix}_${this.consts.length}`;
    const tuple = fields.map(([s, z]) => `(${s}, ${z})`).join(', ');
    this.consts.push(`${name} = _g.FbLayouts((${tuple}${fields.length === 1 ? ',' : ''}))`);
    return name;
  }
}

/** The inline scalar of a type (its format and size), or undefined for an offset. */
function inline(t: TypeRef): [string, number] | undefined {
  if (t.kind === 'scalar') return SCALAR[t.name];
  if (t.kind === 'ref' && t.declKind === 'enum') return ['i', 4];
  return undefined;
}

function isTable(t: TypeRef): t is Ref {
  return t.kind === 'ref' && t.declKind !== 'enum';
}

/** A field's type as the table holds it: an optional is its inner type, absent when None. */
function held(t: TypeRef): TypeRef {
  return t.kind === 'optional' ? held(t.inner) : t;
}

interface TableField {
  slot: number;
  type: TypeRef;
  expr: string;
}

/** Writes a table of `fields`, then its objects; returns the local holding the table's start. */
function writeTable(s: Scope, w: Writer, fields: TableField[]): string {
  const sorted = [...fields].sort((a, b) => a.slot - b.slot);
  const layouts = s.layouts(sorted.map((f) => [f.slot, inline(held(f.type))?.[1] ?? 4]));
  const vals = sorted.map((f) => {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(f.expr)) return f.expr;
    const v = s.next('v');
    w.line(`${v} = ${f.expr}`);
    return v;
  });
  // Bit i: field i is written (BigInt: a table may have more than 31 fields).
  let always = 0n;
  const optional: string[] = [];
  sorted.forEach((f, i) => {
    if (f.type.kind === 'optional') optional.push(`(${1n << BigInt(i)} if ${vals[i]} is not None else 0)`);
    else always |= 1n << BigInt(i);
  });
  const t = s.next('t');
  const o = s.next('o');
  const L = s.next('L');
  const mask = [...(always ? [String(always)] : []), ...optional].join(' | ') || '0';
  w.line(`${L} = ${layouts}.get(${mask})`);
  w.line(`${o} = ${L}.field_offsets`);
  w.line(`${t} = w.table(${L})`);
  // The scalars in place, then each object after the table, in slot order (depth-first).
  const present = (i: number, body: () => void): void => {
    if (sorted[i]!.type.kind === 'optional') w.line(`if ${vals[i]} is not None:`).indent(body);
    else body();
  };
  sorted.forEach((f, i) => {
    const sc = inline(held(f.type));
    if (sc) present(i, () => w.line(packScalar(sc[0], `${t} + ${o}[${i}]`, vals[i]!)));
  });
  sorted.forEach((f, i) => {
    const h = held(f.type);
    if (!inline(h)) present(i, () => w.line(`w.patch(${t} + ${o}[${i}], ${writeObject(s, w, h, vals[i]!)})`));
  });
  return t;
}

function packScalar(code: string, at: string, v: string): string {
  if (code === '?') return `w.buf[${at}] = 1 if ${v} else 0`;
  if (code === 'f') return `_g.FB_F32.pack_into(w.buf, ${at}, _g.fb_f32(${v}))`;
  if (code === 'd') return `_g.FB_F64.pack_into(w.buf, ${at}, _g.fb_f64(${v}))`;
  return `_g.FB_${STRUCT_NAME[code]}.pack_into(w.buf, ${at}, ${v})`;
}

/** Writes the object (string, vector or table) of a value; returns the expression of its position. */
function writeObject(s: Scope, w: Writer, t: TypeRef, v: string): string {
  if (t.kind === 'scalar') return t.name === 'string' ? `w.string(${v})` : `w.bytes_(${v})`;
  if (isTable(t)) return `${s.ctx.codecName(t, '_fw')}(w, ${v})`;
  if (t.kind === 'list') {
    const e = t.element;
    const sc = inline(e);
    if (sc) return `w.scalars(${pyStr(sc[0])}, ${sc[1]}, ${v})`;
    const p = s.next('p');
    const i = s.next('i');
    const x = s.next('x');
    w.line(`${p} = w.offsets(len(${v}))`);
    w.line(`for ${i}, ${x} in enumerate(${v}):`).indent(() => {
      w.line(`w.patch(${p} + 4 + 4 * ${i}, ${elementObject(s, w, e, x)})`);
    });
    return p;
  }
  if (t.kind === 'map') {
    const p = s.next('p');
    const i = s.next('i');
    const k = s.next('k');
    const x = s.next('x');
    w.line(`${p} = w.offsets(len(${v}))`);
    w.line(`for ${i}, (${k}, ${x}) in enumerate(_g.sorted_map(${v}).items()):`).indent(() => {
      const entry = writeTable(s, w, [
        { slot: 0, type: t.key, expr: k },
        { slot: 1, type: t.value, expr: x },
      ]);
      w.line(`w.patch(${p} + 4 + 4 * ${i}, ${entry})`);
    });
    return p;
  }
  throw new Error(`python target: no FlatBuffers object for ${t.kind}`);
}

/** A vector element: a string or table as itself, anything else in its one-field wrapper table. */
function elementObject(s: Scope, w: Writer, t: TypeRef, v: string): string {
  if (isTable(t) || (t.kind === 'scalar' && t.name === 'string')) return writeObject(s, w, t, v);
  return writeTable(s, w, [{ slot: 0, type: t, expr: v }]);
}

// ---- reading ----

interface TableVars {
  t: string;
  vt: string;
  vl: string;
  tb: string;
}

function enterTable(s: Scope, w: Writer, pos: string): TableVars {
  const tv = { t: s.next('t'), vt: s.next('vt'), vl: s.next('vl'), tb: s.next('tb') };
  w.line(`${tv.t} = ${pos}`);
  w.line(`${tv.vt}, ${tv.vl}, ${tv.tb} = r.enter(${tv.t})`);
  return tv;
}

/** Reads the field in `slot` into `target`; an absent field is `zero` (undefined: an error). */
function readField(s: Scope, w: Writer, tv: TableVars, slot: number, t: TypeRef, target: string, zero: string | undefined): void {
  const h = held(t);
  const sc = inline(h);
  const p = s.next('q');
  w.line(`${p} = r.field(${tv.t}, ${tv.vt}, ${tv.vl}, ${tv.tb}, ${slot}, ${sc ? sc[1] : 4})`);
  w.line(`if ${p}:`).indent(() => {
    if (sc) w.line(`${target} = ${readScalar(s, h, sc[0], p)}`);
    else readObject(s, w, h, `r.ref(${p})`, target);
  });
  w.line('else:').indent(() => w.line(zero === undefined ? 'raise _g.fb_missing()' : `${target} = ${zero}`));
}

function readScalar(s: Scope, t: TypeRef, code: string, p: string): string {
  if (code === '?') return `r.bool_(${p})`;
  const v = `_g.FB_${STRUCT_NAME[code]}.unpack_from(r.buf, ${p})[0]`;
  return t.kind === 'ref' ? `${s.ctx.typeName(t)}(${v})` : v;
}

/** Reads the object at `pos` (string, bytes, vector, table) into `target`. */
function readObject(s: Scope, w: Writer, t: TypeRef, pos: string, target: string): void {
  if (t.kind === 'scalar') {
    w.line(`${target} = r.${t.name === 'string' ? 'string' : 'bytes_'}(${pos})`);
    return;
  }
  if (isTable(t)) {
    w.line(`${target} = ${s.ctx.codecName(t, '_fr')}(r, ${pos})`);
    return;
  }
  if (t.kind === 'list') {
    const e = t.element;
    const sc = inline(e);
    if (sc) {
      if (sc[0] === '?') w.line(`${target} = r.bools(${pos})`);
      else if (e.kind === 'ref') w.line(`${target} = [${s.ctx.typeName(e)}(x) for x in r.scalars(${pos}, "i", 4)]`);
      else w.line(`${target} = r.scalars(${pos}, ${pyStr(sc[0])}, ${sc[1]})`);
      return;
    }
    const a = s.next('a');
    const st = s.next('st');
    const n = s.next('n');
    const i = s.next('i');
    const x = s.next('x');
    w.line(`${a}: ${pyType(s.ctx, t)} = []`);
    w.line(`${st}, ${n} = r.vector(${pos})`);
    w.line(`for ${i} in range(${n}):`).indent(() => {
      w.line('try:').indent(() => {
        w.line(`${x}: ${pyType(s.ctx, e)}`);
        elementRead(s, w, e, `r.ref(${st} + 4 * ${i})`, x);
        w.line(`${a}.append(${x})`);
      });
      w.line('except _g.CodecError as e:').indent(() => w.line(`e.path = f"[{${i}}]" + e.path`).line('raise'));
    });
    w.line(`${target} = ${a}`);
    return;
  }
  if (t.kind === 'map') {
    const m = s.next('m');
    const st = s.next('st');
    const n = s.next('n');
    const i = s.next('i');
    const k = s.next('k');
    const x = s.next('x');
    w.line(`${m}: ${pyType(s.ctx, t)} = {}`);
    w.line(`${st}, ${n} = r.vector(${pos})`);
    w.line(`for ${i} in range(${n}):`).indent(() => {
      w.line(`${k}: ${pyType(s.ctx, t.key)} | None = None`);
      w.line('try:').indent(() => {
        const tv = enterTable(s, w, `r.ref(${st} + 4 * ${i})`);
        readField(s, w, tv, 0, t.key, k, zeroOf(s.ctx, t.key));
        w.line(`${x}: ${pyType(s.ctx, t.value)}`);
        readField(s, w, tv, 1, t.value, x, zeroOf(s.ctx, t.value));
        w.line('r.leave()');
        w.line(`if ${k} in ${m}:`).indent(() => w.line(`raise _g.fb_duplicate_key(${k})`));
        w.line(`${m}[${k}] = ${x}`);
      });
      w.line('except _g.CodecError as e:').indent(() => w.line(`e.path = ("[?]" if ${k} is None else _g.fb_key_path(${k})) + e.path`).line('raise'));
    });
    w.line(`${target} = ${m}`);
    return;
  }
  throw new Error(`python target: no FlatBuffers object for ${t.kind}`);
}

function elementRead(s: Scope, w: Writer, t: TypeRef, pos: string, target: string): void {
  if (isTable(t) || (t.kind === 'scalar' && t.name === 'string')) {
    readObject(s, w, t, pos, target);
    return;
  }
  const tv = enterTable(s, w, pos);
  readField(s, w, tv, 0, t, target, zeroOf(s.ctx, t));
  w.line('r.leave()');
}

/** The value of a wrapper's or entry's absent field: the type's zero (None for an optional). */
function zeroOf(ctx: Ctx, t: TypeRef): string | undefined {
  return zeroExpr(ctx, { id: 1, name: 'value', type: t, annotations: {}, span: { file: '', line: 0, col: 0, endLine: 0, endCol: 0 } });
}

// ---- the generated functions ----

/** Emits a function whose body is rendered first, so that its layout constants come before it. */
function emitFunction(ctx: Ctx, w: Writer, prefix: string, head: string, body: (s: Scope, b: Writer) => void): void {
  const consts: string[] = [];
  const s = new Scope(ctx, consts, prefix);
  const b = new Writer();
  b.indent(() => body(s, b));
  w.line('');
  w.line('');
  for (const c of consts) w.line(c);
  if (consts.length > 0) w.line('').line('');
  w.line(head);
  for (const line of b.toString().replace(/\n$/, '').split('\n')) w.line(line);
}

/** A type `interopc gen --lang fbs` refuses: sending or reading it as flatbuffers is an error. */
function emitInexpressible(w: Writer, key: string, vt: string, message: string): void {
  const raise = `raise _g.invalid(${pyStr(message)})`;
  w.line('');
  w.line('');
  w.line(`def _fw_${key}(w: _g.FbWriter, v: ${vt}) -> int:`).indent(() => w.line(raise));
  w.line('');
  w.line('');
  w.line(`def _fr_${key}(r: _g.FbReader, t: int) -> ${vt}:`).indent(() => w.line(raise));
}

export function emitRecordFb(
  ctx: Ctx,
  w: Writer,
  r: { key: string; label: string; valueType: string; fields: PyField[]; access: (f: PyField, i: number) => string; construct: (w: Writer, locals: string[]) => void },
): void {
  const far = r.fields.find((f) => f.field.id > MAX_FIELD_ID);
  if (far) {
    emitInexpressible(w, r.key, r.valueType, `${r.label}: field id ${far.field.id} is past ${MAX_FIELD_ID}: cannot be sent as flatbuffers`);
    return;
  }
  emitFunction(ctx, w, `${r.key}`, `def _fw_${r.key}(w: _g.FbWriter, v: ${r.valueType}) -> int:`, (s, b) => {
    const t = writeTable(
      s,
      b,
      r.fields.map((f, i) => ({ slot: f.field.id - 1, type: f.field.type, expr: r.access(f, i) })),
    );
    b.line(`return ${t}`);
  });
  emitFunction(ctx, w, `r${r.key}`, `def _fr_${r.key}(r: _g.FbReader, t: int) -> ${r.valueType}:`, (s, b) => {
    const tv = enterTable(s, b, 't');
    const locals = r.fields.map((_f, i) => `f${i}`);
    if (r.fields.length > 0) {
      b.line('at = ""');
      // In slot order: the read budget is counted in that order in every runtime (vectors/README.md).
      const bySlot = r.fields.map((f, i) => [f, i] as const).sort((a, b) => a[0].field.id - b[0].field.id);
      b.line('try:').indent(() => {
        bySlot.forEach(([f, i]) => {
          b.line(`at = ${pyStr(`.${f.field.name}`)}`);
          b.line(`f${i}: ${pyType(ctx, f.field.type)}`);
          readField(s, b, tv, f.field.id - 1, f.field.type, `f${i}`, zeroExpr(ctx, f.field));
        });
      });
      b.line('except _g.CodecError as e:').indent(() => b.line('e.path = at + e.path').line('raise'));
    }
    b.line('r.leave()');
    r.construct(b, locals);
  });
}

/** A union is the table `{ value_type: ubyte; value: <offset to the case table> }`, the case
 * table `{ value: T }` (empty for a unit case) right after it. */
export function emitUnionFb(ctx: Ctx, w: Writer, u: UnionDecl): void {
  const name = declPyName(u);
  const far = u.cases.find((c) => c.id > 255);
  if (far) {
    emitInexpressible(w, name, name, `${u.name}: case id ${far.id} is past 255: cannot be sent as flatbuffers`);
    return;
  }
  emitFunction(ctx, w, name, `def _fw_${name}(w: _g.FbWriter, v: ${name}) -> int:`, (s, b) => {
    const layouts = s.layouts([
      [0, 1],
      [1, 4],
    ]);
    b.line(`L = ${layouts}.get(3)`);
    for (const c of u.cases) {
      b.line(`if isinstance(v, ${caseClassName(u, c)}):`).indent(() => {
        b.line('t = w.table(L)');
        b.line(`w.buf[t + 4] = ${c.id}`);
        const ct = writeTable(s, b, c.type ? [{ slot: 0, type: c.type, expr: 'v.value' }] : []);
        b.line(`w.patch(t + 8, ${ct})`);
        b.line('return t');
      });
    }
    b.line(`raise _g.mismatch(${pyStr(u.name)}, v)`);
  });
  emitFunction(ctx, w, `r${name}`, `def _fr_${name}(r: _g.FbReader, t: int) -> ${name}:`, (s, b) => {
    const tv = enterTable(s, b, 't');
    b.line(`case, ct = _g.fb_union_case(r, t, ${tv.vt}, ${tv.vl}, ${tv.tb}, ${pyStr(u.name)})`);
    b.line(`v: ${name}`);
    {
      u.cases.forEach((c, i) => {
        b.line(`${i === 0 ? 'if' : 'elif'} case == ${c.id}:`).indent(() => {
          const cv = enterTable(s, b, 'ct');
          if (c.type) {
            b.line(`x${i}: ${pyType(ctx, c.type)}`);
            b.line('try:').indent(() => readField(s, b, cv, 0, c.type!, `x${i}`, zeroOf(ctx, c.type!)));
            b.line('except _g.CodecError as e:').indent(() => b.line(`e.path = ${pyStr(`.${c.name}`)} + e.path`).line('raise'));
            b.line('r.leave()');
            b.line(`v = ${caseClassName(u, c)}(x${i})`);
          } else {
            b.line('r.leave()');
            b.line(`v = ${caseClassName(u, c)}()`);
          }
        });
      });
      b.line(`${u.cases.length === 0 ? 'if True' : 'else'}:`).indent(() => b.line(`raise _g.fb_unknown_case(${pyStr(u.name)}, case)`));
    }
    b.line('r.leave()');
    b.line('return v');
  });
}

export function emitValueFb(ctx: Ctx, w: Writer, key: string, t: TypeRef, vt: string): void {
  if (isTable(t)) {
    // An alias of a struct or union travels as that table, as the type itself would.
    w.line('');
    w.line('');
    w.line(`def _fw_${key}(w: _g.FbWriter, v: ${vt}) -> int:`).indent(() => w.line(`return ${ctx.codecName(t, '_fw')}(w, v)`));
    w.line('');
    w.line('');
    w.line(`def _fr_${key}(r: _g.FbReader, t: int) -> ${vt}:`).indent(() => w.line(`return ${ctx.codecName(t, '_fr')}(r, t)`));
    return;
  }
  emitFunction(ctx, w, key, `def _fw_${key}(w: _g.FbWriter, v: ${vt}) -> int:`, (s, b) => {
    b.line(`return ${writeTable(s, b, [{ slot: 0, type: t, expr: 'v' }])}`);
  });
  emitFunction(ctx, w, `r${key}`, `def _fr_${key}(r: _g.FbReader, t: int) -> ${vt}:`, (s, b) => {
    const tv = enterTable(s, b, 't');
    b.line(`v: ${vt}`);
    readField(s, b, tv, 0, t, 'v', zeroOf(ctx, t));
    b.line('r.leave()');
    b.line('return v');
  });
}
