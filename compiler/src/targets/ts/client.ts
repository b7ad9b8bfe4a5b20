// Emits the typed client stub `<Stem>Client`: one method per function (params, then options),
// one `on<Event>` method per event. It reaches the module through the runtime's Invoker, so the
// same stub works in-process and over any transport.

import type { FunctionDecl } from '../../ir/types.js';
import { CodeWriter } from './code-writer.js';
import { RT, type GenContext } from './context.js';
import { callableFunctions, eventConst, fnConst } from './descriptor.js';
import { docOf, eventSource, functionSource } from './types.js';

/** `a: T, b?: U | undefined`: a parameter is optional in TS only if every later one is too. */
export function paramList(ctx: GenContext, f: FunctionDecl, allowOptional: boolean): string[] {
  const names = ctx.names.functions.get(f.name)!.params;
  let trailingOptional = allowOptional;
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

export function emitClient(ctx: GenContext, out: CodeWriter): void {
  const n = ctx.names;
  const descriptor = n.descriptor;
  out.line(
    `/** Calls module \`${ctx.module.name}\` wherever it runs: same process, another process or another machine. */`,
  );
  out.block(`export class ${n.client} {`, () => {
    if (callableFunctions(ctx).length + ctx.module.events.length === 0) {
      out.line(`constructor(_invoker: ${RT}.Invoker) {}`); // nothing to call: keep the uniform constructor
      return;
    }
    out.line(`readonly #invoker: ${RT}.Invoker;`);
    out.block(`constructor(invoker: ${RT}.Invoker) {`, () => out.line('this.#invoker = invoker;'));
    for (const f of callableFunctions(ctx)) {
      const names = n.functions.get(f.name)!;
      const args = `[${names.params.join(', ')}]`;
      const doc = docOf(f, functionSource(f));
      if (doc !== '') out.line(doc);
      if (f.kind === 'oneway') {
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
