// Per-type value checks, generated as straight Python (docs/wire.md §3.4):
//   _ck_X(v) -> None    raises _g.CodecError unless v is a value of X
// TypeCodec.encode runs it before writing and the direct transport runs it on calls that are never
// encoded, so every path refuses the same values with the same error (runtime-ts's checks.ts has
// the same rules). The common case is tested inline (`type(x) is int and lo <= x <= hi`); a helper
// of interop_runtime.codec.check runs only when that test fails. Paths cost nothing until an error:
// a scalar raises with its segment, and each container or nested declaration adds its own in an
// `except` clause as the error unwinds (`.tags`, `[3]`, `["key"]`).

import type { ScalarName, TypeRef, UnionDecl } from '../../ir/types.js';
import { type Ctx, type PyField, type Writer, caseClassName, declPyName, pyStr } from './context.js';

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

/** The inline test that `x` is a value of the scalar type, and the statement to run when it fails. */
function scalarCheck(name: ScalarName, x: string, seg: string): { ok: string; fail: string } {
  const range = INT_RANGES[name];
  if (range !== undefined) {
    return { ok: `type(${x}) is int and ${range[0]} <= ${x} <= ${range[1]}`, fail: `raise _g.mismatch("${name}", ${x}, ${seg})` };
  }
  switch (name) {
    case 'bool':
      return { ok: `type(${x}) is bool`, fail: `raise _g.mismatch("bool", ${x}, ${seg})` };
    case 'f32':
    case 'f64':
      return { ok: `type(${x}) is float`, fail: `_g.check_float(${x}, "${name}", ${seg})` };
    case 'string':
      return { ok: `type(${x}) is str and ${x}.isascii()`, fail: `_g.check_str(${x}, ${seg})` };
    case 'bytes':
      return { ok: `type(${x}) is bytes`, fail: `_g.check_bytes(${x}, ${seg})` };
    default:
      throw new Error(`python target: no check for scalar ${name}`);
  }
}

/** `seg + more` as a Python expression, without the `"" + ` when `seg` is empty. */
function join(seg: string, more: string): string {
  return seg === '""' ? more : `${seg} + ${more}`;
}

/**
 * Statements that check the value in the variable `x` as `t`. `seg` (a Python string literal) is
 * the path segment of `x` within the function's value: `".tags"`, or `""` inside a container, whose
 * `except` clause adds the element's index or key. `lvl` numbers the loop variables.
 */
export function checkStmts(w: Writer, ctx: Ctx, t: TypeRef, x: string, seg: string, lvl: number): void {
  switch (t.kind) {
    case 'scalar': {
      const s = scalarCheck(t.name, x, seg);
      w.line(`if not (${s.ok}):`).indent(() => w.line(s.fail));
      return;
    }
    case 'optional':
      if (t.inner.kind === 'scalar') {
        const s = scalarCheck(t.inner.name, x, seg);
        w.line(`if not (${x} is None or ${s.ok}):`).indent(() => w.line(s.fail));
        return;
      }
      w.line(`if ${x} is not None:`).indent(() => checkStmts(w, ctx, t.inner, x, seg, lvl));
      return;
    case 'ref': {
      if (t.declKind === 'enum') {
        const cls = ctx.typeName(t);
        const ok = `type(${x}) is ${cls} and ${INT_RANGES.i32![0]} <= ${x} <= ${INT_RANGES.i32![1]}`;
        w.line(`if not (${ok}):`).indent(() => w.line(`_g.check_enum(${x}, ${cls}, ${pyStr(t.name)}, ${seg})`));
        return;
      }
      const call = `${ctx.codecName(t, '_ck')}(${x})`;
      if (seg === '""') {
        w.line(call);
        return;
      }
      w.line('try:').indent(() => w.line(call));
      w.line(`except _g.CodecError as e${lvl}:`).indent(() => w.line(`raise _g.within(e${lvl}, ${seg}) from None`));
      return;
    }
    case 'list': {
      const e = `x${lvl + 1}`;
      w.line(`if type(${x}) is not list:`).indent(() => w.line(`_g.check_list(${x}, ${seg})`));
      w.line('try:').indent(() => {
        w.line(`for ${e} in ${x}:`).indent(() => checkStmts(w, ctx, t.element, e, '""', lvl + 1));
      });
      w.line(`except _g.CodecError as e${lvl}:`).indent(() => {
        w.line(`raise _g.within(e${lvl}, ${join(seg, `_g.index_of(${x}, ${e})`)}) from None`);
      });
      return;
    }
    case 'map': {
      const k = `k${lvl + 1}`;
      const e = `x${lvl + 1}`;
      const stringKeys = t.key.kind === 'scalar' && t.key.name === 'string';
      w.line(`if type(${x}) is not dict:`).indent(() => w.line(`_g.check_map(${x}, ${seg})`));
      w.line('try:').indent(() => {
        w.line(`for ${k}, ${e} in ${x}.items():`).indent(() => {
          checkStmts(w, ctx, t.key, k, '""', lvl + 1);
          checkStmts(w, ctx, t.value, e, '""', lvl + 1);
        });
      });
      w.line(`except _g.CodecError as e${lvl}:`).indent(() => {
        w.line(`raise _g.within(e${lvl}, ${join(seg, `_g.key_of(${k}, ${stringKeys ? 'True' : 'False'})`)}) from None`);
      });
      return;
    }
  }
}

/**
 * The check of a record: a struct or error (`cls` is its class, `typeName` its IDL name), or a
 * function's parameters (a tuple the generated client builds: `cls` undefined). Fields in
 * ascending id order, as the encoders write them, so the first bad field is the one reported.
 */
export function emitRecordCheck(ctx: Ctx, w: Writer, key: string, fields: PyField[], access: (f: PyField, i: number) => string, cls?: { py: string; idl: string }): void {
  w.line('');
  w.line('');
  w.line(`def _ck_${key}(v: _t.Any) -> None:`).indent(() => {
    if (cls !== undefined) w.line(`if not isinstance(v, ${cls.py}):`).indent(() => w.line(`raise _g.mismatch(${pyStr(cls.idl)}, v)`));
    const sorted = fields.map((f, i) => ({ f, i })).sort((a, b) => a.f.field.id - b.f.field.id);
    // Any: the isinstance test above narrows `v`, and each field would give `x` another type.
    if (sorted.length > 0) w.line('x: _t.Any');
    for (const { f, i } of sorted) {
      w.line(`x = ${access(f, i)}`);
      checkStmts(w, ctx, f.field.type, 'x', pyStr(`.${f.field.name}`), 0);
    }
    if (cls === undefined && sorted.length === 0) w.line('pass');
  });
}

export function emitUnionCheck(ctx: Ctx, w: Writer, u: UnionDecl): void {
  w.line('');
  w.line('');
  w.line(`def _ck_${declPyName(u)}(v: _t.Any) -> None:`).indent(() => {
    if (u.cases.some((c) => c.type !== undefined)) w.line('x: _t.Any');
    u.cases.forEach((c, i) => {
      w.line(`${i === 0 ? 'if' : 'elif'} isinstance(v, ${caseClassName(u, c)}):`).indent(() => {
        if (c.type === undefined) {
          w.line('pass');
          return;
        }
        w.line('x = v.value');
        checkStmts(w, ctx, c.type, 'x', pyStr(`.${c.name}`), 0);
      });
    });
    const refuse = `raise _g.mismatch(${pyStr(u.name)}, v)`;
    if (u.cases.length === 0) w.line(refuse);
    else w.line('else:').indent(() => w.line(refuse));
  });
}

/** The check of any type used as a whole payload (an alias, a result, an event payload, an enum). */
export function emitValueCheck(ctx: Ctx, w: Writer, key: string, t: TypeRef): void {
  w.line('');
  w.line('');
  w.line(`def _ck_${key}(v: _t.Any) -> None:`).indent(() => checkStmts(w, ctx, t, 'v', '""', 0));
}
