// The client of a module: a record of IO functions, one per function (a call returns its result
// or throws; a one-way returns once sent; a client stream takes a Source and returns the answer;
// a stream with an output runs a body on the callee's Items, bracket-style, and leaving the body
// early cancels it) and one `subscribe<Event>` per event (an STM-backed subscription), built from
// an Invoker: direct when the module is hosted in this process, over the configured link
// otherwise.

import type { Ctx, Writer } from './context.js';
import { atom } from './context.js';
import { functionsOf, paramsType, resultType, specName, streamTypes } from './descriptor.js';

export function emitClient(ctx: Ctx, w: Writer): void {
  const api = ctx.names.api;
  const fns = functionsOf(ctx);
  const fields: string[] = [];
  const values: string[] = [];
  for (const fn of fns) {
    const name = ctx.names.client.get(fn.name)!;
    const params = fn.params.map((p) => `${atom(ctx.hsType(p.type))} -> `).join('');
    const vars = fn.params.map((_, i) => `a${i}`);
    const args = `(${[paramsType(ctx, fn), ...vars].join(' ')})`;
    const lambda = vars.length === 0 ? '' : `\\${vars.join(' ')} -> `;
    if (fn.kind === 'stream') {
      const { input, output } = streamTypes(ctx, fn);
      const spec = specName(ctx, 'stream', fn.name);
      const source = fn.input ? `G.Source ${atom(input)} -> ` : '';
      const src = fn.input ? ' src' : '';
      const lambdaVars = [...vars, ...(fn.input ? ['src'] : []), ...(fn.output ? ['body'] : [])];
      const lam = `\\${lambdaVars.join(' ')} -> `;
      if (fn.output) {
        fields.push(`${name} :: forall b. ${params}${source}(G.Items ${atom(output)} -> P.IO b) -> P.IO b`);
        values.push(`${name} = ${lam}G.withStream i o ${spec} ${args}${fn.input ? src : ' G.emptySource'} body`);
      } else {
        fields.push(`${name} :: ${params}${source}P.IO ${atom(resultType(ctx, fn.result))}`);
        values.push(`${name} = ${lam}G.clientStream i o ${spec} ${args}${src}`);
      }
    } else if (fn.kind === 'oneway') {
      fields.push(`${name} :: ${params}P.IO ()`);
      values.push(`${name} = ${lambda}G.invokeOneway i ${specName(ctx, 'oneway', fn.name)} ${args}`);
    } else {
      fields.push(`${name} :: ${params}P.IO ${atom(resultType(ctx, fn.result))}`);
      values.push(`${name} = ${lambda}G.invokeCall i o ${specName(ctx, 'call', fn.name)} ${args}`);
    }
  }
  for (const ev of ctx.module.events) {
    const name = ctx.names.client.get(`event:${ev.name}`)!;
    fields.push(`${name} :: P.IO (G.Subscription ${atom(resultType(ctx, ev.payload))})`);
    values.push(`${name} = G.invokeSubscribe i ${specName(ctx, 'event', ev.name)}`);
  }
  w.line('');
  w.doc(
    `Calls ${ctx.module.name} wherever the node's config puts it. A declared error is thrown as its ` +
      'own exception type, anything else as InteropError.',
  );
  record(w, api.clientType, fields);
  w.line('');
  w.line(`${api.clientValue} :: G.Invoker -> ${api.clientType}`);
  w.line(`${api.clientValue} = ${api.clientWithValue} G.defaultCallOptions`);
  w.line('');
  w.doc('A client whose calls take these options (timeout, cancel signal).');
  w.line(`${api.clientWithValue} :: G.CallOptions -> G.Invoker -> ${api.clientType}`);
  w.line(`${api.clientWithValue} o i =`);
  w.indent(() => construct(w, api.clientType, values));
}

/** `data T = T { f :: A, g :: B }` (or `data T = T` without fields), deriving nothing. */
export function record(w: Writer, type: string, fields: string[]): void {
  if (fields.length === 0) {
    w.line(`data ${type} = ${type}`);
    return;
  }
  w.line(`data ${type} = ${type}`);
  w.indent(() => {
    fields.forEach((f, i) => w.line(`${i === 0 ? '{' : ','} ${f}`));
    w.line('}');
  });
}

/** `T { f = x, g = y }` as an expression (or `T`). */
export function construct(w: Writer, type: string, values: string[]): void {
  if (values.length === 0) {
    w.line(type);
    return;
  }
  w.line(type);
  w.indent(() => {
    values.forEach((v, i) => w.line(`${i === 0 ? '{' : ','} ${v}`));
    w.line('}');
  });
}
