// Emits each type's `check`: what the encoders would refuse, without writing (docs/wire.md §3.4).
// The direct transport runs it on every argument, result, declared error and event, so a call
// that fails over a socket fails in-process too, with the same message. It mirrors the encoders
// of codec.ts: the same runtime checks (`$rt.checkI32`, …), the same field order (ascending id),
// the same map entry order, and the same path bookkeeping (`$at`, indexes, keys).

import type { TypeRef, UnionDecl } from '../../ir/types.js';
import { Locals, keyOrder, type StructShape } from './codec.js';
import { CodeWriter, tsString } from './code-writer.js';
import { RT, type GenContext } from './context.js';

/** Name of the generated check function of a declared type in this file. */
export function localCheck(typeName: string): string {
  return `${typeName}$check`;
}

function refCheck(ctx: GenContext, t: Extract<TypeRef, { kind: 'ref' }>): string {
  if (ctx.decl(t.module, t.name).kind === 'enum') return `${RT}.checkI32`; // any i32 (docs/wire.md §3)
  if (t.module === ctx.module.name) return localCheck(ctx.typeName(t.module, t.name));
  return `${ctx.codecOf(t.module, t.name)}.check`;
}

function scalarCheck(name: string): string {
  return `${RT}.check${name[0]!.toUpperCase()}${name.slice(1)}`;
}

/** Statements that check `expr` (of type `t`). */
export function checkValue(ctx: GenContext, t: TypeRef, expr: string, out: CodeWriter, locals: Locals): void {
  switch (t.kind) {
    case 'scalar':
      out.line(`${scalarCheck(t.name)}(${expr});`);
      return;
    case 'ref':
      out.line(`${refCheck(ctx, t)}(${expr});`);
      return;
    case 'optional': {
      const o = locals.next('o');
      out.line(`const ${o} = ${expr};`);
      out.block(`if (${o} != null) {`, () => checkValue(ctx, t.inner, o, out, locals));
      return;
    }
    case 'list': {
      const a = locals.next('a');
      const i = locals.next('i');
      const x = locals.next('x');
      out.line(`const ${a} = ${RT}.checkList(${expr});`);
      out.line(`let ${i} = 0;`);
      out.tryCatch(
        () =>
          out.block(`for (const ${x} of ${a}) {`, () => {
            checkValue(ctx, t.element, x, out, locals);
            out.line(`${i}++;`);
          }),
        `throw ${RT}.withPath(e, \`[\${${i}}]\`);`,
      );
      return;
    }
    case 'map': {
      const m = locals.next('m');
      const entry = (key: string, val: string) => {
        checkValue(ctx, t.key, key, out, locals);
        checkValue(ctx, t.value, val, out, locals);
      };
      const [key, val] = [locals.next('key'), locals.next('val')];
      out.line(`const ${m} = ${RT}.checkMap(${expr});`);
      // In the map's own order: the encoders' (sorted) order costs a pass over the keys. Only when
      // an entry is bad does mapEntryError find the first bad one in their order, to report it.
      out.block('try {', () => out.block(`for (const [${key}, ${val}] of ${m}) {`, () => entry(key, val)), '} catch (e) {');
      out.indented(() => {
        const [key2, val2] = [locals.next('key'), locals.next('val')];
        out.callWithBlock(`throw ${RT}.mapEntryError(`, ['e', m, `'${keyOrder(t.key)}'`], `(${key2}, ${val2}) => {`, () => entry(key2, val2), ';');
      });
      out.line('}');
      return;
    }
  }
}

/** Body of `(v) => void` for a struct-shaped value; `typeName` when `v` must be an object. */
export function checkStruct(ctx: GenContext, shape: StructShape, typeName: string | undefined, out: CodeWriter): void {
  const locals = new Locals();
  if (typeName !== undefined) out.line(`${RT}.checkObject(v, ${tsString(typeName)});`);
  if (shape.fields.length === 0) return;
  out.line(`let $at = '';`);
  out.tryCatch(
    () => {
      const sorted = shape.fields.map((f, i) => [f, i] as const).sort((a, b) => a[0].id - b[0].id);
      for (const [f, i] of sorted) {
        out.line(`$at = '.${f.name}';`);
        checkValue(ctx, f.type, shape.get(i), out, locals);
      }
    },
    `throw ${RT}.withPath(e, $at);`,
  );
}

/** Body of `(v) => void` for a union value. */
export function checkUnion(ctx: GenContext, d: UnionDecl, out: CodeWriter): void {
  const locals = new Locals();
  out.line(`${RT}.checkObject(v, ${tsString(d.name)});`);
  out.line(`let $at = '';`);
  out.tryCatch(
    () =>
      out.block('switch (v.kind) {', () => {
        for (const u of d.cases) {
          out.block(`case ${tsString(u.name)}:`, () => {
            if (u.type !== undefined) {
              out.line(`$at = '.${u.name}';`);
              checkValue(ctx, u.type, 'v.value', out, locals);
            }
            out.line('break;');
          }, null);
        }
        out.block(
          'default:',
          () => out.list(`throw ${RT}.invalid(`, [`\`unknown ${d.name} case \${String((v as { kind?: unknown }).kind)}\``], ');'),
          null,
        );
      }),
    `throw ${RT}.withPath(e, $at);`,
  );
}
