// Emits what the runtime needs to serve and call a module: the parameters/result/payload codecs
// of every function and event, their descriptors, and `<Stem>Module: ModuleDescriptor`.

import type { FunctionDecl, Module, Param, TypeRef } from '../../ir/types.js';
import { checkStruct } from './checks.js';
import { decodeStructFb, encodeStructFb, fbParams } from './flatbuffers.js';
import { decodeStructPb, encodeStructPb } from './protobuf.js';
import { declaredCodec, decodeStruct, emitValueCodec, encodeStruct, READER, WRITER, type StructShape } from './codec.js';
import { CodeWriter, tsString } from './code-writer.js';
import { RT, type GenContext } from './context.js';
import { portableIr } from '../common/header.js';


/** An object-literal key for an IDL name; `__proto__` must be computed to stay an own property. */
export function propKey(name: string): string {
  return name === '__proto__' ? `['__proto__']` : name;
}

/** An object literal's key for any string, quoted only when it is not an identifier. */
function quotedKey(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : tsString(name);
}

export const fnConst = (f: FunctionDecl): string => `fn$${f.name}`;
export const eventConst = (name: string): string => `event$${name}`;

function paramsShape(ctx: GenContext, params: Param[]): StructShape {
  return {
    fields: params,
    get: (i) => `v[${i}] as ${ctx.tsType(params[i]!.type)}`,
    build: (values) => ({ head: '[', items: values, tail: ']', spaced: false }),
  };
}

function paramsCodec(ctx: GenContext, f: FunctionDecl, out: CodeWriter): string {
  const name = `${fnConst(f)}$params`;
  out.callWithObject(
    `const ${name}: ${RT}.TypeCodec<unknown[]> = ${RT}.defineCodec<unknown[]>(`,
    [tsString(f.name)],
    () => {
      const v = f.params.length > 0 ? 'v' : '_v';
      out.block(`check(${v}: unknown[]): void {`, () => checkStruct(ctx, paramsShape(ctx, f.params), undefined, out), '},');
      for (const c of ['mp', 'json'] as const) {
        const enc = c === 'mp' ? 'encodeMsgpack' : 'encodeJson';
        const dec = c === 'mp' ? 'decodeMsgpack' : 'decodeJson';
        out.block(
          `${enc}(w: ${WRITER[c]}, ${f.params.length > 0 ? 'v' : '_v'}: unknown[]): void {`,
          () => encodeStruct(ctx, c, paramsShape(ctx, f.params), undefined, out),
          '},',
        );
        out.block(
          `${dec}(r: ${READER[c]}): unknown[] {`,
          () => decodeStruct(ctx, c, paramsShape(ctx, f.params), out),
          '},',
        );
      }
      out.block(`encodeProtobuf(${f.params.length > 0 ? 'w' : '_w'}: ${WRITER.pb}, ${v}: unknown[]): void {`, () => encodeStructPb(ctx, paramsShape(ctx, f.params), undefined, out), '},');
      out.block(`decodeProtobuf(r: ${READER.pb}): unknown[] {`, () => decodeStructPb(ctx, paramsShape(ctx, f.params), out), '},');
      out.block(`encodeFlatbuffers(${fbParams(f.params, `w: ${WRITER.fb}`, `${v}: unknown[]`)}): number {`, () => encodeStructFb(ctx, paramsShape(ctx, f.params), undefined, out), '},');
      out.block(`decodeFlatbuffers(${fbParams(f.params, `r: ${READER.fb}`, 't: number')}): unknown[] {`, () => decodeStructFb(ctx, paramsShape(ctx, f.params), out), '},');
    },
    ';',
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
  const declared = declaredCodec(ctx, t);
  if (declared !== undefined) return declared; // a declared type's codec: use it directly
  emitValueCodec(ctx, label, t, `const ${constName}: ${RT}.TypeCodec<${ctx.tsType(t)}> = `, ';', out);
  return constName;
}

export function emitDescriptor(ctx: GenContext, out: CodeWriter): void {
  const m = ctx.module;
  const errors = new Map<string, string>();
  for (const f of m.functions) {
    const params = paramsCodec(ctx, f, out);
    const result =
      f.result === undefined
        ? undefined
        : payloadCodec(ctx, `${fnConst(f)}$result`, `${f.name} result`, f.result, out);
    const input = f.input && payloadCodec(ctx, `${fnConst(f)}$input`, `${f.name} input`, f.input.type, out);
    const output = f.output && payloadCodec(ctx, `${fnConst(f)}$output`, `${f.name} output`, f.output, out);
    const throws = f.throws.filter((t): t is Extract<TypeRef, { kind: 'ref' }> => t.kind === 'ref');
    for (const t of throws) errors.set(`${t.module}.${t.name}`, ctx.codecOf(t.module, t.name));
    out.block(
      `const ${fnConst(f)}: ${RT}.FunctionDescriptor = {`,
      () => {
        out.line(`name: ${tsString(f.name)},`);
        out.line(`kind: ${tsString(f.kind)},`);
        out.line(`params: ${params},`);
        if (result !== undefined) out.line(`result: ${result} as ${RT}.PayloadCodec<unknown>,`);
        if (input !== undefined) out.line(`input: ${input} as ${RT}.PayloadCodec<unknown>,`);
        if (output !== undefined) out.line(`output: ${output} as ${RT}.PayloadCodec<unknown>,`);
        out.list('throws: [', throws.map((t) => tsString(`${t.module}.${t.name}`)), '],');
        out.line(`method: ${tsString(ctx.names.functions.get(f.name)!.method)},`);
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
        out.line(`name: ${tsString(e.name)},`);
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
      out.line(`name: ${tsString(m.name)},`);
      out.line(`version: ${tsString(m.version)},`);
      out.line(`fingerprint: ${tsString(m.fingerprint)},`);
      const functions = m.functions.map((f) => `${propKey(f.name)}: ${fnConst(f)}`);
      out.list('functions: {', functions, '},', { spaced: true });
      out.list('events: {', m.events.map((e) => `${propKey(e.name)}: ${eventConst(e.name)}`), '},', { spaced: true });
      const sortedErrors = [...errors].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      // Prettier keeps the quotes of every key when one needs them.
      const key = sortedErrors.some(([name]) => quotedKey(name) !== name) ? tsString : quotedKey;
      const entries = sortedErrors.map(([name, codec]) => ({
        key: key(name),
        fields: [`name: ${tsString(name)}`, `codec: ${codec} as ${RT}.PayloadCodec<${RT}.ApplicationError>`],
      }));
      const flat = entries.map((e) => `${e.key}: { ${e.fields.join(', ')} }`);
      if (out.fits(`errors: { ${flat.join(', ')} },`)) out.list('errors: {', flat, '},', { spaced: true });
      else out.block('errors: {', () => entries.forEach((e) => out.list(`${e.key}: {`, e.fields, '},', { spaced: true })), '},');
      // The descriptors of the modules this one imports: a node serves their IR along with its own.
      out.list('imports: [', m.imports.map((i) => ctx.qualify(i, ctx.allNames.get(i)!.descriptor)), '],');
      // Parsing a JSON string is faster than evaluating an object literal, and keeps the file short.
      out.list('ir: JSON.parse(', [tsString(portableIr(m, ctx.sourceName))], ') as unknown,');
    },
    '};',
  );
}
