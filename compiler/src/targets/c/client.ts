// Client stubs in the header: per function an asynchronous call (a callback when it ends) and a
// blocking `_sync` one; per one-way function a send; per event a subscribe and a publish. All go
// through the same runtime entry points whether the module is in this process (direct, no
// encoding) or across a connection, so moving a module is a config change only.

import type { FunctionDecl, Param, TypeRef } from '../../ir/types.js';
import { Ctx, CodeWriter, cDoc } from './context.js';
import { callable, moduleVar, paramsRecord } from './descriptor.js';
import { memberName, uniqueNames } from './names.js';

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

/** An item or result as a C parameter: aggregates by const pointer, everything else by value. */
function itemDecl(ctx: Ctx, t: TypeRef, name: string): { decl: string; ref: string } {
  const ct = ctx.cType(t);
  if (ctx.isAggregate(t)) return { decl: `const ${ct} *${name}`, ref: name };
  return { decl: `${ct}${ct.endsWith('*') ? '' : ' '}${name}`, ref: `&${name}` };
}

/** A stream function's calls (client.h): open, write the input, read the output, finish. */
function emitStreamClient(ctx: Ctx, w: CodeWriter, fn: FunctionDecl, index: number, head: string[], init: string): void {
  const g = ctx.names.fn(fn.name);
  const r = paramsRecord(ctx, fn);
  fnDoc(w, fn, `${ctx.module.name}.${fn.name} (stream): opens it${fn.input ? `; ${g}_write sends items, interop_stream_end ends them` : ''}${fn.output ? `; ${g}_read takes the callee's items` : ''}; ${g}_finish waits for the answer (docs/c.md "Calling a stream"). Runs the node's loop; not from a handler.`);
  w.block(`static inline int ${g}_open(${[...head, 'const interop_call_options *opts', 'interop_stream **out', 'interop_error *err'].join(', ')}) {`, () => {
    w.line(`${r.cName} p = ${init};`);
    w.line(`return interop_stream_open(client, &${moduleVar(ctx.module.name)}, ${index}, &p, opts, out, err);`);
  });
  if (fn.input) {
    const { decl, ref } = itemDecl(ctx, fn.input.type, 'item');
    w.block(`static inline int ${g}_write(interop_stream *stream, ${decl}, interop_error *err) {`, () => {
      w.line(`return interop_stream_send(stream, ${ref}, err);`);
    });
  }
  if (fn.output) {
    const ct = ctx.cType(fn.output);
    w.block(`static inline int ${g}_read(interop_stream *stream, ${ct}${ct.endsWith('*') ? '' : ' '}*item, interop_arena *arena, interop_error *err) {`, () => {
      w.line('return interop_stream_next(stream, item, arena, err);');
    });
  }
  const ct = fn.result ? ctx.cType(fn.result) : undefined;
  const result = ct ? [`${ct}${ct.endsWith('*') ? '' : ' '}*result`] : [];
  w.block(`static inline int ${g}_finish(${['interop_stream *stream', ...result, 'interop_arena *arena', 'interop_error *err'].join(', ')}) {`, () => {
    w.line(`return interop_stream_finish(stream, ${ct ? 'result' : 'NULL'}, arena, err);`);
  });
}

function fnDoc(w: CodeWriter, fn: FunctionDecl, extra: string): void {
  w.line('');
  w.line(cDoc(`${fn.doc ? `${fn.doc.trimEnd()}\n\n` : ''}${extra}`));
}

export function emitClient(ctx: Ctx, w: CodeWriter): void {
  const mod = `&${moduleVar(ctx.module.name)}`;
  callable(ctx.module).forEach((fn, index) => {
    const g = ctx.names.fn(fn.name);
    const r = paramsRecord(ctx, fn);
    const { decls, values } = paramDecls(ctx, fn.params);
    const init = values.length ? `{${values.join(', ')}}` : '{0}';
    const head = ['interop_invoker *client', ...decls];
    if (fn.kind === 'stream') return emitStreamClient(ctx, w, fn, index, head, init);
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
    const g = ctx.names.event(ev.name);
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
