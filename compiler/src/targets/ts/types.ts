// Emits the TypeScript declarations of a module's types and constants: interfaces for structs,
// discriminated unions, enums as a const object plus an open numeric type, error classes, type
// aliases and constants. Each declaration's codec follows it (decl-codecs.ts).

import type {
  ConstDecl,
  EnumDecl,
  ErrorDecl,
  EventDecl,
  Field,
  FunctionDecl,
  StructDecl,
  TypeDecl,
  TypeRef,
  UnionDecl,
} from '../../ir/types.js';
import { CodeWriter, jsdoc, tsString } from './code-writer.js';
import { RT, type GenContext } from './context.js';
import { constExpr, constParts } from './values.js';

/** JSDoc for a documented IR element, with `@deprecated` and a pointer back to the source. */
export function docOf(
  el: { doc?: string; annotations: { deprecated?: { reason?: string } } },
  generatedFrom?: string,
): string {
  const tags: string[] = [];
  if (el.annotations.deprecated !== undefined) {
    tags.push(
      `@deprecated${el.annotations.deprecated.reason !== undefined ? ' ' + el.annotations.deprecated.reason : ''}`,
    );
  }
  if (generatedFrom !== undefined) tags.push(`@generated from ${generatedFrom}`);
  return jsdoc(el.doc, tags);
}

/** `tags: list<string>` as the IDL wrote it (aliases by name), for `@generated from` comments. */
export function idlType(t: TypeRef): string {
  if (t.alias !== undefined) return t.alias.name;
  switch (t.kind) {
    case 'scalar':
      return t.name;
    case 'list':
      return `list<${idlType(t.element)}>`;
    case 'map':
      return `map<${idlType(t.key)}, ${idlType(t.value)}>`;
    case 'optional':
      return `optional<${idlType(t.inner)}>`;
    case 'ref':
      return t.name;
  }
}

/** `fn post(1: text: string, 2: mood?: Mood) -> Message throws NotFound`, as the IDL declares it. */
export function functionSource(f: FunctionDecl): string {
  const input = f.input === undefined ? [] : [`${f.input.id}: ${f.input.name}: stream<${idlType(f.input.type)}>`];
  const params = [...f.params.map((p) => fieldSource(p).replace(/^field: /, '')), ...input].join(', ');
  const result =
    f.output !== undefined ? ` -> stream<${idlType(f.output)}>` : f.result !== undefined ? ` -> ${idlType(f.result)}` : '';
  const throws = f.throws.length > 0 ? ` throws ${f.throws.map(idlType).join(', ')}` : '';
  return `${f.kind === 'oneway' ? 'oneway ' : ''}fn ${f.name}(${params})${result}${throws}`;
}

/** `event message_posted: Message`. */
export function eventSource(e: EventDecl): string {
  return `event ${e.name}${e.payload !== undefined ? ': ' + idlType(e.payload) : ''}`;
}

function fieldSource(f: Field): string {
  const optional = f.type.kind === 'optional';
  const type = optional ? idlType((f.type as Extract<TypeRef, { kind: 'optional' }>).inner) : idlType(f.type);
  return `field: ${f.id}: ${f.name}${optional ? '?' : ''}: ${type}`;
}

function line(out: CodeWriter, doc: string): void {
  if (doc !== '') out.line(doc);
}

export function emitTypeDecl(ctx: GenContext, d: TypeDecl, out: CodeWriter): void {
  const name = ctx.names.types.get(d.name)!;
  switch (d.kind) {
    case 'struct':
      return emitStruct(ctx, d, name, out);
    case 'error':
      return emitError(ctx, d, name, out);
    case 'enum':
      return emitEnum(ctx, d, name, out);
    case 'union':
      return emitUnion(ctx, d, name, out);
    case 'alias':
      line(out, docOf(d, `alias: type ${d.name} = ${idlType(d.type)}`));
      out.line(`export type ${name} = ${ctx.tsType({ ...d.type, alias: undefined } as TypeRef)};`);
      return;
  }
}

function fieldLines(ctx: GenContext, decl: StructDecl | ErrorDecl, out: CodeWriter, prefix: string): void {
  const names = ctx.names.fields.get(decl.name)!;
  for (const f of decl.fields) {
    line(out, docOf(f, fieldSource(f)));
    const optional = f.type.kind === 'optional';
    out.line(`${prefix}${names.get(f.name)!}${optional ? '?' : ''}: ${ctx.tsType(f.type)};`);
  }
}

function emitStruct(ctx: GenContext, d: StructDecl, name: string, out: CodeWriter): void {
  line(out, docOf(d, `struct ${d.name}`));
  out.block(`export interface ${name} {`, () => fieldLines(ctx, d, out, ''));
}

/** The constructor argument of an error class: its fields as an object type. */
export function errorFieldsType(ctx: GenContext, d: ErrorDecl): string {
  const names = ctx.names.fields.get(d.name)!;
  const parts = d.fields.map(
    (f) => `${names.get(f.name)!}${f.type.kind === 'optional' ? '?' : ''}: ${ctx.tsType(f.type)}`,
  );
  return parts.length === 0 ? '{}' : `{ ${parts.join('; ')} }`;
}

function emitError(ctx: GenContext, d: ErrorDecl, name: string, out: CodeWriter): void {
  const names = ctx.names.fields.get(d.name)!;
  const qualified = `${ctx.module.name}.${d.name}`;
  line(out, docOf(d, `error ${d.name}`));
  out.block(`export class ${name} extends ${RT}.ApplicationError {`, () => {
    out.line(`/** The qualified IDL name, carried in the error envelope. */`);
    out.line(`override readonly errorType = ${tsString(qualified)};`);
    fieldLines(ctx, d, out, '');
    const optionalOnly = d.fields.every((f) => f.type.kind === 'optional');
    const arg = `${d.fields.length > 0 ? 'fields' : '_fields'}: ${errorFieldsType(ctx, d)}${optionalOnly ? ' = {}' : ''}`;
    out.block(`constructor(${arg}, message?: string) {`, () => {
      out.line(`super(message ?? ${tsString(qualified)});`);
      for (const f of d.fields) {
        const n = names.get(f.name)!;
        out.line(`this.${n} = fields.${n};`);
      }
    });
  });
}

function emitEnum(ctx: GenContext, d: EnumDecl, name: string, out: CodeWriter): void {
  const members = ctx.names.enumMembers.get(d.name)!;
  line(out, docOf(d, `enum ${d.name}`));
  out.block(
    `export const ${name} = {`,
    () => {
      for (const m of d.members) {
        line(out, docOf(m));
        out.line(`${members.get(m.name)!}: ${m.value},`);
      }
    },
    '} as const;',
  );
  line(out, docOf(d));
  out.line('/** Any i32: a value from a newer peer that this code does not know is kept as a number. */');
  out.line(`export type ${name} = (typeof ${name})[keyof typeof ${name}] | (number & {});`);
}

function emitUnion(ctx: GenContext, d: UnionDecl, name: string, out: CodeWriter): void {
  line(out, docOf(d, `union ${d.name}`));
  if (d.cases.length === 0) {
    out.line(`export type ${name} = never;`);
    return;
  }
  out.line(`export type ${name} =`);
  out.indented(() => {
    d.cases.forEach((c, i) => {
      const doc = docOf(c, `case: ${c.id}: ${c.name}${c.type !== undefined ? ': ' + idlType(c.type) : ''}`);
      line(out, doc);
      const value = c.type !== undefined ? `; value: ${ctx.tsType(c.type)}` : '';
      out.line(`| { kind: ${tsString(c.name)}${value} }${i === d.cases.length - 1 ? ';' : ''}`);
    });
  });
}

export function emitConst(ctx: GenContext, c: ConstDecl, out: CodeWriter): void {
  const name = ctx.names.consts.get(c.name)!;
  line(out, docOf(c, `const ${c.name}: ${idlType(c.type)}`));
  const head = `export const ${name}: ${readonlyType(ctx, c.type)} = `;
  const parts = constParts(ctx, c.value, c.type);
  if (parts === undefined) out.line(`${head}${constExpr(ctx, c.value, c.type)};`);
  else out.list(`${head}${parts.head}`, parts.items, `${parts.tail};`, { forceBreak: parts.forceBreak });
}

/** Constants are shared by every user of the module, so their containers are typed read-only. */
function readonlyType(ctx: GenContext, t: TypeRef): string {
  if (t.kind === 'list') return `ReadonlyArray<${ctx.tsType(t.element)}>`;
  if (t.kind === 'map') return `ReadonlyMap<${ctx.tsType(t.key)}, ${ctx.tsType(t.value)}>`;
  return ctx.tsType(t);
}
