// Per-type encode and decode functions for both codecs (docs/wire.md §3), generated as straight
// Python code (no reflection at run time), and the TypeCodec object that bundles them:
//   _jw_X(v) -> str        canonical JSON text
//   _jr_X(x, d, md) -> X   checks a parsed JSON tree; d = depth of x, md = max_depth
//   _mt_X(v) -> tree       plain tree for the canonical msgpack writer
//   _mr_X(x, d, md) -> X   checks a parsed msgpack tree
// The expression builders below recurse over the type; containers get comprehensions.

import type { Bundle, EnumDecl, ErrorDecl, Field, ScalarName, StructDecl, TypeRef, UnionDecl } from '../../ir/types.js';
import { type Ctx, type PyField, type Writer, caseClassName, declPyName, pyStr } from './context.js';
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

// ---- JSON read --------------------------------------------------------------------------------

function jsonKeyRead(ctx: Ctx, t: TypeRef, k: string, what: string): string {
  if (t.kind === 'scalar') return t.name === 'string' ? k : `_g.read_int_text(${k}, ${BOUNDS[t.name]}, ${what})`;
  if (t.kind === 'ref' && t.declKind === 'enum') return `_g.read_json_enum_key(${ctx.typeName(t)}, ${k}, ${what})`;
  throw new Error(`python target: unsupported map key ${t.kind}`);
}

export function jr(ctx: Ctx, t: TypeRef, x: string, d: number, lvl: number, what: string): string {
  switch (t.kind) {
    case 'scalar':
      switch (t.name) {
        case 'bool':
          return `_g.read_bool(${x}, ${what})`;
        case 'f32':
          return `_g.read_json_f32(${x}, ${what})`;
        case 'f64':
          return `_g.read_json_f64(${x}, ${what})`;
        case 'string':
          return `_g.read_str(${x}, ${what})`;
        case 'bytes':
          return `_g.read_base64(${x}, ${what})`;
        default:
          return is64(t.name) ? `_g.read_int_text(${x}, ${BOUNDS[t.name]}, ${what})` : `_g.read_json_int(${x}, ${BOUNDS[t.name]}, ${what})`;
      }
    case 'list': {
      const e = `x${lvl}`;
      return `[${jr(ctx, t.element, e, d + 1, lvl + 1, what)} for ${e} in _g.read_list(${x}, ${depth(d)}, md, ${what})]`;
    }
    case 'map': {
      const k = `k${lvl}`;
      const e = `x${lvl}`;
      return `{${jsonKeyRead(ctx, t.key, k, what)}: ${jr(ctx, t.value, e, d + 1, lvl + 1, what)} for ${k}, ${e} in _g.read_map(${x}, ${depth(d)}, md, ${what}).items()}`;
    }
    case 'optional':
      return `(None if ${x} is None else ${jr(ctx, t.inner, x, d, lvl, what)})`;
    case 'ref':
      if (t.declKind === 'enum') return `_g.read_json_enum(${ctx.typeName(t)}, ${x}, ${what})`;
      return `${ctx.codecName(t, '_jr')}(${x}, ${depth(d)}, md)`;
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
      if (t.name === 'f64') return `_g.canon_f64(${v})`;
      return v;
    case 'list': {
      if (mtIdentity(t.element)) return `list(${v})`;
      const x = `x${lvl}`;
      return `[${mt(ctx, t.element, x, lvl + 1)} for ${x} in ${v}]`;
    }
    case 'map': {
      if (mtIdentity(t.value)) return `dict(sorted(${v}.items()))`;
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

// ---- msgpack read -----------------------------------------------------------------------------

function mpKeyRead(ctx: Ctx, t: TypeRef, k: string, what: string): string {
  if (t.kind === 'scalar') return t.name === 'string' ? `_g.read_str(${k}, ${what})` : `_g.read_int(${k}, ${BOUNDS[t.name]}, ${what})`;
  if (t.kind === 'ref' && t.declKind === 'enum') return `${ctx.typeName(t)}(_g.read_int(${k}, _g.I32, ${what}))`;
  throw new Error(`python target: unsupported map key ${t.kind}`);
}

export function mr(ctx: Ctx, t: TypeRef, x: string, d: number, lvl: number, what: string): string {
  switch (t.kind) {
    case 'scalar':
      switch (t.name) {
        case 'bool':
          return `_g.read_bool(${x}, ${what})`;
        case 'f32':
          return `_g.read_f32(${x}, ${what})`;
        case 'f64':
          return `_g.read_f64(${x}, ${what})`;
        case 'string':
          return `_g.read_str(${x}, ${what})`;
        case 'bytes':
          return `_g.read_bin(${x}, ${what})`;
        default:
          return `_g.read_int(${x}, ${BOUNDS[t.name]}, ${what})`;
      }
    case 'list': {
      const e = `x${lvl}`;
      return `[${mr(ctx, t.element, e, d + 1, lvl + 1, what)} for ${e} in _g.read_list(${x}, ${depth(d)}, md, ${what})]`;
    }
    case 'map': {
      const k = `k${lvl}`;
      const e = `x${lvl}`;
      return `{${mpKeyRead(ctx, t.key, k, what)}: ${mr(ctx, t.value, e, d + 1, lvl + 1, what)} for ${k}, ${e} in _g.read_map(${x}, ${depth(d)}, md, ${what}).items()}`;
    }
    case 'optional':
      return `(None if ${x} is None else ${mr(ctx, t.inner, x, d, lvl, what)})`;
    case 'ref':
      if (t.declKind === 'enum') return `${ctx.typeName(t)}(_g.read_int(${x}, _g.I32, ${what}))`;
      return `${ctx.codecName(t, '_mr')}(${x}, ${depth(d)}, md)`;
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
  /** Builds the value from local variables a0, a1, … (in `fields` order). */
  construct: (locals: string[]) => string;
}

function emitRecordCodec(ctx: Ctx, w: Writer, r: RecordShape): void {
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
  // msgpack tree: a map keyed by field id, built in ascending id order (dicts keep it).
  w.line('');
  w.line('');
  w.line(`def _mt_${r.key}(v: ${r.valueType}) -> _t.Any:`).indent(() => {
    w.line('o: dict[int, _t.Any] = {}');
    for (const { f, i } of sorted) {
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

function emitRecordRead(ctx: Ctx, w: Writer, r: RecordShape, codec: 'json' | 'msgpack'): void {
  const json = codec === 'json';
  const known = `_${json ? 'JK' : 'MK'}_${r.key}`;
  const keys = r.fields.map((f) => (json ? pyStr(f.field.name) : String(f.field.id)));
  w.line('');
  w.line('');
  w.line(`${known}: frozenset[_t.Any] = frozenset((${keys.join(', ')}${keys.length === 1 ? ',' : ''}))`);
  w.line('');
  w.line('');
  w.line(`def _${json ? 'jr' : 'mr'}_${r.key}(x: _t.Any, d: int, md: int) -> ${r.valueType}:`).indent(() => {
    w.line(`o = _g.read_map(x, d, md, ${pyStr(r.label)})`);
    w.line(`if not o.keys() <= ${known}:`).indent(() => w.line(`_g.skip_unknown(o, ${known}, d, md)`));
    const locals: string[] = [];
    r.fields.forEach((f, i) => {
      const local = `a${i}`;
      locals.push(local);
      const key = json ? pyStr(f.field.name) : String(f.field.id);
      const what = pyStr(`${r.label}.${f.field.name}`);
      const read = (t: TypeRef, src: string): string => (json ? jr(ctx, t, src, 1, 0, what) : mr(ctx, t, src, 1, 0, what));
      const ann = pyType(ctx, f.field.type);
      if (f.field.type.kind === 'optional') {
        // An absent optional, or one sent as null/nil, is None.
        w.line(`f = o.get(${key})`);
        w.line(`${local}: ${ann} = None if f is None else ${read(f.field.type.inner, 'f')}`);
        return;
      }
      w.line(`f = o.get(${key}, _g.MISSING)`);
      const zero = zeroExpr(ctx, f.field);
      if (zero === undefined) {
        w.line('if f is _g.MISSING:').indent(() => w.line(`raise _g.missing(${what})`));
        w.line(`${local}: ${ann} = ${read(f.field.type, 'f')}`);
      } else w.line(`${local}: ${ann} = ${zero} if f is _g.MISSING else ${read(f.field.type, 'f')}`);
    });
    w.line(`return ${r.construct(locals)}`);
  });
}

function emitTypeCodec(w: Writer, key: string, valueType: string, qualified: string, f32: boolean): void {
  w.line('');
  w.line(
    `_C_${key}: _rt.TypeCodec[${valueType}] = _rt.TypeCodec(${pyStr(qualified)}, _jw_${key}, _jr_${key}, _mt_${key}, _mr_${key}, ${f32 ? 'True' : 'False'})`,
  );
}

export function emitStructCodec(ctx: Ctx, w: Writer, s: StructDecl | ErrorDecl, fields: PyField[]): void {
  const name = declPyName(s);
  emitRecordCodec(ctx, w, {
    key: name,
    valueType: name,
    label: s.name,
    fields,
    access: (f) => `v.${f.py}`,
    construct: (locals) => `${name}(${fields.map((f, i) => `${f.py}=${locals[i]}`).join(', ')})`,
  });
  const ref: Ref = { kind: 'ref', module: ctx.module.name, name: s.name, declKind: s.kind };
  emitTypeCodec(w, name, name, `${ctx.module.name}.${s.name}`, hasF32(ctx, ref));
}

/** The implicit params struct of a function: the value is a tuple of the arguments. */
export function emitParamsCodec(ctx: Ctx, w: Writer, key: string, label: string, fields: PyField[]): void {
  const tupleType = fields.length === 0 ? 'tuple[()]' : `tuple[${fields.map((f) => pyType(ctx, f.field.type)).join(', ')}]`;
  emitRecordCodec(ctx, w, {
    key,
    valueType: tupleType,
    label,
    fields,
    access: (_f, i) => `v[${i}]`,
    construct: (locals) => (locals.length === 0 ? '()' : `(${locals.join(', ')}${locals.length === 1 ? ',' : ''})`),
  });
  const f32 = fields.some((f) => hasF32(ctx, f.field.type));
  emitTypeCodec(w, key, tupleType as string, label, f32);
}

export function emitUnionCodec(ctx: Ctx, w: Writer, u: UnionDecl): void {
  const name = declPyName(u);
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
    w.line(`raise _g.not_a_case(v, ${pyStr(u.name)})`);
  });
  w.line('');
  w.line('');
  w.line(`def _mt_${name}(v: ${name}) -> _t.Any:`).indent(() => {
    for (const c of u.cases) {
      w.line(`if isinstance(v, ${caseClassName(u, c)}):`).indent(() => {
        w.line(`return {${c.id}: ${c.type ? mt(ctx, c.type, 'v.value', 0) : 'None'}}`);
      });
    }
    w.line(`raise _g.not_a_case(v, ${pyStr(u.name)})`);
  });
  for (const codec of ['json', 'msgpack'] as const) {
    const json = codec === 'json';
    w.line('');
    w.line('');
    w.line(`def _${json ? 'jr' : 'mr'}_${name}(x: _t.Any, d: int, md: int) -> ${name}:`).indent(() => {
      w.line(`case, f = _g.read_one_entry(_g.read_map(x, d, md, ${pyStr(u.name)}), ${pyStr(u.name)})`);
      for (const c of u.cases) {
        const what = pyStr(`${u.name}.${c.name}`);
        w.line(`if case == ${json ? pyStr(c.name) : c.id}:`).indent(() => {
          if (!c.type) {
            w.line(`_g.read_nil(f, ${what})`);
            w.line(`return ${caseClassName(u, c)}()`);
          } else {
            const read = json ? jr(ctx, c.type, 'f', 1, 0, what) : mr(ctx, c.type, 'f', 1, 0, what);
            w.line(`return ${caseClassName(u, c)}(${read})`);
          }
        });
      }
      w.line(`raise _g.unknown_case(case, ${pyStr(u.name)})`);
    });
  }
  const ref: Ref = { kind: 'ref', module: ctx.module.name, name: u.name, declKind: 'union' };
  emitTypeCodec(w, name, name, `${ctx.module.name}.${u.name}`, hasF32(ctx, ref));
}

/** A codec for any type used as a whole payload (an alias, a result, an event payload, an enum). */
export function emitValueCodec(ctx: Ctx, w: Writer, key: string, t: TypeRef, qualified: string): void {
  const vt = pyType(ctx, t);
  const what = pyStr(qualified);
  w.line('');
  w.line('');
  w.line(`def _jw_${key}(v: ${vt}) -> str:`).indent(() => w.line(`return ${jw(ctx, t, 'v', 0)}`));
  w.line('');
  w.line('');
  w.line(`def _jr_${key}(x: _t.Any, d: int, md: int) -> ${vt}:`).indent(() => w.line(`return ${jr(ctx, t, 'x', 0, 0, what)}`));
  w.line('');
  w.line('');
  w.line(`def _mt_${key}(v: ${vt}) -> _t.Any:`).indent(() => w.line(`return ${mt(ctx, t, 'v', 0)}`));
  w.line('');
  w.line('');
  w.line(`def _mr_${key}(x: _t.Any, d: int, md: int) -> ${vt}:`).indent(() => w.line(`return ${mr(ctx, t, 'x', 0, 0, what)}`));
  emitTypeCodec(w, key, vt, qualified, hasF32(ctx, t));
}

export function enumRef(ctx: Ctx, e: EnumDecl): Ref {
  return { kind: 'ref', module: ctx.module.name, name: e.name, declKind: 'enum' };
}

export type { Field };
