// Emits the per-type encoders and decoders of both codecs (docs/wire.md §3): straight-line code
// per type, no reflection. Values are written with the runtime's MsgpackWriter/JsonWriter and read
// with MsgpackReader/JsonReader; generated locals start with `$` so they never meet IDL names.
//
// Errors carry a path: each struct/union keeps the IDL name of the member being handled in `$at`
// and each container its index or key, and prepends them as an error unwinds.

import type { Field, TypeRef } from '../../ir/types.js';
import { checkValue } from './checks.js';
import { CodeWriter, tsString } from './code-writer.js';
import { RT, type GenContext } from './context.js';
import { emitValueFb } from './flatbuffers.js';
import { emitValuePb } from './protobuf.js';
import { constExpr, zeroExpr } from './values.js';

/** Which codec a function is for: the suffix of its generated name and its writer/reader types. */
export type Codec = 'mp' | 'json';

export const WRITER = { mp: `${RT}.MsgpackWriter`, json: `${RT}.JsonWriter`, pb: `${RT}.ProtobufWriter`, fb: `${RT}.FlatbuffersWriter` } as const;
export const READER = { mp: `${RT}.MsgpackReader`, json: `${RT}.JsonReader`, pb: `${RT}.ProtobufReader`, fb: `${RT}.FlatbuffersReader` } as const;
/** The protobuf and FlatBuffers code (./protobuf.ts, ./flatbuffers.ts) is emitted by functions of its own; it shares these names. */
export const PART = {
  mp: { enc: 'encodeMsgpack', dec: 'decodeMsgpack', suffix: 'Mp' },
  json: { enc: 'encodeJson', dec: 'decodeJson', suffix: 'Json' },
  pb: { enc: 'encodeProtobuf', dec: 'decodeProtobuf', suffix: 'Pb' },
  fb: { enc: 'encodeFlatbuffers', dec: 'decodeFlatbuffers', suffix: 'Fb' },
} as const;

const INT_RANGE: Record<string, [number, number]> = {
  i8: [-0x80, 0x7f],
  i16: [-0x8000, 0x7fff],
  i32: [-0x80000000, 0x7fffffff],
  u8: [0, 0xff],
  u16: [0, 0xffff],
  u32: [0, 0xffffffff],
};

/** Fresh local names within one generated function. */
export class Locals {
  private n = 0;
  next(prefix: string): string {
    return `$${prefix}${++this.n}`;
  }
}

/** Name of the generated function that encodes or decodes a declared type in this file. */
export function localFn(typeName: string, dir: 'enc' | 'dec', c: Codec | 'pb' | 'fb'): string {
  return `${typeName}$${dir}${PART[c].suffix}`;
}

export function refFn(ctx: GenContext, t: Extract<TypeRef, { kind: 'ref' }>, dir: 'enc' | 'dec', c: Codec | 'pb' | 'fb'): string {
  if (t.module === ctx.module.name) return localFn(ctx.typeName(t.module, t.name), dir, c);
  return `${ctx.codecOf(t.module, t.name)}.${PART[c][dir]}`;
}

export function isEnum(ctx: GenContext, t: TypeRef): t is Extract<TypeRef, { kind: 'ref' }> {
  return t.kind === 'ref' && ctx.decl(t.module, t.name).kind === 'enum';
}

/** Statements that write `expr` (of type `t`) to `w`. */
export function encodeValue(
  ctx: GenContext,
  c: Codec,
  t: TypeRef,
  expr: string,
  out: CodeWriter,
  locals: Locals,
): void {
  switch (t.kind) {
    case 'scalar':
      out.line(`w.${t.name}(${expr});`);
      return;
    case 'ref':
      if (isEnum(ctx, t)) {
        out.line(c === 'mp' ? `w.i32(${expr});` : `${ctx.codecOf(t.module, t.name)}.encodeJson(w, ${expr});`);
      } else {
        out.line(`${refFn(ctx, t, 'enc', c)}(w, ${expr});`);
      }
      return;
    case 'optional': {
      const o = locals.next('o');
      out.line(`const ${o} = ${expr};`);
      out.ifElse(
        `${o} == null`,
        () => out.line(c === 'mp' ? 'w.nil();' : 'w.null();'),
        () => encodeValue(ctx, c, t.inner, o, out, locals),
      );
      return;
    }
    case 'list': {
      const a = locals.next('a');
      const i = locals.next('i');
      const x = locals.next('x');
      out.line(`const ${a} = ${expr};`);
      out.line(`if (!Array.isArray(${a})) throw ${RT}.mismatch('list', ${a});`);
      out.line(c === 'mp' ? `w.arrayHeader(${a}.length);` : 'w.beginArray();');
      out.line(`let ${i} = 0;`);
      out.tryCatch(
        () =>
          out.block(`for (const ${x} of ${a}) {`, () => {
            encodeValue(ctx, c, t.element, x, out, locals);
            out.line(`${i}++;`);
          }),
        `throw ${RT}.withPath(e, \`[\${${i}}]\`);`,
      );
      if (c === 'json') out.line('w.endArray();');
      return;
    }
    case 'map': {
      const m = locals.next('m');
      const k = locals.next('k');
      const key = locals.next('key');
      const val = locals.next('val');
      const src = locals.next('map');
      out.line(`const ${src} = ${expr};`);
      // In canonical key order; mapEntries checks it is a Map, so `.size` below is safe.
      out.line(`const ${m} = ${RT}.mapEntries(${src}, '${keyOrder(t.key)}');`);
      out.line(c === 'mp' ? `w.mapHeader(${src}.size);` : 'w.beginObject();');
      out.line(`let ${k}: unknown;`);
      out.tryCatch(
        () =>
          out.block(`for (const [${key}, ${val}] of ${m}) {`, () => {
            out.line(`${k} = ${key};`);
            if (c === 'mp') encodeValue(ctx, c, t.key, key, out, locals);
            else encodeJsonKey(ctx, t.key, key, out);
            encodeValue(ctx, c, t.value, val, out, locals);
          }),
        `throw ${RT}.withPath(e, ${keyPath(t.key, k)});`,
      );
      if (c === 'json') out.line('w.endObject();');
      return;
    }
  }
}

export function keyOrder(key: TypeRef): string {
  if (key.kind === 'scalar' && key.name === 'string') return 'string';
  if (key.kind === 'scalar' && (key.name === 'i64' || key.name === 'u64')) return 'bigint';
  return 'number';
}

export function keyPath(key: TypeRef, k: string): string {
  const text = key.kind === 'scalar' && key.name === 'string' ? `JSON.stringify(${k})` : `String(${k})`;
  return `${k} === undefined ? '[?]' : \`[\${${text}}]\``;
}

function encodeJsonKey(ctx: GenContext, key: TypeRef, expr: string, out: CodeWriter): void {
  if (key.kind === 'ref') {
    out.line(`${ctx.codecOf(key.module, key.name)}.encodeJsonKey(w, ${expr});`);
  } else if (key.kind === 'scalar' && key.name === 'string') {
    out.line(`w.keyString(${expr});`);
  } else if (key.kind === 'scalar' && (key.name === 'i64' || key.name === 'u64')) {
    out.line(`w.keyBigInt(${expr}, ${key.name === 'i64'});`);
  } else if (key.kind === 'scalar' && INT_RANGE[key.name] !== undefined) {
    const [min, max] = INT_RANGE[key.name]!;
    out.line(`w.keyInt(${expr}, ${min}, ${max}, '${key.name}');`);
  } else {
    throw new Error(`ts target: unsupported map key type ${JSON.stringify(key)}`);
  }
}

function readScalar(name: string): string {
  const range = INT_RANGE[name];
  if (range !== undefined) return `r.int(${range[0]}, ${range[1]}, '${name}')`;
  if (name === 'i64' || name === 'u64') return `r.bigint(${name === 'i64'})`;
  return `r.${name}()`;
}

/** Statements that read a value of type `t` from `r`; returns the expression holding it. */
export function decodeValue(ctx: GenContext, c: Codec, t: TypeRef, out: CodeWriter, locals: Locals): string {
  switch (t.kind) {
    case 'scalar':
      return readScalar(t.name);
    case 'ref':
      if (isEnum(ctx, t)) {
        const name = ctx.decl(t.module, t.name).name;
        return c === 'mp'
          ? `r.int(-2147483648, 2147483647, '${name}')`
          : `${ctx.codecOf(t.module, t.name)}.decodeJson(r)`;
      }
      return `${refFn(ctx, t, 'dec', c)}(r)`;
    case 'optional': {
      const o = locals.next('o');
      out.line(`let ${o}: ${ctx.tsType(t)};`);
      out.block(`if (!r.${c === 'mp' ? 'tryNil' : 'tryNull'}()) {`, () => {
        const v = decodeValue(ctx, c, t.inner, out, locals);
        out.line(`${o} = ${v};`);
      });
      return o;
    }
    case 'list': {
      const a = locals.next('a');
      out.line(`const ${a}: Array<${ctx.tsType(t.element)}> = [];`);
      if (c === 'mp') {
        const n = locals.next('n');
        const i = locals.next('i');
        out.line(`const ${n} = r.arrayHeader();`);
        out.line(`let ${i} = 0;`);
        out.tryCatch(
          () =>
            out.block(`for (; ${i} < ${n}; ${i}++) {`, () => {
              const v = decodeValue(ctx, c, t.element, out, locals);
              out.line(`${a}.push(${v});`);
            }),
          `throw ${RT}.withPath(e, \`[\${${i}}]\`);`,
        );
        out.line('r.exit();');
      } else {
        out.line('r.beginArray();');
        out.tryCatch(
          () =>
            out.block('while (r.nextItem()) {', () => {
              const v = decodeValue(ctx, c, t.element, out, locals);
              out.line(`${a}.push(${v});`);
            }),
          `throw ${RT}.withPath(e, \`[\${${a}.length}]\`);`,
        );
      }
      return a;
    }
    case 'map': {
      const m = locals.next('m');
      const k = locals.next('k');
      const keyType = ctx.tsType(t.key);
      out.line(`const ${m} = new Map<${keyType}, ${ctx.tsType(t.value)}>();`);
      if (c === 'mp') {
        const n = locals.next('n');
        const i = locals.next('i');
        out.line(`const ${n} = r.mapHeader();`);
        out.line(`let ${k}: ${keyType} | undefined;`);
        out.tryCatch(
          () =>
            out.block(`for (let ${i} = 0; ${i} < ${n}; ${i}++) {`, () => {
              out.line(`${k} = undefined;`);
              const key = locals.next('key');
              out.line(`const ${key} = ${decodeValue(ctx, c, t.key, out, locals)};`);
              out.line(`${k} = ${key};`);
              const v = decodeValue(ctx, c, t.value, out, locals);
              out.line(`${RT}.putUnique(${m}, ${key}, ${v});`);
            }),
          `throw ${RT}.withPath(e, ${keyPath(t.key, k)});`,
        );
        out.line('r.exit();');
      } else {
        out.line('r.beginObject();');
        out.line(`let ${k}: string | undefined;`);
        out.tryCatch(
          () =>
            out.block(`while ((${k} = r.nextKey()) !== undefined) {`, () => {
              const key = locals.next('key');
              out.line(`const ${key} = ${decodeJsonKey(ctx, t.key, k)};`);
              const v = decodeValue(ctx, c, t.value, out, locals);
              out.line(`${RT}.putUnique(${m}, ${key}, ${v});`);
            }),
          `throw ${RT}.withPath(e, \`[\${JSON.stringify(${k})}]\`);`,
        );
      }
      return m;
    }
  }
}

function decodeJsonKey(ctx: GenContext, key: TypeRef, text: string): string {
  if (key.kind === 'ref') return `${ctx.codecOf(key.module, key.name)}.decodeJsonKey(${text})`;
  if (key.kind === 'scalar' && key.name === 'string') return text;
  if (key.kind === 'scalar' && (key.name === 'i64' || key.name === 'u64'))
    return `${RT}.parseBigIntKey(${text}, ${key.name === 'i64'})`;
  if (key.kind === 'scalar' && INT_RANGE[key.name] !== undefined) {
    const [min, max] = INT_RANGE[key.name]!;
    return `${RT}.parseIntKey(${text}, ${min}, ${max}, '${key.name}')`;
  }
  throw new Error(`ts target: unsupported map key type ${JSON.stringify(key)}`);
}

/** How a struct-shaped value (struct, error, or a function's parameters) is read and built. */
export interface StructShape {
  fields: Field[];
  /** Expression reading field `i` from `v`. */
  get(i: number): string;
  /** The decoded value built from one expression per field, laid out by CodeWriter.list. */
  build(values: string[]): { head: string; items: string[]; tail: string; spaced: boolean };
}

/**
 * Body of `(w, v) => void` for a struct-shaped value: a map keyed by id, or an object keyed by name.
 * `typeName`: the IDL name of a struct or error, whose value must be an object (parameters are an
 * array the generated client builds).
 */
export function encodeStruct(ctx: GenContext, c: Codec, shape: StructShape, typeName: string | undefined, out: CodeWriter): void {
  const locals = new Locals();
  if (typeName !== undefined) out.line(`${RT}.checkObject(v, ${tsString(typeName)});`);
  out.line(`let $at = '';`);
  out.tryCatch(
    () => {
      if (c === 'mp') {
        const required = shape.fields.filter((f) => f.type.kind !== 'optional').length;
        const optional = shape.fields
          .map((f, i) => [f, i] as const)
          .filter(([f]) => f.type.kind === 'optional');
        out.line(`${optional.length > 0 ? 'let' : 'const'} $n = ${required};`);
        for (const [, i] of optional) {
          const v = shape.get(i);
          out.line(`if (${v.includes(' as ') ? `(${v})` : v} != null) $n++;`);
        }
        out.line('w.mapHeader($n);');
      } else {
        out.line('w.beginObject();');
      }
      const sorted = shape.fields.map((f, i) => [f, i] as const).sort((a, b) => a[0].id - b[0].id);
      for (const [f, i] of sorted) {
        out.line(`$at = '.${f.name}';`);
        const key =
          c === 'mp'
            ? f.id < 128
              ? `w.byte(${f.id});`
              : `w.u32(${f.id});`
            : `w.key(${ctx.jsonKey(f.name)});`;
        if (f.type.kind === 'optional') {
          const o = locals.next('o');
          out.line(`const ${o} = ${shape.get(i)};`);
          out.block(`if (${o} != null) {`, () => {
            out.line(key);
            encodeValue(ctx, c, (f.type as Extract<TypeRef, { kind: 'optional' }>).inner, o, out, locals);
          });
        } else {
          out.line(key);
          encodeValue(ctx, c, f.type, shape.get(i), out, locals);
        }
      }
      if (c === 'json') out.line('w.endObject();');
    },
    `throw ${RT}.withPath(e, $at);`,
  );
}

/** Body of `(r) => T` for a struct-shaped value; ends with `return`. */
export function decodeStruct(ctx: GenContext, c: Codec, shape: StructShape, out: CodeWriter): void {
  const locals = new Locals();
  const fields = shape.fields;
  fields.forEach((f, i) => {
    const t = ctx.tsType(f.type);
    out.line(`let $f${i}: ${f.type.kind === 'optional' ? t : `${t} | undefined`};`);
  });
  for (let word = 0; word * 30 < fields.length; word++) out.line(`let $seen${word} = 0;`);
  out.line(`let $at = '';`);
  out.tryCatch(
    () => {
      const cases = () =>
        fields.forEach((f, i) => {
          const seen = `$seen${Math.floor(i / 30)}`;
          const bit = 1 << (i % 30);
          out.block(`case ${c === 'mp' ? f.id : tsString(f.name)}: {`, () => {
            out.line(`$at = '.${f.name}';`);
            out.line(`if (${seen} & ${bit}) throw ${RT}.duplicate('field');`);
            out.line(`${seen} |= ${bit};`);
            const t = f.type.kind === 'optional' ? f.type.inner : f.type;
            if (f.type.kind === 'optional') out.line(`if (r.${c === 'mp' ? 'tryNil' : 'tryNull'}()) break;`);
            const v = decodeValue(ctx, c, t, out, locals);
            out.line(`$f${i} = ${v};`);
            out.line('break;');
          });
        });
      if (c === 'mp') {
        out.line('const $n = r.mapHeader();');
        out.block('for (let $e = 0; $e < $n; $e++) {', () =>
          out.block('switch (r.fieldId()) {', () => {
            cases();
            out.block('default:', () => out.line(`$at = '';`).line('r.skip();'), null);
          }),
        );
        out.line('r.exit();');
      } else {
        out.line('r.beginObject();');
        out.block('for (let $k = r.nextKey(); $k !== undefined; $k = r.nextKey()) {', () =>
          out.block('switch ($k) {', () => {
            cases();
            out.block('default:', () => out.line(`$at = '';`).line('r.skip();'), null);
          }),
        );
      }
    },
    `throw ${RT}.withPath(e, $at);`,
  );
  const values = fields.map((f, i) => {
    if (f.type.kind === 'optional') return `$f${i}`;
    const fallback = f.default !== undefined ? constExpr(ctx, f.default, f.type) : zeroExpr(ctx, f.type);
    if (fallback !== undefined) return `$f${i} ?? ${fallback}`;
    out.line(`if ($f${i} === undefined) throw ${RT}.missingField('.${f.name}');`);
    return `$f${i}`;
  });
  const built = shape.build(values);
  out.list(`return ${built.head}`, built.items, `${built.tail};`, { spaced: built.spaced });
}

/** The codec object of a declared type, or undefined for a type that needs a codec of its own. */
export function declaredCodec(ctx: GenContext, t: TypeRef): string | undefined {
  return t.kind === 'ref' ? ctx.codecOf(t.module, t.name) : undefined;
}

/**
 * A standalone codec (`$rt.defineCodec`) for any type, written as `head` + the call + `tail`
 * (e.g. `const x = ` and `;`): used for results, payloads and aliases.
 */
export function emitValueCodec(ctx: GenContext, label: string, t: TypeRef, head: string, tail: string, out: CodeWriter): void {
  const type = ctx.tsType(t);
  out.callWithObject(
    `${head}${RT}.defineCodec<${type}>(`,
    [tsString(label)],
    () => {
      out.block(`check(v: ${type}): void {`, () => checkValue(ctx, t, 'v', out, new Locals()), '},');
      for (const c of ['mp', 'json'] as const) {
        out.block(
          `${PART[c].enc}(w: ${WRITER[c]}, v: ${type}): void {`,
          () => encodeValue(ctx, c, t, 'v', out, new Locals()),
          '},',
        );
        out.block(
          `${PART[c].dec}(r: ${READER[c]}): ${type} {`,
          () => {
            const v = decodeValue(ctx, c, t, out, new Locals());
            out.line(`return ${v};`);
          },
          '},',
        );
      }
      emitValuePb(ctx, t, type, out);
      emitValueFb(ctx, t, type, out);
    },
    tail,
  );
}
