// The module's API, placeholder until the runtime's calls land: function parameter records.

import type { Ctx, Writer } from './context.js';
import { emitRecordCodec } from './codec.js';
import { atom } from './context.js';

/** The record of a function's parameters: `Params'post` (the `'` keeps it clear of IDL names). */
export function paramsType(ctx: Ctx, fn: string): string {
  return `Params'${ctx.names.client.get(fn)!}`;
}

export function emitApi(ctx: Ctx, w: Writer): void {
  for (const fn of ctx.module.functions) {
    if (fn.kind === 'stream') continue;
    const type = paramsType(ctx, fn.name);
    w.line('');
    w.line(`-- | The parameters of ${fn.name}, as they travel (docs/wire.md §3.3).`);
    w.line(`data ${type} = ${type}${fn.params.map((p) => ` !${atom(ctx.hsType(p.type))}`).join('')}`);
    w.indent(() => w.line('deriving (P.Eq, P.Show, G.Generic)'));
    const vars = fn.params.map((_, i) => `a${i}`);
    emitRecordCodec(ctx, w, {
      type,
      ctor: type,
      label: `${ctx.module.name}.${fn.name} params`,
      fields: fn.params,
      get: (_f, i) => vars[i]!,
      pattern: vars.length === 0 ? '_' : `(${type} ${vars.join(' ')})`,
    });
  }
}
