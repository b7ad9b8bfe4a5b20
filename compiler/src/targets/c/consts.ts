// Constants: scalars, enums and strings as macros in the header (usable in constant expressions);
// lists, maps and optionals as const objects defined in the source.

import { Values } from './codec.js';
import { Ctx, CodeWriter, cDoc } from './context.js';

export function emitConsts(ctx: Ctx, h: CodeWriter, c: CodeWriter): void {
  if (ctx.module.consts.length === 0) return;
  h.line('');
  const values = new Values(ctx);
  for (const k of ctx.module.consts) {
    const name = ctx.names.constant(k.name);
    const doc = cDoc(k.doc);
    if (doc) h.line(doc);
    const ct = ctx.cType(k.type);
    const init = values.init(k.type, k.value);
    if (k.type.kind === 'scalar' || (k.type.kind === 'ref' && k.type.declKind === 'enum')) {
      const text = init.startsWith('{') ? `((${ct})${init})` : `((${ct})${init})`;
      h.line(`#define ${name} ${text}`);
    } else {
      h.line(`extern const ${ct}${ct.endsWith('*') ? '' : ' '}${name};`);
      c.line(`const ${ct}${ct.endsWith('*') ? '' : ' '}${name} = ${init};`);
    }
  }
}
