// The server skeleton: a table of typed handler function pointers the user fills in, and the
// adapters that turn it into the module ABI's interop_module_impl (runtime-c/include/interop/module.h).

import { Ctx, CodeWriter } from './context.js';
import { paramDecls } from './client.js';
import { callable, moduleVar, paramsRecord } from './descriptor.js';
import { memberName, moduleFileStem, uniqueNames } from './names.js';
import { fieldNames } from './types.js';

function handlerNames(ctx: Ctx): string[] {
  return uniqueNames(callable(ctx.module).map((fn) => memberName(fn.name, 'field', fn.annotations)));
}

/** The typed handler's parameter list (after impl and call). */
function handlerParams(ctx: Ctx, fn: ReturnType<typeof callable>[number]): string[] {
  const { decls } = paramDecls(ctx, fn.params);
  const result = fn.result ? [`${ctx.cType(fn.result)}${ctx.cType(fn.result).endsWith('*') ? '' : ' '}*result`] : [];
  return ['void *impl', 'interop_call *call', ...decls, ...result, 'interop_error *err'];
}

export function emitServerTypes(ctx: Ctx, w: CodeWriter): void {
  const stem = moduleFileStem(ctx.module);
  const fns = callable(ctx.module);
  const names = handlerNames(ctx);
  w.line('');
  w.line('/**');
  w.line(` * The handlers of ${ctx.module.name}: fill in the ones you implement (NULL answers UNIMPLEMENTED),`);
  w.line(` * then ${stem}_server_init() makes ${stem}_server.module_impl, what a node serves (module.h).`);
  w.line(' * A handler returns INTEROP_OK, an error code with `err` filled, or INTEROP_PENDING.');
  w.line(' */');
  w.block(`typedef struct ${stem}_handlers {`, () => {
    if (fns.length === 0) w.line('char empty_;');
    fns.forEach((fn, i) => w.line(`int (*${names[i]})(${handlerParams(ctx, fn).join(', ')});`));
  }, `} ${stem}_handlers;`);
  w.block(`typedef struct ${stem}_server {`, () => {
    w.line('interop_module_impl module_impl;');
    w.line(`${stem}_handlers handlers;`);
    w.line('void *impl;');
    w.line(`interop_handler table[${Math.max(fns.length, 1)}];`);
  }, `} ${stem}_server;`);
  w.line(`void ${stem}_server_init(${stem}_server *server, const ${stem}_handlers *handlers, void *impl);`);
  for (const fn of fns) if (fn.output) emitItemSender(ctx, w, fn);
}

/** A server stream's typed send: `P_fn_send(call, item, err)`, interop_call_send_item (module.h). */
function emitItemSender(ctx: Ctx, w: CodeWriter, fn: ReturnType<typeof callable>[number]): void {
  const g = ctx.names.fn(fn.name);
  const ct = ctx.cType(fn.output!);
  const byPointer = ctx.isAggregate(fn.output!);
  const decl = byPointer ? `const ${ct} *item` : `${ct}${ct.endsWith('*') ? '' : ' '}item`;
  w.line(`/** Sends one item of ${ctx.module.name}.${fn.name}'s stream from its handler: INTEROP_OK, INTEROP_PENDING (no credit: send it again from interop_call_on_ready's callback), or the stream is over (module.h). */`);
  w.block(`static inline int ${g}_send(interop_call *call, ${decl}, interop_error *err) {`, () => {
    w.line(`return interop_call_send_item(call, ${byPointer ? 'item' : '&item'}, err);`);
  });
}

export function emitServerAdapters(ctx: Ctx, w: CodeWriter): void {
  const stem = moduleFileStem(ctx.module);
  const fns = callable(ctx.module);
  const names = handlerNames(ctx);
  fns.forEach((fn, i) => {
    const r = paramsRecord(ctx, fn);
    const adapter = `${ctx.names.fn(fn.name)}_serve`;
    const fields = fieldNames(fn.params);
    const args = fn.params.map((p, k) => (ctx.isAggregate(p.type) ? `&p->${fields[k]}` : `p->${fields[k]}`));
    w.line('');
    w.block(`static int ${adapter}(void *self, interop_call *call, const void *params, void *result, interop_error *err) {`, () => {
      w.line(`${stem}_server *s = self;`);
      if (fn.params.length > 0) w.line(`const ${r.cName} *p = params;`);
      else w.line('(void)params;');
      if (!fn.result) w.line('(void)result;');
      w.line(`return s->handlers.${names[i]}(${['s->impl', 'call', ...args, ...(fn.result ? ['result'] : []), 'err'].join(', ')});`);
    });
  });
  w.line('');
  w.block(`void ${stem}_server_init(${stem}_server *server, const ${stem}_handlers *handlers, void *impl) {`, () => {
    w.line('memset(server, 0, sizeof *server);');
    w.line('server->handlers = *handlers;');
    w.line('server->impl = impl;');
    fns.forEach((fn, i) => {
      const adapter = `${ctx.names.fn(fn.name)}_serve`;
      w.line(`server->table[${i}] = handlers->${names[i]} != NULL ? ${adapter} : NULL;`);
    });
    w.line(`server->module_impl.abi_version = INTEROP_ABI_VERSION;`);
    w.line(`server->module_impl.module = &${moduleVar(ctx.module.name)};`);
    w.line('server->module_impl.handlers = server->table;');
    w.line('server->module_impl.impl = server;');
  });
}

