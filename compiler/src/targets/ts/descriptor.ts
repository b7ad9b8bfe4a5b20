// Emits what the runtime needs to serve and call a module: the parameters/result/payload codecs
// of every function and event, their descriptors, and `<Stem>Module: ModuleDescriptor`.

import type { FunctionDecl, Module, Param, TypeRef } from '../../ir/types.js';
import { decodeStruct, encodeStruct, READER, valueCodecExpr, WRITER, type StructShape } from './codec.js';
import { CodeWriter } from './code-writer.js';
import { RT, type GenContext } from './context.js';

/** The functions a TS module exposes: streams are reserved in the IR and not generated yet. */
export function callableFunctions(ctx: GenContext): FunctionDecl[] {
  return ctx.module.functions.filter((f) => f.kind !== 'stream');
}

/** An object-literal key for an IDL name; `__proto__` must be computed to stay an own property. */
export function propKey(name: string): string {
  return name === '__proto__' ? `['__proto__']` : name;
}

export const fnConst = (f: FunctionDecl): string => `fn$${f.name}`;
export const eventConst = (name: string): string => `event$${name}`;

function paramsShape(ctx: GenContext, params: Param[]): StructShape {
  return {
    fields: params,
    get: (i) => `(v[${i}] as ${ctx.tsType(params[i]!.type)})`,
    build: (values) => `[${values.join(', ')}]`,
  };
}

function paramsCodec(ctx: GenContext, f: FunctionDecl, out: CodeWriter): string {
  const name = `${fnConst(f)}$params`;
  out.block(
    `const ${name}: ${RT}.TypeCodec<unknown[]> = ${RT}.defineCodec<unknown[]>(${JSON.stringify(f.name)}, {`,
    () => {
      for (const c of ['mp', 'json'] as const) {
        const enc = c === 'mp' ? 'encodeMsgpack' : 'encodeJson';
        const dec = c === 'mp' ? 'decodeMsgpack' : 'decodeJson';
        out.block(
          `${enc}(w: ${WRITER[c]}, ${f.params.length > 0 ? 'v' : '_v'}: unknown[]): void {`,
          () => encodeStruct(ctx, c, paramsShape(ctx, f.params), out),
          '},',
        );
        out.block(
          `${dec}(r: ${READER[c]}): unknown[] {`,
          () => decodeStruct(ctx, c, paramsShape(ctx, f.params), out),
          '},',
        );
      }
    },
    '});',
  );
  return name;
}

function payloadCodec(
  ctx: GenContext,
  constName: string,
  label: string,
  t: TypeRef,
  out: CodeWriter,
): string {
  const expr = valueCodecExpr(ctx, label, t);
  if (/^[\w$.]+$/.test(expr)) return expr; // a declared type's codec: use it directly
  out.line(`const ${constName}: ${RT}.TypeCodec<${ctx.tsType(t)}> = ${expr};`);
  return constName;
}

/**
 * The module's IR as JSON, with every source path (the module's `file` and each span's) reduced
 * to the name shown in the header, so the output does not depend on where interopc ran.
 */
function portableIr(m: Module, sourceName: string): string {
  const base = (file: string) => (file === m.file ? sourceName : (file.split(/[\\/]/).pop() ?? file));
  return JSON.stringify(m, (key, value: unknown) =>
    key === 'file' && typeof value === 'string' ? base(value) : value,
  );
}

export function emitDescriptor(ctx: GenContext, out: CodeWriter): void {
  const m = ctx.module;
  const errors = new Map<string, string>();
  for (const f of callableFunctions(ctx)) {
    const params = paramsCodec(ctx, f, out);
    const result =
      f.result === undefined
        ? undefined
        : payloadCodec(ctx, `${fnConst(f)}$result`, `${f.name} result`, f.result, out);
    const throws = f.throws.filter((t): t is Extract<TypeRef, { kind: 'ref' }> => t.kind === 'ref');
    for (const t of throws) errors.set(`${t.module}.${t.name}`, ctx.codecOf(t.module, t.name));
    out.block(
      `const ${fnConst(f)}: ${RT}.FunctionDescriptor = {`,
      () => {
        out.line(`name: ${JSON.stringify(f.name)},`);
        out.line(`kind: ${JSON.stringify(f.kind)},`);
        out.line(`params: ${params},`);
        if (result !== undefined) out.line(`result: ${result} as ${RT}.PayloadCodec<unknown>,`);
        out.line(`throws: [${throws.map((t) => JSON.stringify(`${t.module}.${t.name}`)).join(', ')}],`);
        out.line(`method: ${JSON.stringify(ctx.names.functions.get(f.name)!.method)},`);
      },
      '};',
    );
  }
  for (const e of m.events) {
    const payload =
      e.payload === undefined
        ? undefined
        : payloadCodec(ctx, `${eventConst(e.name)}$payload`, `${e.name} event`, e.payload, out);
    out.block(
      `const ${eventConst(e.name)}: ${RT}.EventDescriptor = {`,
      () => {
        out.line(`name: ${JSON.stringify(e.name)},`);
        if (payload !== undefined) out.line(`payload: ${payload} as ${RT}.PayloadCodec<unknown>,`);
      },
      '};',
    );
  }
  const doc = `/** Describes module \`${m.name}\` to the runtime: serve it with a handlers object, call it with a client. */`;
  out.line(doc);
  out.block(
    `export const ${ctx.names.descriptor}: ${RT}.ModuleDescriptor = {`,
    () => {
      out.line(`name: ${JSON.stringify(m.name)},`);
      out.line(`version: ${JSON.stringify(m.version)},`);
      out.line(`fingerprint: ${JSON.stringify(m.fingerprint)},`);
      out.line(
        `functions: { ${callableFunctions(ctx)
          .map((f) => `${propKey(f.name)}: ${fnConst(f)}`)
          .join(', ')} },`,
      );
      out.line(`events: { ${m.events.map((e) => `${propKey(e.name)}: ${eventConst(e.name)}`).join(', ')} },`);
      const errorEntries = [...errors]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(
          ([name, codec]) =>
            `${JSON.stringify(name)}: { name: ${JSON.stringify(name)}, codec: ${codec} as ${RT}.PayloadCodec<${RT}.ApplicationError> }`,
        );
      out.line(`errors: { ${errorEntries.join(', ')} },`);
      // The descriptors of the modules this one imports: a node serves their IR along with its own.
      out.line(
        `imports: [${m.imports.map((i) => ctx.qualify(i, ctx.allNames.get(i)!.descriptor)).join(', ')}],`,
      );
      // Parsing a JSON string is faster than evaluating an object literal, and keeps the file short.
      out.line(`ir: JSON.parse(${JSON.stringify(portableIr(m, ctx.sourceName))}) as unknown,`);
    },
    '};',
  );
}
