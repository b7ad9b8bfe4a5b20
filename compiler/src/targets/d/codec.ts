// Codecs by delegation (ADR 0029): the D module declares the C type descriptors the C target's
// code defines (extern(C)), and every declared type gets `codec.T`, a rt.TypeCodec over its
// descriptor: runtime-c encodes, decodes and checks; the runtime's conversions walk the D value.

import { namesOf } from '../c/names.js';
import type { Ctx, CodeWriter } from './context.js';
import { typeName } from './names.js';

/** `interop_vectors_Point_type`: the C descriptor of a declared type. */
export function descriptorName(ctx: Ctx, idlName: string): string {
  return `${namesOf(ctx.bundle, ctx.module.name).type(idlName)}_type`;
}

export function emitCodecs(ctx: Ctx, w: CodeWriter): void {
  if (ctx.module.types.length === 0) return;
  w.line('');
  w.line('// The C type descriptors of the generated C code (the C target\'s names).');
  for (const d of ctx.module.types) w.line(`extern (C) extern __gshared const rt.interop_type ${descriptorName(ctx, d.name)};`);
  w.line('');
  w.line('/// The codec of each declared type: `codec.T.encode(value, rt.Codec.json)`, `codec.T.decode(bytes, rt.Codec.json)`.');
  w.block('struct codec {', () => {
    for (const d of ctx.module.types) {
      const t = typeName(d.name, d.annotations);
      w.line(`alias ${t} = rt.TypeCodec!(.${t}, ${descriptorName(ctx, d.name)});`);
    }
  }, '}');
}
