// Emits the server side: `<Stem>Handlers`, the interface an implementation provides (params, then
// the call context; a result or a promise of one), and `<Stem>Publisher`, which publishes the
// module's events through the runtime. A stream handler takes its input (an async iterator over
// the caller's items) after the parameters and returns its output as an async iterable (an async
// generator method) or, for a client stream, its answer.

import { CodeWriter } from './code-writer.js';
import { RT, type GenContext } from './context.js';
import { paramList, resultType } from './client.js';
import { eventConst } from './descriptor.js';
import { docOf, eventSource, functionSource } from './types.js';

export function emitHandlers(ctx: GenContext, out: CodeWriter): void {
  const n = ctx.names;
  out.line(
    `/** Implements module \`${ctx.module.name}\`. Throw a declared error class to send it to the caller. */`,
  );
  out.block(`export interface ${n.handlers} {`, () => {
    for (const f of ctx.module.functions) {
      const doc = docOf(f, functionSource(f));
      if (doc !== '') out.line(doc);
      const names = n.functions.get(f.name)!;
      const input = f.input === undefined ? [] : [`${names.input!}: AsyncIterableIterator<${ctx.tsType(f.input.type)}>`];
      const params = [...paramList(ctx, f, false), ...input, `ctx: ${RT}.CallContext`];
      if (f.output !== undefined) {
        const item = ctx.tsType(f.output);
        out.list(`${names.method}(`, params, `): AsyncIterable<${item}> | Iterable<${item}>;`);
      } else {
        const result = resultType(ctx, f);
        out.list(`${names.method}(`, params, `): ${result} | Promise<${result}>;`);
      }
    }
  });
}

export function emitPublisher(ctx: GenContext, out: CodeWriter): void {
  const n = ctx.names;
  out.line(
    `/** Publishes the events of module \`${ctx.module.name}\` to every subscriber, local or remote. */`,
  );
  out.block(`export class ${n.publisher} {`, () => {
    if (ctx.module.events.length === 0) {
      out.line(`constructor(_publisher: ${RT}.Publisher) {}`); // no events: keep the uniform constructor
      return;
    }
    out.line(`readonly #publisher: ${RT}.Publisher;`);
    out.block(`constructor(publisher: ${RT}.Publisher) {`, () => out.line('this.#publisher = publisher;'));
    for (const e of ctx.module.events) {
      const doc = docOf(e, eventSource(e));
      if (doc !== '') out.line(doc);
      const param = e.payload === undefined ? '' : `payload: ${ctx.tsType(e.payload)}`;
      out.list(`${n.events.get(e.name)!.publish}(`, param === '' ? [] : [param], '): void {');
      out.indented(() =>
        out.list(
          'this.#publisher.publish(',
          [n.descriptor, eventConst(e.name), e.payload === undefined ? 'undefined' : 'payload'],
          ');',
        ),
      );
      out.line('}');
    }
  });
}
