// Implementing a module in D: an abstract Server class with one method per function (not
// overridden: UNIMPLEMENTED), and the extern(C) handlers runtime-c calls through the module ABI
// (ADR 0011), each one line around rt.serve (calls: converts the parameters, calls the method,
// converts its result, turns exceptions into error codes) or rt.serveStream (streams: the method
// also gets a StreamReader of the caller's items, a StreamWriter for its own, and the Reply that
// ends the call).

import { moduleVar } from '../c/descriptor.js';
import { moduleFileStem } from '../c/names.js';
import type { FunctionDecl } from '../../ir/types.js';
import { paramNames, resultType } from './client.js';
import { type Ctx, CodeWriter, dDoc } from './context.js';
import { functionName, memberName } from './names.js';

/** A stream handler's extra parameters: reader, writer, reply (types and names). */
function streamParams(ctx: Ctx, fn: FunctionDecl): Array<{ type: string; name: string }> {
  const out: Array<{ type: string; name: string }> = [];
  if (fn.input) out.push({ type: `rt.StreamReader!(${ctx.dType(fn.input.type)})`, name: memberName(fn.input.name, 'param', fn.input.annotations) });
  if (fn.output) out.push({ type: `rt.StreamWriter!(${ctx.dType(fn.output)})`, name: 'output' });
  out.push({ type: `rt.Reply!(${resultType(ctx, fn)})`, name: 'reply' });
  return out;
}

export function emitServer(ctx: Ctx, w: CodeWriter): void {
  const m = `&${moduleVar(ctx.module.name)}`;
  // extern(C) names are global: the C target's module prefix keeps them apart across modules.
  const handler = (i: number): string => `${moduleFileStem(ctx.module.name)}_d_handle${i}`;
  w.line('');
  w.line(`/// Implements module ${ctx.module.name}: override the methods of the functions you serve and`);
  w.line('/// give an instance to rt.Node. Methods run on the node\'s loop thread; throw a declared error');
  w.line('/// class, an rt.InteropError (its code is kept) or anything else (INTERNAL).');
  w.block('abstract class Server : rt.ServerBase {', () => {
    w.line(`this() { super(${m}, interopHandlers[]); }`);
    for (const fn of ctx.module.functions) {
      const names = paramNames(fn);
      const extra = fn.kind === 'stream' ? streamParams(ctx, fn).map((x) => `${x.type} ${x.name}`) : [];
      const params = [...fn.params.map((p, j) => `${ctx.dType(p.type)} ${names[j]}`), ...extra].join(', ');
      w.line('');
      const d = dDoc(fn.doc);
      if (d) w.line(d);
      w.block(`${fn.kind === 'stream' ? 'void' : resultType(ctx, fn)} ${functionName(fn.name, fn.annotations)}(${params}) {`, () => {
        w.line(`throw new rt.InteropError(rt.Code.unimplemented, "${ctx.module.name}.${fn.name} is not implemented");`);
      }, '}');
    }
  }, '}');
  ctx.module.functions.forEach((fn, i) => {
    const p = `Params.${functionName(fn.name, fn.annotations)}`;
    const args = paramNames(fn).map((n) => `p.${n}`);
    const r = resultType(ctx, fn);
    const method = `s.${functionName(fn.name, fn.annotations)}`;
    w.line('');
    w.block(`private extern (C) int ${handler(i)}(void* impl, rt.interop_call* call, const(void)* params, void* result, rt.interop_error* err) nothrow {`, () => {
      if (fn.kind === 'stream') {
        const io = `${fn.input ? ctx.dType(fn.input.type) : 'void'}, ${fn.output ? ctx.dType(fn.output) : 'void'}`;
        const passed = [...args, ...(fn.input ? ['input'] : []), ...(fn.output ? ['output'] : []), 'reply'].join(', ');
        w.line(`return rt.serveStream!(Server, ${p}, ${io}, ${r})(impl, call, params, result, err, ${m}, ${ctx.module.functions.indexOf(fn)} /* ${fn.name} */,`);
        w.line(`  delegate void(Server s, ref ${p} p, rt.StreamReader!(${fn.input ? ctx.dType(fn.input.type) : 'void'}) input, rt.StreamWriter!(${fn.output ? ctx.dType(fn.output) : 'void'}) output, rt.Reply!(${r}) reply) { ${method}(${passed}); });`);
        return;
      }
      w.line(`return rt.serve!(Server, ${p}, ${r})(impl, call, params, result, err, ${m}, ${ctx.module.functions.indexOf(fn)} /* ${fn.name} */,`);
      w.line(`  delegate ${r}(Server s, ref ${p} p) { ${r === 'void' ? '' : 'return '}${method}(${args.join(', ')}); });`);
    }, '}');
  });
  w.line('');
  const entries = ctx.module.functions.map((_, i) => `cast(rt.interop_handler) &${handler(i)}`);
  w.line(`private __gshared rt.interop_handler[${entries.length}] interopHandlers = [${entries.join(', ')}];`);
}
