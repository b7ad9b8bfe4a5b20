// The server side of a module: the handlers record to fill in (every handler answers
// UNIMPLEMENTED until replaced), the Service that binds it to the descriptor for a node, and the
// publisher record of the module's events.

import type { FunctionDecl } from '../../ir/types.js';
import type { Ctx, Writer } from './context.js';
import { atom, hsStr } from './context.js';
import { construct, record } from './client.js';
import { functionsOf, paramsType, resultType, specName, streamTypes } from './descriptor.js';

/** What a stream handler takes after its parameters: the caller's items, a way to send its own. */
function streamArgs(ctx: Ctx, fn: FunctionDecl): string[] {
  if (fn.kind !== 'stream') return [];
  const { input, output } = streamTypes(ctx, fn);
  return [...(fn.input ? [`G.Items ${atom(input)}`] : []), ...(fn.output ? [`G.Emit ${atom(output)}`] : [])];
}

export function emitServer(ctx: Ctx, w: Writer): void {
  const api = ctx.names.api;
  const fns = functionsOf(ctx);
  const fields = fns.map((fn) => {
    const params = [...fn.params.map((p) => atom(ctx.hsType(p.type))), ...streamArgs(ctx, fn)].map((t) => `${t} -> `).join('');
    const result = fn.kind === 'oneway' ? '()' : resultType(ctx, fn.result);
    return `${ctx.names.handlers.get(fn.name)!} :: ${params}G.CallContext -> P.IO ${atom(result)}`;
  });
  w.line('');
  w.doc(
    `Implements ${ctx.module.name}: start from ${api.handlersValue} and replace the handlers you implement. ` +
      'Throw a declared error type (throwIO) to send it to the caller as that type; anything else ' +
      'reaches the caller as INTERNAL. A cancelled call or a passed deadline interrupts the handler.',
  );
  record(w, api.handlersType, fields);
  w.line('');
  w.doc('Every handler answers UNIMPLEMENTED.');
  w.line(`${api.handlersValue} :: ${api.handlersType}`);
  w.line(`${api.handlersValue} =`);
  w.indent(() =>
    construct(
      w,
      api.handlersType,
      fns.map((fn) => `${ctx.names.handlers.get(fn.name)!} = \\${[...fn.params.map(() => '_'), ...streamArgs(ctx, fn).map(() => '_'), '_'].join(' ')} -> G.unimplemented ${hsStr(`${ctx.module.name}.${fn.name}`)}`),
    ),
  );
  w.line('');
  w.doc(`The handlers as a service a node hosts (nodeServices).`);
  w.line(`${api.serviceValue} :: ${api.handlersType} -> G.Service`);
  w.line(`${api.serviceValue} h =`);
  w.indent(() => {
    w.line(`G.service ${api.moduleValue}`);
    w.indent(() => {
      if (fns.length === 0) w.line('[]');
      fns.forEach((fn, i) => {
        const vars = fn.params.map((_, j) => `a${j}`);
        const pattern = vars.length === 0 ? paramsType(ctx, fn) : `(${[paramsType(ctx, fn), ...vars].join(' ')})`;
        const handler = ctx.names.handlers.get(fn.name)!;
        const open = i === 0 ? '[' : ',';
        if (fn.kind === 'stream') {
          // serveStream hands every handler both directions; each gets those it has.
          const used = [...(fn.input ? ['items'] : []), ...(fn.output ? ['out'] : [])];
          const lambda = `${pattern} ${fn.input ? 'items' : '_'} ${fn.output ? 'out' : '_'} ctx`;
          w.line(`${open} G.serveStream ${specName(ctx, 'stream', fn.name)} (\\${lambda} -> ${[handler, 'h', ...vars, ...used, 'ctx'].join(' ')})`);
          return;
        }
        const serve = fn.kind === 'oneway' ? `G.serveOneway ${specName(ctx, 'oneway', fn.name)}` : `G.serveCall ${specName(ctx, 'call', fn.name)}`;
        w.line(`${open} ${serve} (\\${pattern} ctx -> ${[handler, 'h', ...vars, 'ctx'].join(' ')})`);
      });
      if (fns.length > 0) w.line(']');
    });
  });

  const events = ctx.module.events;
  w.line('');
  w.doc(`Publishes the events of ${ctx.module.name} to every subscriber, in this process and remote.`);
  record(
    w,
    api.eventsType,
    events.map((ev) => `${ctx.names.publish.get(ev.name)!} :: ${ev.payload ? `${atom(ctx.hsType(ev.payload))} -> ` : ''}P.IO ()`),
  );
  w.line('');
  w.line(`${api.eventsValue} :: G.Publisher -> ${api.eventsType}`);
  w.line(`${api.eventsValue} p =`);
  w.indent(() =>
    construct(
      w,
      api.eventsType,
      events.map((ev) => `${ctx.names.publish.get(ev.name)!} = G.publishEvent p ${specName(ctx, 'event', ev.name)}${ev.payload ? '' : ' ()'}`),
    ),
  );
}
