// The codec of each declared type: four functions (msgpack and JSON, encode and decode) that call
// each other directly within a file, and a `<Type>$codec` object that other files and the runtime
// use. Enums use the runtime's table-driven enum codec.

import type { ErrorDecl, StructDecl, TypeDecl, UnionDecl } from '../../ir/types.js';
import {
  encodeStruct,
  decodeStruct,
  decodeValue,
  encodeValue,
  localFn,
  Locals,
  READER,
  declaredCodec,
  emitValueCodec,
  WRITER,
  type Codec,
  type StructShape,
} from './codec.js';
import { checkStruct, checkUnion, localCheck } from './checks.js';
import { CodeWriter, tsString } from './code-writer.js';
import { decodeStructFb, decodeUnionFb, encodeStructFb, encodeUnionFb, fbParams } from './flatbuffers.js';
import { decodeStructPb, decodeUnionPb, encodeStructPb, encodeUnionPb } from './protobuf.js';
import { RT, type GenContext } from './context.js';

const CODECS: Codec[] = ['mp', 'json'];

export function emitDeclCodec(ctx: GenContext, d: TypeDecl, out: CodeWriter): void {
  const name = ctx.names.types.get(d.name)!;
  switch (d.kind) {
    case 'enum': {
      const members = d.members.map((m) => `[${tsString(m.name)}, ${m.value}]`);
      out.list(`export const ${name}$codec: ${RT}.EnumCodec = ${RT}.enumCodec(${tsString(d.name)}, [`, members, ']);', {
        forceBreak: members.length > 1,
      });
      return;
    }
    case 'alias': {
      const head = `export const ${name}$codec: ${RT}.TypeCodec<${name}> = `;
      const declared = declaredCodec(ctx, d.type);
      if (declared !== undefined) out.line(`${head}${declared};`);
      else emitValueCodec(ctx, d.name, d.type, head, ';', out);
      return;
    }
    case 'struct':
    case 'error':
      out.block(`function ${localCheck(name)}(v: ${name}): void {`, () => checkStruct(ctx, structShape(ctx, d, name), d.name, out));
      for (const c of CODECS) {
        out.block(`function ${localFn(name, 'enc', c)}(w: ${WRITER[c]}, v: ${name}): void {`, () =>
          encodeStruct(ctx, c, structShape(ctx, d, name), d.name, out),
        );
        out.block(`function ${localFn(name, 'dec', c)}(r: ${READER[c]}): ${name} {`, () =>
          decodeStruct(ctx, c, structShape(ctx, d, name), out),
        );
      }
      out.block(`function ${localFn(name, 'enc', 'pb')}(${d.fields.length > 0 ? 'w' : '_w'}: ${WRITER.pb}, v: ${name}): void {`, () =>
        encodeStructPb(ctx, structShape(ctx, d, name), d.name, out),
      );
      out.block(`function ${localFn(name, 'dec', 'pb')}(r: ${READER.pb}): ${name} {`, () =>
        decodeStructPb(ctx, structShape(ctx, d, name), out),
      );
      out.block(`function ${localFn(name, 'enc', 'fb')}(${fbParams(d.fields, `w: ${WRITER.fb}`, `v: ${name}`)}): number {`, () =>
        encodeStructFb(ctx, structShape(ctx, d, name), d.name, out),
      );
      out.block(`function ${localFn(name, 'dec', 'fb')}(${fbParams(d.fields, `r: ${READER.fb}`, 't: number')}): ${name} {`, () =>
        decodeStructFb(ctx, structShape(ctx, d, name), out),
      );
      break;
    case 'union':
      out.block(`function ${localCheck(name)}(v: ${name}): void {`, () => checkUnion(ctx, d, out));
      for (const c of CODECS) {
        out.block(`function ${localFn(name, 'enc', c)}(w: ${WRITER[c]}, v: ${name}): void {`, () =>
          encodeUnion(ctx, c, d, out),
        );
        out.block(`function ${localFn(name, 'dec', c)}(r: ${READER[c]}): ${name} {`, () =>
          decodeUnion(ctx, c, d, name, out),
        );
      }
      out.block(`function ${localFn(name, 'enc', 'pb')}(w: ${WRITER.pb}, v: ${name}): void {`, () => encodeUnionPb(ctx, d, out));
      out.block(`function ${localFn(name, 'dec', 'pb')}(r: ${READER.pb}): ${name} {`, () => decodeUnionPb(ctx, d, name, out));
      out.block(`function ${localFn(name, 'enc', 'fb')}(${fbParams(d.cases, `w: ${WRITER.fb}`, `v: ${name}`, 255)}): number {`, () => encodeUnionFb(ctx, d, out));
      out.block(`function ${localFn(name, 'dec', 'fb')}(${fbParams(d.cases, `r: ${READER.fb}`, 't: number', 255)}): ${name} {`, () => decodeUnionFb(ctx, d, name, out));
      break;
  }
  out.callWithObject(
    `export const ${name}$codec: ${RT}.TypeCodec<${name}> = ${RT}.defineCodec<${name}>(`,
    [tsString(d.name)],
    () => {
      out.line(`check: ${localCheck(name)},`);
      out.line(`encodeMsgpack: ${localFn(name, 'enc', 'mp')},`);
      out.line(`decodeMsgpack: ${localFn(name, 'dec', 'mp')},`);
      out.line(`encodeJson: ${localFn(name, 'enc', 'json')},`);
      out.line(`decodeJson: ${localFn(name, 'dec', 'json')},`);
      out.line(`encodeProtobuf: ${localFn(name, 'enc', 'pb')},`);
      out.line(`decodeProtobuf: ${localFn(name, 'dec', 'pb')},`);
      out.line(`encodeFlatbuffers: ${localFn(name, 'enc', 'fb')},`);
      out.line(`decodeFlatbuffers: ${localFn(name, 'dec', 'fb')},`);
    },
    ';',
  );
}

function structShape(ctx: GenContext, d: StructDecl | ErrorDecl, name: string): StructShape {
  const names = ctx.names.fields.get(d.name)!;
  const props = d.fields.map((f) => names.get(f.name)!);
  return {
    fields: d.fields,
    get: (i) => `v.${props[i]!}`,
    build: (values) => ({
      head: d.kind === 'error' ? `new ${name}({` : '{',
      items: props.map((p, i) => `${p}: ${values[i]!}`),
      tail: d.kind === 'error' ? '})' : '}',
      spaced: true,
    }),
  };
}

function encodeUnion(ctx: GenContext, c: Codec, d: UnionDecl, out: CodeWriter): void {
  const locals = new Locals();
  out.line(`${RT}.checkObject(v, ${tsString(d.name)});`);
  out.line(`let $at = '';`);
  out.tryCatch(
    () => {
      out.line(c === 'mp' ? 'w.mapHeader(1);' : 'w.beginObject();');
      out.block('switch (v.kind) {', () => {
        for (const u of d.cases) {
          out.block(
            `case ${tsString(u.name)}:`,
            () => {
              out.line(`$at = '.${u.name}';`);
              out.line(
                c === 'mp'
                  ? u.id < 128
                    ? `w.byte(${u.id});`
                    : `w.u32(${u.id});`
                  : `w.key(${ctx.jsonKey(u.name)});`,
              );
              if (u.type === undefined) out.line(c === 'mp' ? 'w.nil();' : 'w.null();');
              else encodeValue(ctx, c, u.type, 'v.value', out, locals);
              out.line('break;');
            },
            '', // a blank line between cases
          );
        }
        out.block(
          'default:',
          () => {
            out.list(`throw ${RT}.invalid(`, [`\`unknown ${d.name} case \${String((v as { kind?: unknown }).kind)}\``], ');');
          },
          null,
        );
      });
      if (c === 'json') out.line('w.endObject();');
    },
    `throw ${RT}.withPath(e, $at);`,
  );
}

function decodeUnion(ctx: GenContext, c: Codec, d: UnionDecl, name: string, out: CodeWriter): void {
  const locals = new Locals();
  const oneCase = `${RT}.invalid('expected exactly one ${d.name} case')`;
  out.line(`let $at = '';`);
  out.tryCatch(
    () => {
      if (c === 'mp') {
        out.line(`if (r.mapHeader() !== 1) throw ${oneCase};`);
        out.line('const $id = r.fieldId();');
      } else {
        out.line('r.beginObject();');
        out.line('const $id = r.nextKey();');
        out.line(`if ($id === undefined) throw ${oneCase};`);
      }
      out.line(`let $v: ${name};`);
      out.block('switch ($id) {', () => {
        for (const u of d.cases) {
          out.block(`case ${c === 'mp' ? u.id : tsString(u.name)}: {`, () => {
            out.line(`$at = '.${u.name}';`);
            if (u.type === undefined) {
              out.line(c === 'mp' ? 'r.expectNil();' : 'r.expectNull();');
              out.line(`$v = { kind: ${tsString(u.name)} };`);
            } else {
              const v = decodeValue(ctx, c, u.type, out, locals);
              out.line(`$v = { kind: ${tsString(u.name)}, value: ${v} };`);
            }
            out.line('break;');
          });
        }
        const shown = c === 'mp' ? 'id ${$id}' : '${JSON.stringify($id)}';
        out.block(
          'default:',
          () => out.list(`throw ${RT}.invalid(`, [`\`unknown ${d.name} case ${shown}\``], ');'),
          null,
        );
      });
      out.line(`$at = '';`);
      out.line(c === 'mp' ? 'r.exit();' : `if (r.nextKey() !== undefined) throw ${oneCase};`);
      out.line('return $v;');
    },
    `throw ${RT}.withPath(e, $at);`,
  );
}
