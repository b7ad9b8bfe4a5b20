// The async client stub `XClient`: one method per function, one `subscribe_<event>` per event.
// It only packs arguments and calls the runtime's Invoker, so the same stub works for a direct
// in-process call and for every transport. A stream function takes its input as an (async)
// iterable after the parameters and returns a StreamCall over the callee's items, or, for a client
// stream, awaits the answer (runtime-python/README.md "Streams").

import type { FunctionDecl } from '../../ir/types.js';
import { type Ctx, type Writer, paramFields } from './context.js';
import { moduleStem, pyName } from './names.js';
import { pyType } from './types.js';

/**
 * `a: int, b: str | None = None`: trailing optional parameters may be left out (not before a
 * stream parameter). `input` is the stream parameter's type as the caller or the handler takes it.
 */
export function paramList(ctx: Ctx, fn: FunctionDecl, withDefaults: boolean, input?: (item: string) => string): string[] {
  const fields = paramFields(fn.input ? [...fn.params, fn.input] : fn.params);
  const plain = fields.slice(0, fn.params.length);
  let firstDefault = plain.length;
  while (withDefaults && !fn.input && firstDefault > 0 && plain[firstDefault - 1]!.field.type.kind === 'optional') firstDefault--;
  const out = plain.map((f, i) => `${f.py}: ${pyType(ctx, f.field.type)}${i >= firstDefault ? ' = None' : ''}`);
  if (fn.input && input) out.push(`${fields[fields.length - 1]!.py}: ${input(pyType(ctx, fn.input.type))}`);
  return out;
}

/** The Python name of a stream function's stream parameter. */
export function inputName(fn: FunctionDecl): string {
  return paramFields([...fn.params, fn.input!]).at(-1)!.py;
}

function docWithThrows(ctx: Ctx, fn: FunctionDecl): string | undefined {
  const throws = fn.throws.flatMap((t) => (t.kind === 'ref' ? [ctx.typeName(t)] : []));
  const parts: string[] = [];
  if (fn.doc) parts.push(fn.doc);
  if (throws.length > 0) parts.push(`Raises: ${throws.join(', ')} (declared), InteropError (everything else).`);
  if (fn.annotations.deprecated) parts.push(`Deprecated${fn.annotations.deprecated.reason ? `: ${fn.annotations.deprecated.reason}` : '.'}`);
  return parts.length > 0 ? parts.join('\n\n') : undefined;
}

function emitStreamMethod(ctx: Ctx, w: Writer, fn: FunctionDecl, method: string, tuple: string): void {
  const stem = moduleStem(ctx.module);
  const params = ['self', ...paramList(ctx, fn, true, (item) => `_rt.ItemSource[${item}]`), '*', 'timeout_ms: int | None = None'];
  const source = fn.input ? inputName(fn) : 'None';
  const call = `self._invoker.stream(${stem}Module, _F_${method}, ${tuple}, ${source}, None if timeout_ms is None else _rt.CallOptions(timeout_ms))`;
  if (fn.output) {
    w.line(`def ${method}(${params.join(', ')}) -> _rt.StreamCall[${pyType(ctx, fn.output)}, None]:`).indent(() => {
      w.doc(docWithThrows(ctx, fn) ?? 'Iterate over it (`async for`) to receive the items; leaving the loop early cancels the stream.');
      w.line(`return ${call}`);
    });
    return;
  }
  const result = fn.result ? pyType(ctx, fn.result) : 'None';
  w.line(`async def ${method}(${params.join(', ')}) -> ${result}:`).indent(() => {
    w.doc(docWithThrows(ctx, fn));
    if (fn.result) {
      w.line(`_r: ${result} = await ${call}.result()`);
      w.line('return _r');
    } else w.line(`await ${call}.result()`);
  });
}

export function emitClient(ctx: Ctx, w: Writer): void {
  const stem = moduleStem(ctx.module);
  w.line('');
  w.line('');
  w.line(`class ${stem}Client:`).indent(() => {
    w.doc(`Calls ${ctx.module.name} wherever it runs: same process, another process, another machine.`);
    w.line('');
    w.line('__slots__ = ("_invoker",)');
    w.line('');
    w.line('def __init__(self, invoker: _rt.Invoker) -> None:').indent(() => w.line('self._invoker = invoker'));
    for (const fn of ctx.module.functions) {
      const method = pyName(fn.name, 'function', fn.annotations);
      const args = paramFields(fn.params).map((f) => f.py);
      const tuple = args.length === 0 ? '()' : `(${args.join(', ')}${args.length === 1 ? ',' : ''})`;
      const params = ['self', ...paramList(ctx, fn, true)];
      w.line('');
      if (fn.kind === 'stream') {
        emitStreamMethod(ctx, w, fn, method, tuple);
        continue;
      }
      if (fn.kind === 'oneway') {
        w.line(`def ${method}(${params.join(', ')}) -> None:`).indent(() => {
          w.doc(docWithThrows(ctx, fn) ?? 'One-way: returns once the request is queued; there is no reply.');
          w.line(`self._invoker.oneway(${stem}Module, _F_${method}, ${tuple})`);
        });
        continue;
      }
      const result = fn.result ? pyType(ctx, fn.result) : 'None';
      w.line(`async def ${method}(${[...params, '*', 'timeout_ms: int | None = None'].join(', ')}) -> ${result}:`).indent(() => {
        w.doc(docWithThrows(ctx, fn));
        // No CallOptions object (and no typing.cast call) unless a timeout is given.
        const options = 'None if timeout_ms is None else _rt.CallOptions(timeout_ms)';
        const call = `await self._invoker.call(${stem}Module, _F_${method}, ${tuple}, ${options})`;
        if (fn.result) {
          w.line(`_r: ${result} = ${call}`);
          w.line('return _r');
        } else w.line(call);
      });
    }
    for (const ev of ctx.module.events) {
      const name = pyName(ev.name, 'event', ev.annotations);
      const payload = ev.payload ? pyType(ctx, ev.payload) : undefined;
      const handler = `_t.Callable[[${payload ?? ''}], _t.Awaitable[None] | None]`;
      w.line('');
      w.line(`async def subscribe_${name}(self, handler: ${handler}) -> _rt.Subscription:`).indent(() => {
        w.doc(ev.doc);
        const h = payload ? 'handler' : 'lambda _payload: handler()';
        w.line(`return await self._invoker.subscribe(${stem}Module, _EV_${name}, ${h})`);
      });
    }
  });
}
