// The protobuf functions of each codec (ADR 0028, docs/wire.md §3.5), the Python twin of
// ../ts/protobuf.ts with the same vocabulary: a *single* is one occurrence of a field, a *field*
// all a struct field writes; a list, map or optional that protobuf cannot nest travels as a single
// of its wrapper message, whose field 1 it is.
//   _pw_X(b, v)   appends the message of v (checked already) to the bytearray b
//   _pr_X(r) -> X reads the fields of the message r is in, up to its end
// Errors get their path as they unwind (`e.path = ".field" + e.path`), as in TypeScript.

import type { TypeRef, UnionDecl } from '../../ir/types.js';
import { type Ctx, type PyField, type Writer, caseClassName, declPyName, pyStr } from './context.js';
import { pyType, zeroExpr } from './types.js';

type Ref = Extract<TypeRef, { kind: 'ref' }>;

const SIGNED: Record<string, [string, string]> = {
  i8: ['-128', '127'], i16: ['-32768', '32767'], i32: ['-2147483648', '2147483647'], i64: ['-9223372036854775808', '9223372036854775807'],
};
const UNSIGNED: Record<string, string> = { u8: '255', u16: '65535', u32: '4294967295', u64: '18446744073709551615' };

/** Fresh local names within one generated function. */
class Locals {
  private n = 0;
  next(prefix: string): string {
    return `${prefix}${++this.n}`;
  }
}

function wireType(t: TypeRef): number | undefined {
  if (t.kind === 'scalar') return t.name === 'f32' ? 5 : t.name === 'f64' ? 1 : t.name === 'string' || t.name === 'bytes' ? 2 : 0;
  if (t.kind === 'ref' && t.declKind === 'enum') return 0;
  return undefined;
}

function packable(t: TypeRef): boolean {
  const wt = wireType(t);
  return wt !== undefined && wt !== 2;
}

/** A field key as a bytes literal: the varint of `(n << 3) | wt`. */
function key(n: number, wt: number): string {
  let v = n * 8 + wt;
  let out = '';
  while (v >= 0x80) {
    out += `\\x${((v % 0x80) | 0x80).toString(16).padStart(2, '0')}`;
    v = Math.floor(v / 0x80);
  }
  return `b"${out}\\x${v.toString(16).padStart(2, '0')}"`;
}

function writeScalar(t: TypeRef, expr: string, b: string): string {
  if (t.kind !== 'scalar') return `_g.w_enum(${b}, ${expr})`;
  if (t.name === 'bool') return `${b}.append(1 if ${expr} else 0)`;
  if (SIGNED[t.name]) return `_g.w_sint(${b}, ${expr})`;
  if (UNSIGNED[t.name]) return `_g.varint(${b}, ${expr})`;
  return `_g.w_${t.name === 'string' ? 'str' : t.name}(${b}, ${expr})`;
}

function readScalar(ctx: Ctx, t: TypeRef): string {
  if (t.kind === 'ref') return `${ctx.typeName(t)}(r.enum())`;
  if (t.kind !== 'scalar') throw new Error('python target: not a scalar');
  const s = SIGNED[t.name];
  if (s) return `r.sint(${s[0]}, ${s[1]}, "${t.name}")`;
  const u = UNSIGNED[t.name];
  if (u) return `r.uint(${u}, "${t.name}")`;
  return t.name === 'bool' ? 'r.bool_()' : t.name === 'bytes' ? 'r.bytes_()' : `r.${t.name}()`;
}

function isMessage(t: TypeRef): t is Ref {
  return t.kind === 'ref' && t.declKind !== 'enum';
}

function encodeSingle(ctx: Ctx, w: Writer, t: TypeRef, n: number, expr: string, b: string, l: Locals): void {
  const wt = wireType(t);
  if (wt !== undefined) {
    w.line(`${b} += ${key(n, wt)}`);
    w.line(writeScalar(t, expr, b));
    return;
  }
  const m = l.next('m');
  w.line(`${m} = bytearray()`);
  if (isMessage(t)) w.line(`${ctx.codecName(t, '_pw')}(${m}, ${expr})`);
  else encodeField(ctx, w, t, 1, expr, m, l);
  w.line(`_g.w_message(${b}, ${key(n, 2)}, ${m})`);
}

function encodeField(ctx: Ctx, w: Writer, t: TypeRef, n: number, expr: string, b: string, l: Locals): void {
  switch (t.kind) {
    case 'optional': {
      const o = l.next('o');
      w.line(`${o} = ${expr}`);
      w.line(`if ${o} is not None:`).indent(() => encodeSingle(ctx, w, t.inner, n, o, b, l));
      return;
    }
    case 'list': {
      const x = l.next('x');
      if (packable(t.element)) {
        const p = l.next('p');
        w.line(`if ${expr}:`).indent(() => {
          w.line(`${p} = bytearray()`);
          w.line(`for ${x} in ${expr}:`).indent(() => w.line(writeScalar(t.element, x, p)));
          w.line(`_g.w_message(${b}, ${key(n, 2)}, ${p})`);
        });
      } else {
        w.line(`for ${x} in ${expr}:`).indent(() => encodeSingle(ctx, w, t.element, n, x, b, l));
      }
      return;
    }
    case 'map': {
      const k = l.next('k');
      const x = l.next('x');
      const e = l.next('e');
      w.line(`for ${k}, ${x} in _g.sorted_map(${expr}).items():`).indent(() => {
        w.line(`${e} = bytearray()`);
        encodeSingle(ctx, w, t.key, 1, k, e, l);
        encodeSingle(ctx, w, t.value, 2, x, e, l);
        w.line(`_g.w_message(${b}, ${key(n, 2)}, ${e})`);
      });
      return;
    }
    default:
      encodeSingle(ctx, w, t, n, expr, b, l);
  }
}

/** The zero value of a type (a wrapper's or map entry's missing field), or a raise. */
function zeroOf(ctx: Ctx, t: TypeRef): string | undefined {
  return zeroExpr(ctx, { id: 1, name: 'value', type: t, annotations: {}, span: { file: '', line: 0, col: 0, endLine: 0, endCol: 0 } });
}

function fieldLoop(w: Writer, l: Locals, body: (fn: string) => void): void {
  const fn = l.next('n');
  w.line('while True:').indent(() => {
    w.line(`${fn} = r.field()`);
    w.line(`if not ${fn}:`).indent(() => w.line('break'));
    body(fn);
  });
}

/** Reads one occurrence whose key was just read; returns the expression of its value. */
function decodeSingle(ctx: Ctx, w: Writer, t: TypeRef, l: Locals): string {
  const wt = wireType(t);
  if (wt !== undefined) {
    w.line(`r.expect(${wt})`);
    return readScalar(ctx, t);
  }
  const s = l.next('s');
  const v = l.next('v');
  w.line(`${s} = r.enter()`);
  if (isMessage(t)) {
    w.line(`${v} = ${ctx.codecName(t, '_pr')}(r)`);
  } else {
    w.line(`${v}: ${pyType(ctx, t)} | None = None`);
    fieldLoop(w, l, (fn) => {
      w.line(`if ${fn} == 1:`).indent(() => decodeInto(ctx, w, t, v, l));
      w.line('else:').indent(() => w.line('r.skip()'));
    });
    if (t.kind !== 'optional') w.line(`if ${v} is None:`).indent(() => w.line(`${v} = ${zeroOf(ctx, t)}`));
  }
  w.line(`r.leave(${s})`);
  return v;
}

/** One occurrence of a field of type `t` into the variable `target` (`T | None`). */
function decodeInto(ctx: Ctx, w: Writer, t: TypeRef, target: string, l: Locals): void {
  switch (t.kind) {
    case 'optional':
      w.line(`${target} = ${decodeSingle(ctx, w, t.inner, l)}`);
      return;
    case 'list': {
      const a = l.next('a');
      w.line(`${a}: ${pyType(ctx, t)} = [] if ${target} is None else ${target}`);
      w.line(`${target} = ${a}`);
      w.line('try:').indent(() => {
        if (packable(t.element)) {
          const o = l.next('o');
          w.line('if r.wt == 2:').indent(() => {
            w.line(`${o} = r.enter_packed()`);
            w.line('while r.more():').indent(() => w.line(`${a}.append(${readScalar(ctx, t.element)})`));
            w.line(`r.leave_packed(${o})`);
          });
          w.line('else:').indent(() => w.line(`${a}.append(${decodeSingle(ctx, w, t.element, l)})`));
        } else {
          const v = decodeSingle(ctx, w, t.element, l);
          w.line(`${a}.append(${v})`);
        }
      });
      w.line('except _g.CodecError as e:').indent(() => w.line(`e.path = f"[{len(${a})}]" + e.path`).line('raise'));
      return;
    }
    case 'map': {
      const m = l.next('m');
      const s = l.next('s');
      const k = l.next('k');
      const v = l.next('v');
      const vs = l.next('seen');
      w.line(`${m}: ${pyType(ctx, t)} = {} if ${target} is None else ${target}`);
      w.line(`${target} = ${m}`);
      w.line(`${k}: ${pyType(ctx, t.key)} | None = None`);
      w.line('try:').indent(() => {
        w.line(`${s} = r.enter()`);
        w.line(`${v}: ${pyType(ctx, t.value)} | None = None`);
        w.line(`${vs} = False`);
        fieldLoop(w, l, (fn) => {
          w.line(`if ${fn} == 1:`).indent(() => {
            w.line(`if ${k} is not None:`).indent(() => w.line('raise _g.pb_duplicate()'));
            w.line(`${k} = ${decodeSingle(ctx, w, t.key, l)}`);
          });
          w.line(`elif ${fn} == 2:`).indent(() => {
            w.line(`if ${vs}:`).indent(() => w.line('raise _g.pb_duplicate()'));
            w.line(`${vs} = True`);
            w.line(`${v} = ${decodeSingle(ctx, w, t.value, l)}`);
          });
          w.line('else:').indent(() => w.line('r.skip()'));
        });
        w.line(`r.leave(${s})`);
        w.line(`if ${k} is None:`).indent(() => w.line(`${k} = ${zeroOf(ctx, t.key)}`));
        const zero = zeroOf(ctx, t.value);
        w.line(`if not ${vs}:`).indent(() => w.line(zero === undefined ? 'raise _g.pb_missing()' : `${v} = ${zero}`));
        w.line(`if ${k} in ${m}:`).indent(() => w.line('raise _g.CodecError("duplicate map key")'));
        w.line(`${m}[${k}] = ${v}${t.value.kind === 'optional' ? '' : '  # type: ignore[assignment]'}`);
      });
      w.line('except _g.CodecError as e:').indent(() => w.line(`e.path = ("[?]" if ${k} is None else f"[{${k}!r}]") + e.path`).line('raise'));
      return;
    }
    default:
      w.line(`${target} = ${decodeSingle(ctx, w, t, l)}`);
  }
}

function repeated(t: TypeRef): boolean {
  return t.kind === 'list' || t.kind === 'map';
}

/** `_pw_<key>` and `_pr_<key>` of a struct-shaped value (a struct, an error, a function's parameters). */
export function emitRecordPb(
  ctx: Ctx,
  w: Writer,
  r: { key: string; valueType: string; fields: PyField[]; access: (f: PyField, i: number) => string; construct: (w: Writer, locals: string[]) => void },
): void {
  const sorted = r.fields.map((f, i) => [f, i] as const).sort((a, b) => a[0].field.id - b[0].field.id);
  w.line('');
  w.line('');
  w.line(`def _pw_${r.key}(b: bytearray, v: ${r.valueType}) -> None:`).indent(() => {
    const l = new Locals();
    if (r.fields.length === 0) w.line('pass');
    for (const [f, i] of sorted) encodeField(ctx, w, f.field.type, f.field.id, r.access(f, i), 'b', l);
  });
  w.line('');
  w.line('');
  w.line(`def _pr_${r.key}(r: _g.PbReader) -> ${r.valueType}:`).indent(() => {
    const l = new Locals();
    // Field locals f<i> and fs<i> (seen); the Locals helper names others with other letters.
    r.fields.forEach((f, i) => w.line(`f${i}: ${pyType(ctx, f.field.type)} | None = None`));
    r.fields.forEach((f, i) => {
      if (!repeated(f.field.type)) w.line(`fs${i} = False`);
    });
    w.line('at = ""');
    w.line('try:').indent(() => {
      fieldLoop(w, l, (fn) => {
        let first = true;
        r.fields.forEach((f, i) => {
          w.line(`${first ? 'if' : 'elif'} ${fn} == ${f.field.id}:`).indent(() => {
            w.line(`at = ${pyStr(`.${f.field.name}`)}`);
            if (!repeated(f.field.type)) {
              w.line(`if fs${i}:`).indent(() => w.line('raise _g.pb_duplicate()'));
              w.line(`fs${i} = True`);
            }
            decodeInto(ctx, w, f.field.type, `f${i}`, l);
          });
          first = false;
        });
        if (first) w.line('r.skip()');
        else w.line('else:').indent(() => w.line('at = ""').line('r.skip()'));
      });
    });
    w.line('except _g.CodecError as e:').indent(() => w.line('e.path = at + e.path').line('raise'));
    const locals = r.fields.map((f, i) => {
      if (f.field.type.kind === 'optional') return `f${i}`;
      const zero = zeroExpr(ctx, f.field);
      if (zero === undefined) {
        w.line(`if f${i} is None:`).indent(() => w.line(`raise _g.CodecError("missing required field", ${pyStr(`.${f.field.name}`)})`));
        return `f${i}`;
      }
      return `(${zero} if f${i} is None else f${i})`;
    });
    r.construct(w, locals);
  });
}

export function emitUnionPb(ctx: Ctx, w: Writer, u: UnionDecl): void {
  const name = declPyName(u);
  w.line('');
  w.line('');
  w.line(`def _pw_${name}(b: bytearray, v: ${name}) -> None:`).indent(() => {
    const l = new Locals();
    for (const c of u.cases) {
      w.line(`if isinstance(v, ${caseClassName(u, c)}):`).indent(() => {
        if (c.type) encodeSingle(ctx, w, c.type, c.id, 'v.value', 'b', l);
        else w.line(`b += ${key(c.id, 2)} + b"\\x00"`);
        w.line('return');
      });
    }
    w.line(`raise _g.mismatch(${pyStr(u.name)}, v)`);
  });
  w.line('');
  w.line('');
  w.line(`def _pr_${name}(r: _g.PbReader) -> ${name}:`).indent(() => {
    const l = new Locals();
    w.line(`v: ${name} | None = None`);
    w.line('at = ""');
    w.line('try:').indent(() => {
      fieldLoop(w, l, (fn) => {
        w.line('at = ""');
        w.line('if v is not None:').indent(() => w.line(`raise _g.pb_one_case(${pyStr(u.name)})`));
        u.cases.forEach((c, i) => {
          w.line(`${i === 0 ? 'if' : 'elif'} ${fn} == ${c.id}:`).indent(() => {
            w.line(`at = ${pyStr(`.${c.name}`)}`);
            if (!c.type) {
              const s = l.next('s');
              w.line(`${s} = r.enter()`);
              fieldLoop(w, l, () => w.line('r.skip()'));
              w.line(`r.leave(${s})`);
              w.line(`v = ${caseClassName(u, c)}()`);
            } else {
              w.line(`v = ${caseClassName(u, c)}(${decodeSingle(ctx, w, c.type, l)})`);
            }
          });
        });
        w.line('else:').indent(() => w.line(`raise _g.pb_unknown_case(${pyStr(u.name)}, ${fn})`));
      });
    });
    w.line('except _g.CodecError as e:').indent(() => w.line('e.path = at + e.path').line('raise'));
    w.line('if v is None:').indent(() => w.line(`raise _g.pb_one_case(${pyStr(u.name)})`));
    w.line('return v');
  });
}

/** A value payload (alias, result, enum...): field 1 of its wrapper message. */
export function emitValuePb(ctx: Ctx, w: Writer, key: string, t: TypeRef, vt: string): void {
  w.line('');
  w.line('');
  if (isMessage(t)) {
    // An alias of a struct or union travels as that message, as the type itself would.
    w.line(`def _pw_${key}(b: bytearray, v: ${vt}) -> None:`).indent(() => w.line(`${ctx.codecName(t, '_pw')}(b, v)`));
    w.line('');
    w.line('');
    w.line(`def _pr_${key}(r: _g.PbReader) -> ${vt}:`).indent(() => w.line(`return ${ctx.codecName(t, '_pr')}(r)`));
    return;
  }
  w.line(`def _pw_${key}(b: bytearray, v: ${vt}) -> None:`).indent(() => encodeField(ctx, w, t, 1, 'v', 'b', new Locals()));
  w.line('');
  w.line('');
  w.line(`def _pr_${key}(r: _g.PbReader) -> ${vt}:`).indent(() => {
    const l = new Locals();
    w.line(`v: ${vt} | None = None`);
    if (!repeated(t)) w.line('seen = False');
    fieldLoop(w, l, (fn) => {
      w.line(`if ${fn} == 1:`).indent(() => {
        if (!repeated(t)) {
          w.line('if seen:').indent(() => w.line('raise _g.pb_duplicate()'));
          w.line('seen = True');
        }
        decodeInto(ctx, w, t, 'v', l);
      });
      w.line('else:').indent(() => w.line('r.skip()'));
    });
    const zero = zeroOf(ctx, t);
    if (t.kind === 'optional') w.line('return v');
    else if (zero === undefined) {
      w.line('if v is None:').indent(() => w.line('raise _g.pb_missing()'));
      w.line('return v');
    } else w.line(`return ${zero} if v is None else v`);
  });
}
