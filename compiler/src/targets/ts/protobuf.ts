// Emits the protobuf encoders and decoders of each type (ADR 0028; the schema they follow is what
// `interopc gen --lang proto` writes, compiler/src/targets/proto). Straight-line code per type,
// like the msgpack and JSON code of ./codec.ts, with the same `$at` paths in errors.
//
// Vocabulary: a *single* is one occurrence of a field (key + value); a *field* is everything a
// struct field writes: nothing for an absent optional, a packed run or one single per element for
// a list, one entry message per map entry. A list, map or optional where protobuf cannot nest
// them (inside a list, as a map value, as a union case) is a single of its wrapper message, whose
// field 1 is that list, map or optional.

import type { Field, TypeRef, UnionDecl } from '../../ir/types.js';
import { CodeWriter, tsString } from './code-writer.js';
import { isEnum, keyOrder, keyPath, localFn, Locals, type StructShape } from './codec.js';
import { RT, type GenContext } from './context.js';
import { constExpr, zeroExpr } from './values.js';

type Ref = Extract<TypeRef, { kind: 'ref' }>;

const INT_RANGE: Record<string, [number, number]> = {
  i8: [-0x80, 0x7f], i16: [-0x8000, 0x7fff], i32: [-0x80000000, 0x7fffffff],
  u8: [0, 0xff], u16: [0, 0xffff], u32: [0, 0xffffffff],
};

/** The wire type of a scalar or enum; undefined for what is length-delimited as a message. */
function wireType(ctx: GenContext, t: TypeRef): number | undefined {
  if (t.kind === 'scalar') return t.name === 'f32' ? 5 : t.name === 'f64' ? 1 : t.name === 'string' || t.name === 'bytes' ? 2 : 0;
  if (isEnum(ctx, t)) return 0;
  return undefined;
}

/** Scalars and enums other than strings and bytes: packed in a list. */
function packable(ctx: GenContext, t: TypeRef): boolean {
  const wt = wireType(ctx, t);
  return wt !== undefined && wt !== 2;
}

function writeScalar(ctx: GenContext, t: TypeRef, expr: string): string {
  return t.kind === 'scalar' ? `w.${t.name}(${expr});` : `w.enumValue(${expr});`;
}

function readScalar(ctx: GenContext, t: TypeRef): string {
  if (t.kind !== 'scalar') return 'r.enumValue()';
  const range = INT_RANGE[t.name];
  if (range !== undefined) return t.name.startsWith('i') ? `r.sint(${range[0]}, ${range[1]}, '${t.name}')` : `r.uint(${range[1]}, '${t.name}')`;
  return `r.${t.name}()`;
}

function msgFn(ctx: GenContext, t: Ref, dir: 'enc' | 'dec'): string {
  if (t.module === ctx.module.name) return localFn(ctx.typeName(t.module, t.name), dir, 'pb');
  return `${ctx.codecOf(t.module, t.name)}.${dir === 'enc' ? 'encodeProtobuf' : 'decodeProtobuf'}!`;
}

function isMessage(ctx: GenContext, t: TypeRef): t is Ref {
  return t.kind === 'ref' && !isEnum(ctx, t);
}

/** One occurrence of field `n` holding `expr` (present). */
function encodeSingle(ctx: GenContext, t: TypeRef, n: number, expr: string, out: CodeWriter, locals: Locals): void {
  const wt = wireType(ctx, t);
  if (wt !== undefined) {
    out.line(`w.key(${n * 8 + wt});`);
    out.line(writeScalar(ctx, t, expr));
    return;
  }
  const m = locals.next('m');
  out.line(`w.key(${n * 8 + 2});`);
  out.line(`const ${m} = w.beginLen();`);
  if (isMessage(ctx, t)) out.line(`${msgFn(ctx, t, 'enc')}(w, ${expr});`);
  else encodeField(ctx, t, 1, expr, out, locals); // the wrapper's field 1
  out.line(`w.endLen(${m});`);
}

/** Everything field `n` of type `t` writes for `expr`. */
export function encodeField(ctx: GenContext, t: TypeRef, n: number, expr: string, out: CodeWriter, locals: Locals): void {
  switch (t.kind) {
    case 'optional': {
      const o = locals.next('o');
      out.line(`const ${o} = ${expr};`);
      out.block(`if (${o} != null) {`, () => encodeSingle(ctx, t.inner, n, o, out, locals));
      return;
    }
    case 'list': {
      const a = locals.next('a');
      const i = locals.next('i');
      const x = locals.next('x');
      out.line(`const ${a} = ${expr};`);
      out.line(`if (!Array.isArray(${a})) throw ${RT}.mismatch('list', ${a});`);
      out.line(`let ${i} = 0;`);
      if (packable(ctx, t.element)) {
        const p = locals.next('p');
        out.block(`if (${a}.length > 0) {`, () => {
          out.line(`w.key(${n * 8 + 2});`);
          out.line(`const ${p} = w.beginLen();`);
          out.tryCatch(
            () => out.block(`for (const ${x} of ${a}) {`, () => out.line(writeScalar(ctx, t.element, x)).line(`${i}++;`)),
            `throw ${RT}.withPath(e, \`[\${${i}}]\`);`,
          );
          out.line(`w.endLen(${p});`);
        });
      } else {
        out.tryCatch(
          () =>
            out.block(`for (const ${x} of ${a}) {`, () => {
              encodeSingle(ctx, t.element, n, x, out, locals);
              out.line(`${i}++;`);
            }),
          `throw ${RT}.withPath(e, \`[\${${i}}]\`);`,
        );
      }
      return;
    }
    case 'map': {
      const k = locals.next('k');
      const key = locals.next('key');
      const val = locals.next('val');
      const p = locals.next('p');
      out.line(`let ${k}: unknown;`);
      out.tryCatch(
        () =>
          out.block(`for (const [${key}, ${val}] of ${RT}.mapEntries(${expr}, '${keyOrder(t.key)}')) {`, () => {
            out.line(`${k} = ${key};`);
            out.line(`w.key(${n * 8 + 2});`);
            out.line(`const ${p} = w.beginLen();`);
            encodeSingle(ctx, t.key, 1, key, out, locals);
            encodeSingle(ctx, t.value, 2, val, out, locals);
            out.line(`w.endLen(${p});`);
          }),
        `throw ${RT}.withPath(e, ${keyPath(t.key, k)});`,
      );
      return;
    }
    default:
      encodeSingle(ctx, t, n, expr, out, locals);
  }
}

/** What a wrapper's or map entry's missing field 1 / 2 reads as: the type's zero value. */
function zeroOf(ctx: GenContext, t: TypeRef, what: string): string {
  return zeroExpr(ctx, t) ?? `${RT}.throwMissing('.${what}')`;
}

/** Reads one occurrence whose key was just read; returns the expression of its value. */
function decodeSingle(ctx: GenContext, t: TypeRef, out: CodeWriter, locals: Locals): string {
  const wt = wireType(ctx, t);
  if (wt !== undefined) {
    out.line(`r.expect(${wt});`);
    return readScalar(ctx, t);
  }
  const s = locals.next('s');
  const v = locals.next('v');
  out.line(`const ${s} = r.enter();`);
  if (isMessage(ctx, t)) {
    out.line(`const ${v} = ${msgFn(ctx, t, 'dec')}(r);`);
  } else {
    out.line(`let ${v}: ${ctx.tsType(t)} | undefined;`);
    out.block(`for (let $n = r.field(); $n !== 0; $n = r.field()) {`, () => {
      out.block(`if ($n === 1) {`, () => decodeInto(ctx, t, v, out, locals), '} else r.skip();');
    });
    out.line(`if (${v} === undefined) ${v} = ${zeroOf(ctx, t, 'value')};`);
  }
  out.line(`r.leave(${s});`);
  return v;
}

/**
 * Statements for one occurrence of a field of type `t` whose key was just read, into the variable
 * `target` (`T | undefined`): lists append (packed or not), maps add an entry, the rest assign.
 * The caller checks that a singular field is not seen twice.
 */
export function decodeInto(ctx: GenContext, t: TypeRef, target: string, out: CodeWriter, locals: Locals): void {
  switch (t.kind) {
    case 'optional':
      out.line(`${target} = ${decodeSingle(ctx, t.inner, out, locals)};`);
      return;
    case 'list': {
      const a = locals.next('a');
      out.line(`const ${a} = (${target} ??= []);`);
      const read = () => out.line(`${a}.push(${decodeSingle(ctx, t.element, out, locals)});`);
      out.tryCatch(() => {
        if (packable(ctx, t.element)) {
          const o = locals.next('o');
          out.block('if (r.wt === 2) {', () => {
            out.line(`const ${o} = r.enterPacked();`);
            out.line(`while (r.more()) ${a}.push(${readScalar(ctx, t.element)});`);
            out.line(`r.leavePacked(${o});`);
          }, '} else {');
          out.indented(read);
          out.line('}');
        } else read();
      }, `throw ${RT}.withPath(e, \`[\${${a}.length}]\`);`);
      return;
    }
    case 'map': {
      const m = locals.next('m');
      const s = locals.next('s');
      const k = locals.next('k');
      const v = locals.next('v');
      out.line(`const ${m} = (${target} ??= new Map<${ctx.tsType(t.key)}, ${ctx.tsType(t.value)}>());`);
      out.line(`let ${k}: ${ctx.tsType(t.key)} | undefined;`);
      out.tryCatch(() => {
        out.line(`const ${s} = r.enter();`);
        out.line(`let ${v}: ${ctx.tsType(t.value)} | undefined;`);
        out.line(`let ${v}$seen = false;`);
        out.block(`for (let $n = r.field(); $n !== 0; $n = r.field()) {`, () => {
          out.block('if ($n === 1) {', () => {
            out.line(`if (${k} !== undefined) throw ${RT}.duplicate('field');`);
            out.line(`${k} = ${decodeSingle(ctx, t.key, out, locals)};`);
          }, '} else if ($n === 2) {');
          out.indented(() => {
            out.line(`if (${v}$seen) throw ${RT}.duplicate('field');`);
            out.line(`${v}$seen = true;`);
            out.line(`${v} = ${decodeSingle(ctx, t.value, out, locals)};`);
          });
          out.line('} else r.skip();');
        });
        out.line(`r.leave(${s});`);
        out.line(`if (${k} === undefined) ${k} = ${zeroOf(ctx, t.key, 'key')};`);
        out.line(`${RT}.putUnique(${m}, ${k}, ${v}$seen ? ${v}! : ${zeroOf(ctx, t.value, 'value')});`);
      }, `throw ${RT}.withPath(e, ${keyPath(t.key, k)});`);
      return;
    }
    default:
      out.line(`${target} = ${decodeSingle(ctx, t, out, locals)};`);
  }
}

function repeated(t: TypeRef): boolean {
  return t.kind === 'list' || t.kind === 'map';
}

/** Body of `(w, v) => void` for a struct-shaped value: its fields by number. */
export function encodeStructPb(ctx: GenContext, shape: StructShape, typeName: string | undefined, out: CodeWriter): void {
  const locals = new Locals();
  if (typeName !== undefined) out.line(`${RT}.checkObject(v, ${tsString(typeName)});`);
  if (shape.fields.length === 0) return;
  out.line(`let $at = '';`);
  out.tryCatch(() => {
    const sorted = shape.fields.map((f, i) => [f, i] as const).sort((a, b) => a[0].id - b[0].id);
    for (const [f, i] of sorted) {
      out.line(`$at = '.${f.name}';`);
      encodeField(ctx, f.type, f.id, shape.get(i), out, locals);
    }
  }, `throw ${RT}.withPath(e, $at);`);
}

/** Body of `(r) => T` for a struct-shaped value; ends with `return`. */
export function decodeStructPb(ctx: GenContext, shape: StructShape, out: CodeWriter): void {
  const locals = new Locals();
  const fields: Field[] = shape.fields;
  fields.forEach((f, i) => out.line(`let $f${i}: ${ctx.tsType(f.type)} | undefined;`));
  // One bit per singular field (lists and maps may come in several pieces), 30 to a word.
  const words = new Set(fields.map((f, i) => (repeated(f.type) ? -1 : Math.floor(i / 30))).filter((w) => w >= 0));
  for (const word of words) out.line(`let $seen${word} = 0;`);
  out.line(`let $at = '';`);
  out.tryCatch(() => {
    out.block('for (let $n = r.field(); $n !== 0; $n = r.field()) {', () =>
      out.block('switch ($n) {', () => {
        fields.forEach((f, i) => {
          out.block(`case ${f.id}: {`, () => {
            out.line(`$at = '.${f.name}';`);
            if (!repeated(f.type)) {
              const seen = `$seen${Math.floor(i / 30)}`;
              const bit = 1 << (i % 30);
              out.line(`if (${seen} & ${bit}) throw ${RT}.duplicate('field');`);
              out.line(`${seen} |= ${bit};`);
            }
            decodeInto(ctx, f.type, `$f${i}`, out, locals);
            out.line('break;');
          });
        });
        out.block('default:', () => out.line(`$at = '';`).line('r.skip();'), null);
      }),
    );
  }, `throw ${RT}.withPath(e, $at);`);
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

export function encodeUnionPb(ctx: GenContext, d: UnionDecl, out: CodeWriter): void {
  const locals = new Locals();
  out.line(`${RT}.checkObject(v, ${tsString(d.name)});`);
  out.line(`let $at = '';`);
  out.tryCatch(() => {
    out.block('switch (v.kind) {', () => {
      for (const u of d.cases) {
        out.block(`case ${tsString(u.name)}:`, () => {
          out.line(`$at = '.${u.name}';`);
          if (u.type === undefined) out.line(`w.key(${u.id * 8 + 2});`).line('w.byte(0);');
          else encodeSingle(ctx, u.type, u.id, 'v.value', out, locals);
          out.line('break;');
        }, '');
      }
      out.block('default:', () => {
        out.list(`throw ${RT}.invalid(`, [`\`unknown ${d.name} case \${String((v as { kind?: unknown }).kind)}\``], ');');
      }, null);
    });
  }, `throw ${RT}.withPath(e, $at);`);
}

export function decodeUnionPb(ctx: GenContext, d: UnionDecl, name: string, out: CodeWriter): void {
  const locals = new Locals();
  const oneCase = `${RT}.invalid('expected exactly one ${d.name} case')`;
  out.line(`let $at = '';`);
  out.line(`let $v: ${name} | undefined;`);
  out.tryCatch(() => {
    out.block('for (let $n = r.field(); $n !== 0; $n = r.field()) {', () => {
      out.line(`$at = '';`);
      out.line(`if ($v !== undefined) throw ${oneCase};`);
      out.block('switch ($n) {', () => {
        for (const u of d.cases) {
          out.block(`case ${u.id}: {`, () => {
            out.line(`$at = '.${u.name}';`);
            if (u.type === undefined) {
              const s = locals.next('s');
              out.line(`const ${s} = r.enter();`);
              out.line('for (let $m = r.field(); $m !== 0; $m = r.field()) r.skip();');
              out.line(`r.leave(${s});`);
              out.line(`$v = { kind: ${tsString(u.name)} };`);
            } else {
              const v = decodeSingle(ctx, u.type, out, locals);
              out.line(`$v = { kind: ${tsString(u.name)}, value: ${v} };`);
            }
            out.line('break;');
          });
        }
        out.block('default:', () => out.list(`throw ${RT}.invalid(`, [`\`unknown ${d.name} case id \${$n}\``], ');'), null);
      });
    });
  }, `throw ${RT}.withPath(e, $at);`);
  out.line(`if ($v === undefined) throw ${oneCase};`);
  out.line('return $v;');
}

/** The protobuf methods of a standalone value codec: the value is field 1 of its wrapper message. */
export function emitValuePb(ctx: GenContext, t: TypeRef, type: string, out: CodeWriter): void {
  out.block(`encodeProtobuf(w: ${RT}.ProtobufWriter, v: ${type}): void {`, () => encodeField(ctx, t, 1, 'v', out, new Locals()), '},');
  out.block(`decodeProtobuf(r: ${RT}.ProtobufReader): ${type} {`, () => {
    const locals = new Locals();
    out.line(`let $v: ${type} | undefined;`);
    if (!repeated(t)) out.line('let $seen = false;');
    out.block('for (let $n = r.field(); $n !== 0; $n = r.field()) {', () => {
      out.block('if ($n === 1) {', () => {
        if (!repeated(t)) out.line(`if ($seen) throw ${RT}.duplicate('field');`).line('$seen = true;');
        decodeInto(ctx, t, '$v', out, locals);
      }, '} else r.skip();');
    });
    out.line(`return $v ?? ${zeroOf(ctx, t, 'value')};`);
  }, '},');
}
