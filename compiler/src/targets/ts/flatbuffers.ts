// Emits the FlatBuffers encoders and decoders of each type (docs/wire.md §3.6, ADR 0041; the
// tables are what `interopc gen --lang fbs` writes, compiler/src/targets/fbs). Straight-line code
// per type, like ./protobuf.ts, with the same `$at` paths in errors.
//
// Vocabulary: a *table field* is a slot (`id - 1`) of a table: inline (a scalar or enum, written in
// the table) or an *object* the table points to (a string, a vector, another table). A vector
// element that FlatBuffers cannot hold directly (bytes, a list, a map, an optional) is a wrapper
// table whose slot 0 holds it; a map is a vector of entry tables (key slot 0, value slot 1); a
// union is a table (case id slot 0, case table slot 1) whose case table holds the value in slot 0.

import type { Field, TypeRef, UnionDecl } from '../../ir/types.js';
import { MAX_FIELD_ID } from '../fbs/index.js';
import { CodeWriter, tsString } from './code-writer.js';
import { isEnum, keyOrder, keyPath, localFn, Locals, type StructShape } from './codec.js';
import { RT, type GenContext } from './context.js';
import { constExpr, zeroExpr } from './values.js';

type Ref = Extract<TypeRef, { kind: 'ref' }>;

const SIZES: Record<string, number> = { bool: 1, i8: 1, u8: 1, i16: 2, u16: 2, i32: 4, u32: 4, f32: 4, i64: 8, u64: 8, f64: 8 };

/** What FlatBuffers cannot express (compiler/src/targets/fbs refuses it with E0703 / E0704). */
export function fbUnsupported(fields: ReadonlyArray<{ id: number }>, maxId = MAX_FIELD_ID): number | undefined {
  return fields.find((f) => f.id > maxId)?.id;
}

/** The parameters of a FlatBuffers function, `_`-prefixed where its body only refuses (unused). */
export function fbParams(fields: ReadonlyArray<{ id: number }>, a: string, b: string, maxId = MAX_FIELD_ID): string {
  return fbUnsupported(fields, maxId) === undefined ? `${a}, ${b}` : `_${a}, _${b.replace(/^_/, '')}`;
}

/** The size of a scalar or enum held inline (in a table or a vector); undefined for an object. */
function scalarSize(ctx: GenContext, t: TypeRef): number | undefined {
  if (t.kind === 'scalar') return SIZES[t.name];
  return isEnum(ctx, t) ? 4 : undefined;
}

/** What a table field of type `t` takes in the table: its scalar size, or 4 for a uoffset. */
function inlineSize(ctx: GenContext, t: TypeRef): number {
  return scalarSize(ctx, t.kind === 'optional' ? t.inner : t) ?? 4;
}

function fbFn(ctx: GenContext, t: Ref, dir: 'enc' | 'dec'): string {
  if (t.module === ctx.module.name) return localFn(ctx.typeName(t.module, t.name), dir, 'fb');
  return `${ctx.codecOf(t.module, t.name)}.${dir === 'enc' ? 'encodeFlatbuffers' : 'decodeFlatbuffers'}!`;
}

function writeScalar(t: TypeRef, expr: string): string {
  return t.kind === 'scalar' ? `w.${t.name}(${expr});` : `w.enumValue(${expr});`;
}

function readScalar(t: TypeRef, at: string): string {
  return t.kind === 'scalar' ? `r.${t.name}(${at})` : `r.enumValue(${at})`;
}

/** One table field to write: its slot, type, a local holding the value, and its path segment. */
export interface TableField {
  slot: number;
  type: TypeRef;
  expr: string;
  at?: string;
}

/** Writes a table of `fields` (each value already in a local) and its objects; returns the local holding its position. */
function encodeTable(ctx: GenContext, fields: TableField[], out: CodeWriter, locals: Locals): string {
  const t = locals.next('t');
  for (const f of fields) out.line(`${f.type.kind === 'optional' ? `if (${f.expr} != null) ` : ''}w.has(${f.slot}, ${inlineSize(ctx, f.type)});`);
  out.line(`const ${t} = w.table();`);
  const slots: Array<[TableField, string]> = [];
  for (const f of fields) {
    if (f.at !== undefined) out.line(`$at = '${f.at}';`);
    const inner = f.type.kind === 'optional' ? f.type.inner : f.type;
    const guard = f.type.kind === 'optional' ? `if (${f.expr} != null) ` : '';
    if (scalarSize(ctx, inner) !== undefined) {
      out.line(`${guard}${writeScalar(inner, f.expr)}`);
    } else {
      const s = locals.next('s');
      out.line(f.type.kind === 'optional' ? `const ${s} = ${f.expr} != null ? w.slot() : -1;` : `const ${s} = w.slot();`);
      slots.push([f, s]);
    }
  }
  for (const [f, s] of slots) {
    if (f.at !== undefined) out.line(`$at = '${f.at}';`);
    const inner = f.type.kind === 'optional' ? f.type.inner : f.type;
    if (f.type.kind === 'optional') out.block(`if (${f.expr} != null) {`, () => out.line(`w.patch(${s}, ${encodeObject(ctx, inner, f.expr, out, locals)});`));
    else out.line(`w.patch(${s}, ${encodeObject(ctx, inner, f.expr, out, locals)});`);
  }
  return t;
}

/** Writes the object of a non-inline value (statements to `out`); returns the expression of its position. */
function encodeObject(ctx: GenContext, t: TypeRef, expr: string, out: CodeWriter, locals: Locals): string {
  switch (t.kind) {
    case 'scalar':
      return t.name === 'string' ? `w.string(${expr})` : `w.bytes(${expr})`;
    case 'ref':
      return `${fbFn(ctx, t, 'enc')}(w, ${expr})`;
    case 'optional':
      throw new Error('ts target: an optional is not an object');
    case 'list': {
      const a = locals.next('a');
      const v = locals.next('v');
      const i = locals.next('i');
      const x = locals.next('x');
      out.line(`const ${a} = ${expr};`);
      out.line(`if (!Array.isArray(${a})) throw ${RT}.mismatch('list', ${a});`);
      const size = scalarSize(ctx, t.element);
      out.line(size !== undefined ? `const ${v} = w.vector(${a}.length, ${size});` : `const ${v} = w.offsets(${a}.length);`);
      out.line(`let ${i} = 0;`);
      out.tryCatch(
        () =>
          out.block(`for (const ${x} of ${a}) {`, () => {
            if (size !== undefined) out.line(writeScalar(t.element, x));
            else out.line(`w.patch(${v} + 4 + 4 * ${i}, ${encodeElement(ctx, t.element, x, out, locals)});`);
            out.line(`${i}++;`);
          }),
        `throw ${RT}.withPath(e, \`[\${${i}}]\`);`,
      );
      return v;
    }
    case 'map': {
      const m = locals.next('m');
      const v = locals.next('v');
      const i = locals.next('i');
      const k = locals.next('k');
      const key = locals.next('key');
      const val = locals.next('val');
      out.line(`const ${m} = ${RT}.checkMap(${expr});`);
      out.line(`const ${v} = w.offsets(${m}.size);`);
      out.line(`let ${i} = 0;`);
      out.line(`let ${k}: unknown;`);
      out.tryCatch(
        () =>
          out.block(`for (const [${key}, ${val}] of ${RT}.mapEntries(${m}, '${keyOrder(t.key)}')) {`, () => {
            out.line(`${k} = ${key};`);
            const e = encodeTable(ctx, [{ slot: 0, type: t.key, expr: key }, { slot: 1, type: t.value, expr: val }], out, locals);
            out.line(`w.patch(${v} + 4 + 4 * ${i}, ${e});`);
            out.line(`${i}++;`);
          }),
        `throw ${RT}.withPath(e, ${keyPath(t.key, k)});`,
      );
      return v;
    }
  }
}

/** A vector element behind a uoffset: a string or table as itself, anything else in a wrapper table. */
function encodeElement(ctx: GenContext, t: TypeRef, expr: string, out: CodeWriter, locals: Locals): string {
  if ((t.kind === 'scalar' && t.name === 'string') || t.kind === 'ref') return encodeObject(ctx, t, expr, out, locals);
  return encodeTable(ctx, [{ slot: 0, type: t, expr }], out, locals);
}

/** What a missing slot of a wrapper, entry or case table reads as: the type's zero value. */
function zeroOf(ctx: GenContext, t: TypeRef, what: string): string {
  return zeroExpr(ctx, t) ?? `${RT}.throwMissing('.${what}')`;
}

/**
 * Reads field `slot` of the entered table `$t` (statements to `out`); returns the expression of its
 * value, `fallback` when the table lacks it.
 */
function decodeField(ctx: GenContext, table: string, slot: number, t: TypeRef, fallback: string, out: CodeWriter, locals: Locals): string {
  const p = locals.next('p');
  out.line(`const ${p} = r.field(${table}, ${slot}, ${inlineSize(ctx, t)});`);
  const inner = t.kind === 'optional' ? t.inner : t;
  if (scalarSize(ctx, inner) !== undefined) return `${p} < 0 ? ${fallback} : ${readScalar(inner, p)}`;
  const v = locals.next('v');
  out.line(`let ${v}: ${ctx.tsType(t)};`);
  out.line(`if (${p} < 0) ${v} = ${fallback};`);
  out.block('else {', () => out.line(`${v} = ${decodeObject(ctx, inner, `r.deref(${p})`, out, locals)};`));
  return v;
}

/** Reads the object at `at` (statements to `out`); returns the expression of its value. */
function decodeObject(ctx: GenContext, t: TypeRef, at: string, out: CodeWriter, locals: Locals): string {
  switch (t.kind) {
    case 'scalar':
      return t.name === 'string' ? `r.string(${at})` : `r.bytes(${at})`;
    case 'ref':
      return `${fbFn(ctx, t, 'dec')}(r, ${at})`;
    case 'optional':
      throw new Error('ts target: an optional is not an object');
    case 'list': {
      const o = locals.next('o');
      const n = locals.next('n');
      const a = locals.next('a');
      const i = locals.next('i');
      const size = scalarSize(ctx, t.element);
      out.line(`const ${o} = ${at};`);
      out.line(`const ${n} = r.count(${o}, ${size ?? 4});`);
      out.line(`const ${a}: Array<${ctx.tsType(t.element)}> = [];`);
      out.line(`let ${i} = 0;`);
      out.tryCatch(
        () =>
          out.block(`for (; ${i} < ${n}; ${i}++) {`, () => {
            const x = `${o} + 4 + ${size ?? 4} * ${i}`;
            out.line(`${a}.push(${size !== undefined ? readScalar(t.element, x) : decodeElement(ctx, t.element, `r.deref(${x})`, out, locals)});`);
          }),
        `throw ${RT}.withPath(e, \`[\${${i}}]\`);`,
      );
      return a;
    }
    case 'map': {
      const o = locals.next('o');
      const n = locals.next('n');
      const m = locals.next('m');
      const k = locals.next('k');
      const e = locals.next('e');
      out.line(`const ${o} = ${at};`);
      out.line(`const ${n} = r.count(${o}, 4);`);
      out.line(`const ${m} = new Map<${ctx.tsType(t.key)}, ${ctx.tsType(t.value)}>();`);
      out.line(`let ${k}: ${ctx.tsType(t.key)} | undefined;`);
      out.tryCatch(
        () =>
          out.block(`for (let $i = 0; $i < ${n}; $i++) {`, () => {
            out.line(`${k} = undefined;`);
            out.line(`const ${e} = r.deref(${o} + 4 + 4 * $i);`);
            out.line(`r.enter(${e});`);
            out.line(`${k} = ${decodeField(ctx, e, 0, t.key, zeroOf(ctx, t.key, 'key'), out, locals)};`);
            const v = decodeField(ctx, e, 1, t.value, zeroOf(ctx, t.value, 'value'), out, locals);
            out.line('r.leave();');
            out.line(`${RT}.putUnique(${m}, ${k}, ${v});`);
          }),
        `throw ${RT}.withPath(e, ${keyPath(t.key, k)});`,
      );
      return m;
    }
  }
}

function decodeElement(ctx: GenContext, t: TypeRef, at: string, out: CodeWriter, locals: Locals): string {
  if ((t.kind === 'scalar' && t.name === 'string') || t.kind === 'ref') return decodeObject(ctx, t, at, out, locals);
  return decodeWrapper(ctx, t, at, out, locals);
}

/** Reads a one-field table (wrapper, union case) at `at` whose slot 0 holds a `t`. */
function decodeWrapper(ctx: GenContext, t: TypeRef, at: string, out: CodeWriter, locals: Locals): string {
  const w = locals.next('w');
  out.line(`const ${w} = ${at};`);
  out.line(`r.enter(${w});`);
  const v = locals.next('v');
  out.line(`const ${v} = ${decodeField(ctx, w, 0, t, zeroOf(ctx, t, 'value'), out, locals)};`);
  out.line('r.leave();');
  return v;
}

/** The statement that refuses a type FlatBuffers cannot express (E0703 / E0704 in `gen --lang fbs`). */
function refuse(what: string): string {
  return `throw ${RT}.invalid(${tsString(`${what}: cannot be sent as flatbuffers`)});`;
}

/** Body of `(w, v) => number` for a struct-shaped value: its table. */
export function encodeStructFb(ctx: GenContext, shape: StructShape, typeName: string | undefined, out: CodeWriter): void {
  const big = fbUnsupported(shape.fields);
  if (big !== undefined) return void out.line(refuse(`field id ${big} is past ${MAX_FIELD_ID}`));
  const locals = new Locals();
  if (typeName !== undefined) out.line(`${RT}.checkObject(v, ${tsString(typeName)});`);
  const fields = [...shape.fields.entries()].sort((a, b) => a[1].id - b[1].id);
  fields.forEach(([i]) => out.line(`const $f${i} = ${shape.get(i)};`));
  out.line(`let $at = '';`);
  out.tryCatch(() => {
    const t = encodeTable(ctx, fields.map(([i, f]) => ({ slot: f.id - 1, type: f.type, expr: `$f${i}`, at: `.${f.name}` })), out, locals);
    out.line(`return ${t};`);
  }, `throw ${RT}.withPath(e, $at);`);
}

/** Body of `(r, t) => T` for a struct-shaped value; ends with `return`. */
export function decodeStructFb(ctx: GenContext, shape: StructShape, out: CodeWriter): void {
  const big = fbUnsupported(shape.fields);
  if (big !== undefined) return void out.line(refuse(`field id ${big} is past ${MAX_FIELD_ID}`));
  const locals = new Locals();
  const fields: Field[] = shape.fields;
  out.line('r.enter(t);');
  if (fields.length > 0) {
    fields.forEach((f, i) => out.line(`let $f${i}: ${ctx.tsType(f.type)};`));
    out.line(`let $at = '';`);
    out.tryCatch(() => {
      // In slot order: a decode reads (and counts, §3.6) a table's fields in the same order in every runtime.
      const bySlot = [...fields.entries()].sort((a, b) => a[1].id - b[1].id);
      for (const [i, f] of bySlot) {
        out.line(`$at = '.${f.name}';`);
        const declared = f.default !== undefined ? constExpr(ctx, f.default, f.type) : zeroExpr(ctx, f.type);
        const fallback = f.type.kind === 'optional' ? 'undefined' : (declared ?? `${RT}.throwMissing('')`);
        out.line(`$f${i} = ${decodeField(ctx, 't', f.id - 1, f.type, fallback, out, locals)};`);
      }
    }, `throw ${RT}.withPath(e, $at);`);
  }
  out.line('r.leave();');
  const built = shape.build(fields.map((_, i) => `$f${i}`));
  out.list(`return ${built.head}`, built.items, `${built.tail};`, { spaced: built.spaced });
}

export function encodeUnionFb(ctx: GenContext, d: UnionDecl, out: CodeWriter): void {
  const big = fbUnsupported(d.cases, 255);
  if (big !== undefined) return void out.line(refuse(`case id ${big} is past 255`));
  const locals = new Locals();
  out.line(`${RT}.checkObject(v, ${tsString(d.name)});`);
  out.line(`let $at = '';`);
  out.tryCatch(() => {
    out.block('switch (v.kind) {', () => {
      for (const u of d.cases) {
        out.block(`case ${tsString(u.name)}: {`, () => {
          out.line(`$at = '.${u.name}';`);
          out.line('w.has(0, 1);').line('w.has(1, 4);');
          out.line('const $t = w.table();');
          out.line(`w.u8(${u.id});`);
          out.line('const $s = w.slot();');
          const c = u.type === undefined ? 'w.table()' : encodeTable(ctx, [{ slot: 0, type: u.type, expr: 'v.value' }], out, locals);
          out.line(`w.patch($s, ${c});`);
          out.line('return $t;');
        });
      }
      out.block('default:', () => {
        out.list(`throw ${RT}.invalid(`, [`\`unknown ${d.name} case \${String((v as { kind?: unknown }).kind)}\``], ');');
      }, null);
    });
  }, `throw ${RT}.withPath(e, $at);`);
}

export function decodeUnionFb(ctx: GenContext, d: UnionDecl, name: string, out: CodeWriter): void {
  const big = fbUnsupported(d.cases, 255);
  if (big !== undefined) return void out.line(refuse(`case id ${big} is past 255`));
  const locals = new Locals();
  out.line('r.enter(t);');
  out.line(`let $at = '';`);
  out.line(`let $v: ${name};`);
  out.tryCatch(() => {
    out.line('const $tp = r.field(t, 0, 1);');
    out.line('const $vp = r.field(t, 1, 4);');
    out.line('const $id = $tp < 0 ? 0 : r.u8($tp);');
    out.line(`if ($id === 0 || $vp < 0) throw ${RT}.invalid('expected exactly one ${d.name} case');`);
    out.line('const $c = r.deref($vp);');
    out.block('switch ($id) {', () => {
      for (const u of d.cases) {
        out.block(`case ${u.id}: {`, () => {
          out.line(`$at = '.${u.name}';`);
          if (u.type === undefined) {
            out.line('r.enter($c);').line('r.leave();');
            out.line(`$v = { kind: ${tsString(u.name)} };`);
          } else {
            const v = decodeWrapper(ctx, u.type, '$c', out, locals);
            out.line(`$v = { kind: ${tsString(u.name)}, value: ${v} };`);
          }
          out.line('break;');
        });
      }
      out.block('default:', () => out.list(`throw ${RT}.invalid(`, [`\`unknown ${d.name} case id \${$id}\``], ');'), null);
    });
  }, `throw ${RT}.withPath(e, $at);`);
  out.line('r.leave();');
  out.line('return $v;');
}

/** The FlatBuffers methods of a standalone value codec: the value is slot 0 of its wrapper table. */
export function emitValueFb(ctx: GenContext, t: TypeRef, type: string, out: CodeWriter): void {
  out.block(`encodeFlatbuffers(w: ${RT}.FlatbuffersWriter, v: ${type}): number {`, () => {
    out.line(`return ${encodeTable(ctx, [{ slot: 0, type: t, expr: 'v' }], out, new Locals())};`);
  }, '},');
  out.block(`decodeFlatbuffers(r: ${RT}.FlatbuffersReader, t: number): ${type} {`, () => {
    out.line(`return ${decodeWrapper(ctx, t, 't', out, new Locals())};`);
  }, '},');
}
