// Emits the typed client stub `<Stem>Client`: one method per function (params, then options),
// one `on<Event>` method per event. It reaches the module through the runtime's Invoker, so the
// same stub works in-process and over any transport. A stream function (docs/ts.md "Streams")
// takes its input as an (async) iterable after the parameters and returns an async iterator
// over the callee's items, or, for a client stream, a promise of the answer.

import type { FunctionDecl } from '../../ir/types.js';
import { CodeWriter } from './code-writer.js';
import { RT, type GenContext } from './context.js';
import { eventConst, fnConst } from './descriptor.js';
import { docOf, eventSource, functionSource } from './types.js';

/**
 * `a: T, b?: U | undefined`: a parameter is optional in TS only if every later one is too (and
 * no stream parameter follows).
 */
export function paramList(ctx: GenContext, f: FunctionDecl, allowOptional: boolean): string[] {
  const names = ctx.names.functions.get(f.name)!.params;
  let trailingOptional = allowOptional && f.input === undefined;
  const out: string[] = [];
  for (let i = f.params.length - 1; i >= 0; i--) {
    const p = f.params[i]!;
    const optional = p.type.kind === 'optional';
    trailingOptional &&= optional;
    out.unshift(`${names[i]!}${trailingOptional ? '?' : ''}: ${ctx.tsType(p.type)}`);
  }
  return out;
}

export function resultType(ctx: GenContext, f: FunctionDecl): string {
  return f.result === undefined ? 'void' : ctx.tsType(f.result);
}

/** The stream parameter as the client takes it: any (async) iterable of the items. */
function inputParam(ctx: GenContext, f: FunctionDecl): string[] {
  return f.input === undefined ? [] : [`${ctx.names.functions.get(f.name)!.input!}: ${RT}.ItemSource<${ctx.tsType(f.input.type)}>`];
}

function emitStreamMethod(ctx: GenContext, f: FunctionDecl, out: CodeWriter): void {
  const names = ctx.names.functions.get(f.name)!;
  const params = [...paramList(ctx, f, true), ...inputParam(ctx, f), `options?: ${RT}.CallOptions`];
  const call = [ctx.names.descriptor, fnConst(f), `[${names.params.join(', ')}]`, names.input ?? 'undefined', 'options'];
  // Two statements, so that a long call and a long type never share a line to break.
  if (f.output !== undefined) {
    const items = `AsyncIterableIterator<${ctx.tsType(f.output)}>`;
    out.list(`${names.method}(`, params, `): ${items} {`);
    out.indented(() => {
      out.list('const items = this.#invoker.stream(', call, ');');
      out.line(`return items as ${items};`);
    });
  } else {
    const result = resultType(ctx, f);
    out.list(`${names.method}(`, params, `): Promise<${result}> {`);
    out.indented(() => {
      out.list('const call = this.#invoker.stream(', call, ');');
      out.line(`return call.result() as Promise<${result}>;`);
    });
  }
}

export function emitClient(ctx: GenContext, out: CodeWriter): void {
  const n = ctx.names;
  const descriptor = n.descriptor;
  out.line(
    `/** Calls module \`${ctx.module.name}\` wherever it runs: same process, another process or another machine. */`,
  );
  out.block(`export class ${n.client} {`, () => {
    if (ctx.module.functions.length + ctx.module.events.length === 0) {
      out.line(`constructor(_invoker: ${RT}.Invoker) {}`); // nothing to call: keep the uniform constructor
      return;
    }
    out.line(`readonly #invoker: ${RT}.Invoker;`);
    out.block(`constructor(invoker: ${RT}.Invoker) {`, () => out.line('this.#invoker = invoker;'));
    for (const f of ctx.module.functions) {
      const names = n.functions.get(f.name)!;
      const args = `[${names.params.join(', ')}]`;
      const doc = docOf(f, functionSource(f));
      if (doc !== '') out.line(doc);
      if (f.kind === 'stream') {
        emitStreamMethod(ctx, f, out);
      } else if (f.kind === 'oneway') {
        out.list(`${names.method}(`, paramList(ctx, f, true), '): void {');
        out.indented(() => out.list('this.#invoker.oneway(', [descriptor, fnConst(f), args], ');'));
      } else {
        const result = resultType(ctx, f);
        out.list(`${names.method}(`, [...paramList(ctx, f, true), `options?: ${RT}.CallOptions`], `): Promise<${result}> {`);
        out.indented(() =>
          out.list('return this.#invoker.call(', [descriptor, fnConst(f), args, 'options'], `) as Promise<${result}>;`),
        );
      }
      out.line('}');
    }
    for (const e of ctx.module.events) {
      const names = n.events.get(e.name)!;
      const handler =
        e.payload === undefined
          ? '() => void | Promise<void>'
          : `(payload: ${ctx.tsType(e.payload)}) => void | Promise<void>`;
      const doc = docOf(e, eventSource(e));
      if (doc !== '') out.line(doc);
      out.list(`${names.subscribe}(`, [`handler: ${handler}`], `): Promise<${RT}.Subscription> {`);
      out.indented(() =>
        out.list(
          'return this.#invoker.subscribe(',
          [descriptor, eventConst(e.name), 'handler as (payload: unknown) => void | Promise<void>'],
          ');',
        ),
      );
      out.line('}');
    }
  });
}
