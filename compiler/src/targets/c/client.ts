// Client stubs in the header: per function an asynchronous call (a callback when it ends) and a
// blocking `_sync` one; per one-way function a send; per event a subscribe and a publish. All go
// through the same runtime entry points whether the module is in this process (direct, no
// encoding) or across a connection, so moving a module is a config change only.

import type { FunctionDecl, Param } from '../../ir/types.js';
import { Ctx, CodeWriter, cDoc } from './context.js';
import { callable, moduleVar, paramsRecord } from './descriptor.js';
import { globalName, memberName, uniqueNames } from './names.js';

/** A parameter as a C argument: structs and unions by const pointer, everything else by value. */
export function paramDecls(ctx: Ctx, params: Param[]): { decls: string[]; values: string[] } {
  const names = uniqueNames(params.map((p) => memberName(p.name, 'param', p.annotations)));
  const decls: string[] = [];
  const values: string[] = [];
  params.forEach((p, i) => {
    const ct = ctx.cType(p.type);
    if (ctx.isAggregate(p.type)) {
      decls.push(`const ${ct} *${names[i]}`);
      values.push(`*${names[i]}`);
    } else {
      decls.push(ct.endsWith('*') ? `${ct}${names[i]}` : `${ct} ${names[i]}`);
      values.push(names[i]!);
    }
  });
  return { decls, values };
}

function fnDoc(w: CodeWriter, fn: FunctionDecl, extra: string): void {
  w.line('');
  w.line(cDoc(`${fn.doc ? `${fn.doc.trimEnd()}\n\n` : ''}${extra}`));
}

export function emitClient(ctx: Ctx, w: CodeWriter): void {
  const mod = `&${moduleVar(ctx.module.name)}`;
  callable(ctx.module).forEach((fn, index) => {
    const g = globalName(ctx.module.name, fn.name, 'function', fn.annotations);
    const r = paramsRecord(ctx, fn);
    const { decls, values } = paramDecls(ctx, fn.params);
    const init = values.length ? `{${values.join(', ')}}` : '{0}';
    const head = ['interop_invoker *client', ...decls];
    if (fn.kind === 'oneway') {
      fnDoc(w, fn, `${ctx.module.name}.${fn.name} (one-way): sent, or queued, when this returns INTEROP_OK.`);
      w.block(`static inline int ${g}(${[...head, 'const interop_call_options *opts', 'interop_error *err'].join(', ')}) {`, () => {
        w.line(`${r.cName} p = ${init};`);
        w.line(`return interop_send_oneway(client, ${mod}, ${index}, &p, opts, err);`);
      });
      return;
    }
    const result = fn.result ? [`${ctx.cType(fn.result)}${ctx.cType(fn.result).endsWith('*') ? '' : ' '}*result`] : [];
    const resultArg = fn.result ? 'result' : 'NULL';
    fnDoc(w, fn, `${ctx.module.name}.${fn.name}: \`done\` runs on the node's loop when the call ends; the result and the values it points to live in \`arena\`. Arguments must stay valid until then.`);
    w.block(`static inline int ${g}(${[...head, ...result, 'interop_arena *arena', 'const interop_call_options *opts', 'interop_done done', 'void *user'].join(', ')}) {`, () => {
      w.line(`${r.cName} p = ${init};`);
      w.line(`return interop_invoke(client, ${mod}, ${index}, &p, ${resultArg}, arena, opts, done, user);`);
    });
    w.line(`/** ${ctx.module.name}.${fn.name}, waiting for the answer (runs the node's loop; not from a handler). */`);
    w.block(`static inline int ${g}_sync(${[...head, ...result, 'interop_arena *arena', 'const interop_call_options *opts', 'interop_error *err'].join(', ')}) {`, () => {
      w.line(`${r.cName} p = ${init};`);
      w.line(`return interop_invoke_sync(client, ${mod}, ${index}, &p, ${resultArg}, arena, opts, err);`);
    });
  });
  ctx.module.events.forEach((ev, index) => {
    const g = globalName(ctx.module.name, ev.name, 'event', ev.annotations);
    const payload = ev.payload ? ctx.cType(ev.payload) : undefined;
    w.line('');
    w.line(cDoc(`${ev.doc ? `${ev.doc.trimEnd()}\n\n` : ''}Event ${ctx.module.name}.${ev.name}: the handler receives ${payload ? `a \`const ${payload} *\`` : 'NULL (no payload)'}, valid while it runs.`));
    w.block(`static inline int ${g}_subscribe(interop_invoker *client, interop_event_handler handler, void *user, interop_subscription **out, interop_error *err) {`, () => {
      w.line(`return interop_subscribe(client, ${mod}, ${index}, handler, user, out, err);`);
    });
    const arg = payload ? `, const ${payload}${payload.endsWith('*') ? '' : ' '}*payload` : '';
    w.block(`static inline int ${g}_publish(interop_publisher *pub${arg}, interop_error *err) {`, () => {
      w.line(`return interop_publish(pub, ${mod}, ${index}, ${payload ? 'payload' : 'NULL'}, err);`);
    });
  });
}
