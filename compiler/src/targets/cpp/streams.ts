// Stream functions in C++ (docs/cpp.md "Streams"): the caller gets an interop::Stream<In, Out, R>
// (RAII over runtime-c's interop_stream, blocking write/next/finish as Node::wait blocks), the
// handler gets an interop::StreamReader<In> and/or interop::StreamWriter<Out> next to its Reply<R>.
// The conversions to and from the C items are runtime-c's templates instantiated with the C types.

import type { FunctionDecl, Param } from '../../ir/types.js';
import { Ctx as CCtx } from '../c/context.js';
import { cTypeOf } from './c-names.js';
import { Ctx, CodeWriter } from './context.js';
import { memberName, unique } from './names.js';

/** In, Out and R of a stream function's C++ types ('void' when it has none). */
export function streamTypes(ctx: Ctx, fn: FunctionDecl): { input: string; output: string; result: string } {
  return {
    input: fn.input ? ctx.cppType(fn.input.type) : 'void',
    output: fn.output ? ctx.cppType(fn.output) : 'void',
    result: fn.result ? ctx.cppType(fn.result) : 'void',
  };
}

/** `::interop::Stream<In, Out, R>`: what the client's method returns. */
export function streamType(ctx: Ctx, fn: FunctionDecl): string {
  const t = streamTypes(ctx, fn);
  return `::interop::Stream<${t.input}, ${t.output}, ${t.result}>`;
}

/** The handler's stream parameters (reader, writer), after the call's own parameters. */
export function streamHandlerParams(ctx: Ctx, fn: FunctionDecl, params: Param[]): Array<{ type: string; name: string }> {
  const taken = params.map((p) => memberName(p.name, 'param', p.annotations));
  const wanted: Array<{ type: string; name: string }> = [];
  if (fn.input) wanted.push({ type: `::interop::StreamReader<${ctx.cppType(fn.input.type)}>`, name: memberName(fn.input.name, 'param', fn.input.annotations) });
  if (fn.output) wanted.push({ type: `::interop::StreamWriter<${ctx.cppType(fn.output)}>`, name: 'out' });
  const names = unique([...taken, ...wanted.map((x) => x.name)]).slice(taken.length);
  return wanted.map((x, i) => ({ type: x.type, name: names[i]! }));
}

/** The reader and writer a handler adapter builds from its Reply (`reply`). */
export function streamHandlerArgs(ctx: Ctx, c: CCtx, fn: FunctionDecl): string[] {
  const args: string[] = [];
  if (fn.input) {
    const t = ctx.cppType(fn.input.type);
    args.push(`::interop::StreamReader<${t}>(reply.state(), &::interop::detail::read_item<${t}, ${cTypeOf(c, fn.input.type)}>)`);
  }
  if (fn.output) {
    const t = ctx.cppType(fn.output);
    args.push(`::interop::StreamWriter<${t}>(reply.state(), &::interop::detail::send_item<${t}, ${cTypeOf(c, fn.output)}>)`);
  }
  return args;
}

/**
 * The body of a client's stream method: its C params from the arguments (`convert` writes them),
 * and the open, with the conversions of this function's items and answer.
 */
export function emitStreamOpen(ctx: Ctx, c: CCtx, w: CodeWriter, fn: FunctionDecl, open: { cParams: string; module: string; index: number }, convert: () => void): void {
  const t = streamTypes(ctx, fn);
  const type = streamType(ctx, fn);
  const write = fn.input ? `&::interop::detail::stream_write<${t.input}, ${cTypeOf(c, fn.input.type)}>` : 'nullptr';
  const next = fn.output ? `&::interop::detail::stream_next<${t.output}, ${cTypeOf(c, fn.output)}>` : 'nullptr';
  const finish = fn.result ? `&::interop::detail::stream_finish<${t.result}, ${cTypeOf(c, fn.result)}>` : '&::interop::detail::stream_finish_void';
  w.line('using ::interop::interop_to_c;');
  w.line(`static const ${type}::Ops ops{${write}, ${next}, ${finish}, &detail::error_from_c};`);
  w.line('::interop::Arena arena;');
  w.line(`${open.cParams} params{};`);
  convert();
  w.line(`return ::interop::detail::open_stream<${t.input}, ${t.output}, ${t.result}>(invoker_, ${open.module}, ${open.index}, &params, options_, &ops);`);
}
