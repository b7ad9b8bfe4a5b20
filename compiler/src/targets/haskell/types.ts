// Haskell declarations for an IDL module's types: a record with strict fields per struct and per
// error (an exception type), a sum type per union, an open enum (its members and an Unknown
// constructor) per enum, a newtype per alias, a top-level value per constant.

import type { AliasDecl, EnumDecl, ErrorDecl, Field, StructDecl, UnionDecl } from '../../ir/types.js';
import { type Ctx, type Writer, atom, hsStr } from './context.js';
import { constExpr } from './values.js';


export function sortedById(fields: Field[]): Field[] {
  return [...fields].sort((a, b) => a.id - b.id);
}

export function emitRecord(ctx: Ctx, w: Writer, d: StructDecl | ErrorDecl): void {
  const name = ctx.names.types.get(d.name)!;
  w.line('');
  w.doc(d.doc);
  if (d.fields.length === 0) {
    w.line(`data ${name} = ${name}`);
  } else {
    w.line(`data ${name} = ${name}`);
    w.indent(() => {
      d.fields.forEach((f, i) => {
        w.line(`${i === 0 ? '{' : ','} ${ctx.names.fields.get(`${d.name}.${f.name}`)!} :: !${atom(ctx.hsType(f.type))}`);
        if (f.doc) w.indent(() => w.doc(f.doc, '^'));
      });
      w.line('}');
    });
  }
  emitProductInstances(w, {
    type: name,
    fieldNames: d.fields.map((f) => ctx.names.fields.get(`${d.name}.${f.name}`)!),
    arity: d.fields.length,
    ord: true,
  });
  if (d.kind === 'error') {
    w.line('');
    w.line(`instance G.Exception ${name}`);
    w.line('');
    w.line(`instance G.DeclaredError ${name} where`);
    w.indent(() => w.line(`errorTypeName _ = ${JSON.stringify(`${ctx.module.name}.${d.name}`)}`));
  }
}

/**
 * Eq, Ord (when asked) and Show of a record or of a function's parameters (positional fields,
 * without field names): what `deriving (Eq, Ord, Show)` gives, written as calls into the runtime
 * (Interop.Runtime.Derived). Derived instances are expanded in full for every record, and on a
 * schema of hundreds of declarations they were much of GHC's time (docs/haskell.md, Compile times).
 * Users who want Generic (or more) derive it standalone: `deriving instance Generic Point`.
 */
export function emitProductInstances(w: Writer, p: { type: string; fieldNames?: string[]; arity: number; ord: boolean }): void {
  const each = (one: (i: number) => string, sep: string, none: string): string =>
    p.arity === 0 ? none : Array.from({ length: p.arity }, (_, i) => one(i)).join(sep);
  const pattern = (v: string): string => (p.arity === 0 ? p.type : `(${p.type} ${each((i) => `${v}${i}`, ' ', '')})`);
  const ctor = JSON.stringify(p.type);
  w.line('');
  w.line(`instance P.Eq ${p.type} where`);
  w.indent(() => w.line(`${pattern('a')} == ${pattern('b')} = ${each((i) => `G.eqField a${i} b${i}`, ' P.&& ', 'P.True')}`));
  if (p.ord) {
    w.line('');
    w.line(`instance P.Ord ${p.type} where`);
    w.indent(() => w.line(`compare ${pattern('a')} ${pattern('b')} = ${each((i) => `G.compareField a${i} b${i}`, ' P.<> ', 'P.EQ')}`));
  }
  w.line('');
  w.line(`instance P.Show ${p.type} where`);
  const names = p.fieldNames;
  const shows =
    names && p.arity > 0
      ? `G.showsRecord d ${ctor} [${each((i) => `G.showsField ${JSON.stringify(names[i])} a${i}`, ', ', '')}]`
      : `G.showsCon d ${ctor} [${each((i) => `G.showsArg a${i}`, ', ', '')}]`;
  w.indent(() => w.line(`showsPrec d ${pattern('a')} = ${shows}`));
}

export function emitUnion(ctx: Ctx, w: Writer, d: UnionDecl): void {
  const name = ctx.names.types.get(d.name)!;
  w.line('');
  w.doc(d.doc);
  w.line(`data ${name}`);
  w.indent(() => {
    d.cases.forEach((c, i) => {
      const ctor = ctx.names.cases.get(`${d.name}.${c.name}`)!;
      w.line(`${i === 0 ? '=' : '|'} ${ctor}${c.type ? ` !${atom(ctx.hsType(c.type))}` : ''}`);
      if (c.doc) w.indent(() => w.doc(c.doc, '^'));
    });
    // A union's few cases: deriving is cheap enough here.
    w.line('deriving (P.Eq, P.Ord, P.Show)');
  });
}

/**
 * An open enum: one constructor per member and `<Enum>Unknown n` for a value from a newer peer.
 * Equality and order go by value, so `LevelUnknown 1 == LevelLow` when LOW = 1.
 */
export function emitEnum(ctx: Ctx, w: Writer, d: EnumDecl): void {
  const name = ctx.names.types.get(d.name)!;
  const unknown = ctx.names.unknown.get(d.name)!;
  const member = (m: string): string => ctx.names.members.get(`${d.name}.${m}`)!;
  w.line('');
  w.doc(d.doc);
  w.line(`data ${name}`);
  w.indent(() => {
    d.members.forEach((m, i) => {
      w.line(`${i === 0 ? '=' : '|'} ${member(m.name)}`);
      if (m.doc) w.indent(() => w.doc(m.doc, '^'));
    });
    w.line(`${d.members.length === 0 ? '=' : '|'} ${unknown} !G.Int32`);
    w.indent(() => w.doc('a value this version does not know', '^'));
    w.line('deriving (P.Show)');
  });
  w.line('');
  w.line(`instance G.OpenEnum ${name} where`);
  w.indent(() => {
    w.line('enumValue v = case v of');
    w.indent(() => {
      for (const m of d.members) w.line(`${member(m.name)} -> ${m.value < 0 ? `(${m.value})` : m.value}`);
      w.line(`${unknown} n -> n`);
    });
    w.line('enumFromValue n = case n of');
    w.indent(() => {
      for (const m of d.members) w.line(`${m.value < 0 ? `(${m.value})` : m.value} -> ${member(m.name)}`);
      w.line(`_ -> ${unknown} n`);
    });
    w.line(`enumNames _ = [${d.members.map((m) => `(${JSON.stringify(m.name)}, ${m.value < 0 ? `(${m.value})` : m.value})`).join(', ')}]`);
  });
  w.line('');
  w.line(`instance P.Eq ${name} where`);
  w.indent(() => w.line('a == b = G.enumValue a P.== G.enumValue b'));
  w.line('');
  w.line(`instance P.Ord ${name} where`);
  w.indent(() => w.line('compare a b = P.compare (G.enumValue a) (G.enumValue b)'));
}

export function emitAlias(ctx: Ctx, w: Writer, d: AliasDecl): void {
  const name = ctx.names.types.get(d.name)!;
  const key = isKeyType(d.type);
  w.line('');
  w.doc(d.doc);
  const target = ctx.hsType(d.type);
  w.line(`newtype ${name} = ${name} {${ctx.names.unwrap.get(d.name)!} :: ${target}}`);
  w.indent(() => {
    // An alias of a declared type keeps that type's codec and its name in messages (as in TS);
    // any other alias names its payloads' messages itself ("Points[2].y: …").
    if (d.type.kind === 'ref') {
      w.line(`deriving newtype (P.Eq, P.Ord, P.Show, G.Fb, G.Wire${key ? ', G.WireKey' : ''})`);
      return;
    }
    w.line(`deriving newtype (P.Eq, P.Ord, P.Show${key ? ', G.WireKey' : ''})`);
    w.line(`deriving (G.Fb, G.Wire) via (G.Named ${hsStr(d.name)} ${atom(target)})`);
  });
}

/** Whether a type can be a map key (docs/wire.md §3.1): an integer, a string or an enum. */
export function isKeyType(t: AliasDecl['type']): boolean {
  if (t.kind === 'scalar') return !['bool', 'f32', 'f64', 'bytes'].includes(t.name);
  return t.kind === 'ref' && t.declKind === 'enum';
}

export function emitConsts(ctx: Ctx, w: Writer): void {
  for (const c of ctx.module.consts) {
    const name = ctx.names.consts.get(c.name)!;
    w.line('');
    w.doc(c.doc);
    w.line(`${name} :: ${ctx.hsType(c.type)}`);
    w.line(`${name} = ${constExpr(ctx, c.value, c.type)}`);
  }
}
