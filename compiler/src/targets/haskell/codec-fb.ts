// The flatbuffers codec of every declared type, as an instance of the runtime's Fb class
// (docs/wire.md §3.6, docs/types.md "FlatBuffers"): a record is a table whose field of id N sits
// in slot N - 1; a union is a table { value_type (slot 0), value (slot 1) } whose case table holds
// the case's value in slot 0; an enum is its int32. Short compositions of runtime helpers
// (Interop.Runtime.Codec.Flatbuffers), as for the other codecs (codec.ts).

import type { EnumDecl, UnionDecl } from '../../ir/types.js';
import type { RecordShape } from './codec.js';
import { type Ctx, type Writer, atom, hsStr } from './context.js';
import { sortedById } from './types.js';
import { defaultExpr } from './values.js';
import { MAX_FIELD_ID } from '../fbs/index.js';

export function emitRecordFb(ctx: Ctx, w: Writer, r: RecordShape): void {
  const ordered = sortedById(r.fields).map((f) => ({ f, i: r.fields.indexOf(f) }));
  const slots = ordered.map(({ f, i }) => `(${f.id - 1}, G.fbSlot ${atom(r.get(f, i))})`);
  const readers = r.fields.map((f) => {
    const name = hsStr(f.name);
    const def = f.type.kind === 'optional' ? undefined : defaultExpr(ctx, f);
    return def === undefined ? `G.fbField ${name} t ${f.id - 1}` : `G.fbFieldDefault ${name} t ${f.id - 1} ${atom(def)}`;
  });
  w.line('');
  w.line(`instance G.Fb ${r.type} where`);
  // A field id FlatBuffers cannot take (`interopc gen --lang fbs` refuses it, E0703): sending the
  // record in flatbuffers is an error, not a vtable of millions of slots.
  const tooBig = r.fields.find((f) => f.id > MAX_FIELD_ID);
  w.indent(() => {
    if (tooBig) w.line(`fbSlot _ = G.fbInexpressible ${hsStr(`${r.label}: field id ${tooBig.id} is past ${MAX_FIELD_ID}: cannot be sent as flatbuffers`)}`);
    else w.line(`fbSlot ${r.pattern} = G.fbRecord [${slots.join(', ')}]`);
    const body = r.fields.length === 0 ? `P.pure ${r.ctor}` : `${r.ctor} P.<$> ${readers.join(' P.<*> ')}`;
    w.line(`fbRead p = G.fbTable p (\\${r.fields.length === 0 ? '_' : 't'} -> ${body})`);
    w.line('fbIsTable _ = P.True');
    w.line(`fbName _ = ${hsStr(r.label)}`);
  });
}

export function emitUnionFb(ctx: Ctx, w: Writer, d: UnionDecl): void {
  const name = ctx.names.types.get(d.name)!;
  const ctor = (c: string): string => ctx.names.cases.get(`${d.name}.${c}`)!;
  const label = hsStr(d.name);
  w.line('');
  w.line(`instance G.Fb ${name} where`);
  w.indent(() => {
    w.line('fbSlot v = case v of');
    w.indent(() => {
      for (const c of d.cases) w.line(`${ctor(c.name)}${c.type ? ' x' : ''} -> G.fbUnion ${c.id} ${c.type ? '(G.fbSlot x)' : 'P.Nothing'}`);
    });
    w.line(`fbRead p = G.fbTable p (\\t -> G.fbUnionCase ${label} t (\\k c -> case k of`);
    w.indent(() => {
      for (const c of d.cases) {
        if (c.type) w.line(`${c.id} -> ${ctor(c.name)} P.<$> G.fbField ${hsStr(c.name)} c 0`);
        else w.line(`${c.id} -> P.pure ${ctor(c.name)}`);
      }
      w.line(`_ -> G.fbUnknownCase ${label} k))`);
    });
    w.line('fbIsTable _ = P.True');
    w.line(`fbName _ = ${label}`);
  });
}

export function emitEnumFb(ctx: Ctx, w: Writer, d: EnumDecl): void {
  const name = ctx.names.types.get(d.name)!;
  w.line('');
  w.line(`instance G.Fb ${name} where`);
  w.indent(() => {
    w.line('fbSlot = G.fbEnumSlot G.enumValue');
    w.line('fbWidth _ = 4');
    w.line('fbRead = G.fbEnumRead G.enumFromValue');
    w.line('fbAbsent = G.zeroValue');
    w.line('fbKey = G.fbEnumKey G.enumValue');
    // An enum payload's messages start with its name, as a struct's do ("Color: …").
    w.line(`fbName _ = ${hsStr(d.name)}`);
  });
}
