// The codec of every declared type as an instance of the runtime's Wire class (docs/wire.md §3):
// records as JSON objects keyed by field name and msgpack maps keyed by field id (ascending id
// order, absent optionals left out), unions as one-entry objects, enums by name (JSON) or value
// (msgpack). protobuf (§3.5): a record's message is its fields in id order, each written and read
// by its type's Wire instance (which knows packing, wrappers and presence); a union's message
// holds one field, the case's; an enum is a varint. The instances are short compositions of runtime combinators (Interop.Runtime.Gen), so
// a module of thousands of declarations stays quick to compile; the scalar and container
// instances live in the runtime.

import type { EnumDecl, Field, TypeRef, UnionDecl } from '../../ir/types.js';
import { type Ctx, type Writer, atom, hsStr } from './context.js';
import { emitRecordFb } from './codec-fb.js';
import { sortedById } from './types.js';
import { defaultExpr } from './values.js';

/** A record to encode: a struct, an error, or a function's parameters. */
export interface RecordShape {
  /** The Haskell type and its constructor. */
  type: string;
  ctor: string;
  /** For error messages: "Point", "example.chat.post params". */
  label: string;
  fields: Field[];
  /** How the writer gets at field i: `pointX v`, or a variable bound by a pattern. */
  get: (f: Field, i: number) => string;
  /** The writer's argument: `v`, or a constructor pattern binding a0, a1, …. */
  pattern: string;
}

function jsonKey(name: string): string {
  return hsStr(`${JSON.stringify(name)}:`);
}

export function emitRecordCodec(ctx: Ctx, w: Writer, r: RecordShape): void {
  const ordered = sortedById(r.fields).map((f) => ({ f, i: r.fields.indexOf(f) }));
  const writer = (one: (f: Field, get: string) => string): string =>
    ordered.length === 0 ? '[]' : ordered.map(({ f, i }) => one(f, r.get(f, i))).join(' P.<> ');
  const label = hsStr(r.label);
  const readers = (codec: 'json' | 'msgpack'): string => {
    if (r.fields.length === 0) return `P.pure ${r.ctor}`;
    const parts = r.fields.map((f) => `${atom(fieldReader(ctx, codec, r.label, f))} o`);
    return `${r.ctor} P.<$> ${parts.join(' P.<*> ')}`;
  };
  w.line('');
  w.line(`instance G.Wire ${r.type} where`);
  w.indent(() => {
    w.line(`writeJson ${r.pattern} = G.jsonObject ${atom(writer((f, get) => {
      const t = f.type;
      return t.kind === 'optional' ? `G.jsonOptional ${jsonKey(f.name)} ${unwrapped(ctx, t, get)}` : `G.jsonField ${jsonKey(f.name)} ${atom(get)}`;
    }))}`);
    w.line(`writeMsgpack ${r.pattern} = G.msgpackObject ${atom(writer((f, get) => {
      const t = f.type;
      return t.kind === 'optional' ? `G.msgpackOptional ${f.id} ${unwrapped(ctx, t, get)}` : `G.msgpackField ${f.id} ${atom(get)}`;
    }))}`);
    w.line(`readJson = G.jsonStruct ${label} (\\${r.fields.length === 0 ? '_' : 'o'} -> ${readers('json')})`);
    w.line(`readMsgpack = G.msgpackStruct ${label} (\\${r.fields.length === 0 ? '_' : 'o'} -> ${readers('msgpack')})`);
    w.line(`pbBody ${r.pattern} = ${ordered.length === 0 ? 'P.mempty' : ordered.map(({ f, i }) => `G.pbField ${f.id} ${atom(r.get(f, i))}`).join(' P.<> ')}`);
    const names = `[${ordered.map(({ f }) => `(${f.id}, ${hsStr(f.name)})`).join(', ')}]`;
    const pbReaders = r.fields.length === 0 ? `P.pure ${r.ctor}` : `${r.ctor} P.<$> ${r.fields.map((f) => `${atom(pbFieldReader(ctx, r.label, f))} d o`).join(' P.<*> ')}`;
    w.line(`pbReadBody = G.pbStruct ${label} ${names} (\\${r.fields.length === 0 ? '_ _' : 'd o'} -> ${pbReaders})`);
  });
  emitRecordFb(ctx, w, r);
}

/** The protobuf reader of one field: its occurrences read by the field type's instance. */
function pbFieldReader(ctx: Ctx, label: string, f: Field): string {
  const what = hsStr(`${label}.${f.name}`);
  const def = f.type.kind === 'optional' ? undefined : defaultExpr(ctx, f);
  return def !== undefined ? `G.pbDefault ${what} ${f.id} ${atom(def)}` : `G.pbRequired ${what} ${f.id}`;
}

/** The Maybe inside an optional field's value (its alias newtypes taken off). */
function unwrapped(ctx: Ctx, t: TypeRef, get: string): string {
  const unwrap = ctx.unwrapFn(t);
  return unwrap === 'P.id' ? atom(get) : `(${unwrap} ${atom(get)})`;
}

/** The reader of one field, a function of the object's fields. */
function fieldReader(ctx: Ctx, codec: 'json' | 'msgpack', label: string, f: Field): string {
  const json = codec === 'json';
  const what = hsStr(`${label}.${f.name}`);
  const key = json ? hsStr(f.name) : String(f.id);
  const t = f.type;
  if (t.kind === 'optional') {
    const read = `G.${json ? 'json' : 'msgpack'}OptionalField ${what} ${key}`;
    const wrap = ctx.wrapFn(t);
    return wrap === 'P.id' ? read : `\\o -> P.fmap ${wrap} (${read} o)`;
  }
  const def = defaultExpr(ctx, f);
  if (def !== undefined) return `G.${json ? 'json' : 'msgpack'}Default ${what} ${key} ${atom(def)}`;
  return `G.${json ? 'json' : 'msgpack'}Required ${what} ${key}`;
}

export function emitUnionCodec(ctx: Ctx, w: Writer, d: UnionDecl): void {
  const name = ctx.names.types.get(d.name)!;
  const ctor = (c: string): string => ctx.names.cases.get(`${d.name}.${c}`)!;
  const label = hsStr(`${ctx.module.name}.${d.name}`);
  w.line('');
  w.line(`instance G.Wire ${name} where`);
  w.indent(() => {
    w.line('writeJson v = case v of');
    w.indent(() => {
      for (const c of d.cases) {
        if (c.type) w.line(`${ctor(c.name)} x -> G.jsonUnion ${jsonKey(c.name)} (G.writeJson x)`);
        else w.line(`${ctor(c.name)} -> G.jsonUnion ${jsonKey(c.name)} G.jsonNull`);
      }
    });
    w.line('writeMsgpack v = case v of');
    w.indent(() => {
      for (const c of d.cases) w.line(`${ctor(c.name)}${c.type ? ' x' : ''} -> G.msgpackUnion ${c.id} ${c.type ? '(G.writeMsgpack x)' : 'G.mpNil'}`);
    });
    for (const codec of ['json', 'msgpack'] as const) {
      const json = codec === 'json';
      w.line(`read${json ? 'Json' : 'Msgpack'} v = do`);
      w.indent(() => {
        w.line(`(k, x) <- G.${codec}Case ${label} v`);
        w.line('case k of');
        w.indent(() => {
          for (const c of d.cases) {
            const what = hsStr(`${d.name}.${c.name}`);
            const pat = json ? hsStr(c.name) : `P.Just ${c.id}`;
            if (c.type) w.line(`${pat} -> ${ctor(c.name)} P.<$> G.within ${what} (G.read${json ? 'Json' : 'Msgpack'} x)`);
            else w.line(`${pat} -> ${ctor(c.name)} P.<$ G.${codec}Unit ${what} x`);
          }
          w.line(`_ -> G.unknownCase ${label} ${json ? 'k' : '(G.showText k)'}`);
        });
      });
    }
    w.line('pbBody v = case v of');
    w.indent(() => {
      for (const c of d.cases) w.line(`${ctor(c.name)}${c.type ? ' x' : ''} -> ${c.type ? `G.pbSingle ${c.id} x` : `G.pbUnit ${c.id}`}`);
    });
    w.line(`pbReadBody = G.pbUnion ${hsStr(d.name)} (\\d n x -> case n of`);
    w.indent(() => {
      for (const c of d.cases) {
        const what = hsStr(`${d.name}.${c.name}`);
        if (c.type) w.line(`${c.id} -> P.Just (${ctor(c.name)} P.<$> G.within ${what} (G.pbReadSingle d x))`);
        else w.line(`${c.id} -> P.Just (${ctor(c.name)} P.<$ G.within ${what} (G.pbUnitCase d x))`);
      }
      w.line('_ -> P.Nothing)');
    });
  });
}

export function emitEnumCodec(ctx: Ctx, w: Writer, d: EnumDecl): void {
  const name = ctx.names.types.get(d.name)!;
  const label = hsStr(`${ctx.module.name}.${d.name}`);
  const first = d.members[0];
  const zero = first ? ctx.names.members.get(`${d.name}.${first.name}`)! : `(${ctx.names.unknown.get(d.name)!} 0)`;
  w.line('');
  w.line(`instance G.Wire ${name} where`);
  w.indent(() => {
    w.line('writeJson = G.enumWriteJson');
    w.line('writeMsgpack = G.enumWriteMsgpack');
    w.line(`readJson = G.enumReadJson ${label}`);
    w.line(`readMsgpack = G.enumReadMsgpack ${label}`);
    w.line('pbSingle = G.enumPbSingle');
    w.line('pbPacked = G.enumPbPacked');
    w.line('pbReadSingle = G.enumPbRead');
    w.line(`zeroValue = P.Just ${zero}`);
  });
  w.line('');
  w.line(`instance G.WireKey ${name} where`);
  w.indent(() => {
    w.line('keyToJson = G.enumKeyToJson');
    w.line(`keyFromJson = G.enumKeyFromJson ${label}`);
  });
}
