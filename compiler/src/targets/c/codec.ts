// The module's type descriptors (runtime-c/include/interop/types.h): the data every codec, value
// check and direct call of the runtime interprets. One descriptor per declared type (exported),
// one per container the module uses (static), fields sorted by id, defaults as static values.

import type { ConstValue, Field, TypeDecl, TypeRef, UnionDecl } from '../../ir/types.js';
import { Ctx, CodeWriter, cString } from './context.js';
import { caseNames, fieldNames, type Record_ } from './types.js';

const KIND: Record<string, string> = {
  bool: 'BOOL', i8: 'I8', i16: 'I16', i32: 'I32', i64: 'I64', u8: 'U8', u16: 'U16', u32: 'U32', u64: 'U64',
  f32: 'F32', f64: 'F64', string: 'STRING', bytes: 'BYTES',
};

/** A designated initializer of an interop_type. */
function descriptor(parts: Record<string, string | undefined>): string {
  const items = Object.entries(parts).filter(([, v]) => v !== undefined).map(([k, v]) => `.${k} = ${v}`);
  return `{${items.join(', ')}}`;
}

function sized(cType: string): { size: string; align: string } {
  return { size: `sizeof(${cType})`, align: `alignof(${cType})` };
}

/** The initializer of the descriptor of a type expression (scalar, ref or container). */
export function descriptorOf(ctx: Ctx, t: TypeRef): string {
  switch (t.kind) {
    case 'scalar':
      return descriptor({ kind: `INTEROP_KIND_${KIND[t.name]}`, ...sized(ctx.cType(t)) });
    case 'ref':
      throw new Error('a declared type has its own descriptor: use descRef');
    case 'list':
      return descriptor({ kind: 'INTEROP_KIND_LIST', ...sized(ctx.cType(t)), elem: ctx.descRef(t.element) });
    case 'map':
      return descriptor({ kind: 'INTEROP_KIND_MAP', ...sized(ctx.cType(t)), elem: ctx.descRef(t.value), key: ctx.descRef(t.key) });
    case 'optional': {
      const c = ctx.container(t);
      if (ctx.isAggregate(t.inner)) {
        return descriptor({ kind: 'INTEROP_KIND_OPTIONAL', flags: 'INTEROP_TYPE_BY_POINTER', ...sized('void *'), elem: ctx.descRef(t.inner) });
      }
      return descriptor({
        kind: 'INTEROP_KIND_OPTIONAL', ...sized(c.cName), value_offset: `offsetof(${c.cName}, value)`, elem: ctx.descRef(t.inner),
      });
    }
  }
}

function declDescriptor(ctx: Ctx, d: TypeDecl, cName: string): string {
  const qualified = JSON.stringify(`${ctx.module.name}.${d.name}`);
  switch (d.kind) {
    case 'enum':
      return descriptor({ kind: 'INTEROP_KIND_ENUM', ...sized('int32_t'), count: String(d.members.length), name: qualified, members: `${cName}_members` });
    case 'union':
      return descriptor({ kind: 'INTEROP_KIND_UNION', ...sized(cName), count: String(d.cases.length), name: qualified, fields: `${cName}_cases` });
    case 'struct':
    case 'error':
      return descriptor({
        kind: 'INTEROP_KIND_STRUCT', flags: d.kind === 'error' ? 'INTEROP_TYPE_ERROR' : undefined, ...sized(cName),
        count: String(d.fields.length), name: qualified, fields: d.fields.length ? `${cName}_fields` : 'NULL',
      });
    case 'alias':
      return descriptorOf(ctx, d.type);
  }
}

/** Static C values for defaults and constants. The arrays of lists and maps are compound literals
 * (static storage at file scope), so they need no names of their own. */
export class Values {
  constructor(private readonly ctx: Ctx) {}

  /** An initializer of `t`'s C type holding `v`. */
  init(t: TypeRef, v: ConstValue): string {
    const ctx = this.ctx;
    if (t.kind === 'optional') {
      if (v.kind === 'none') return ctx.isAggregate(t.inner) ? 'NULL' : '{0}';
      return `{true, ${this.init(t.inner, v)}}`;
    }
    if (t.kind === 'list' && v.kind === 'list') {
      if (v.items.length === 0) return '{NULL, 0}';
      const arr = this.array(ctx.cType(t.element), v.items.map((x) => this.init(t.element, x)));
      return `{(${ctx.cType(t.element)} *)${arr}, ${v.items.length}}`;
    }
    if (t.kind === 'map' && v.kind === 'map') {
      if (v.entries.length === 0) return '{NULL, NULL, 0}';
      const entries = sortEntries(t, v.entries);
      const keys = this.array(ctx.cType(t.key), entries.map((e) => this.init(t.key, e.key)));
      const values = this.array(ctx.cType(t.value), entries.map((e) => this.init(t.value, e.value)));
      return `{(${ctx.cType(t.key)} *)${keys}, (${ctx.cType(t.value)} *)${values}, ${entries.length}}`;
    }
    return scalarInit(t, v);
  }

  private array(cType: string, items: string[]): string {
    return `(const ${cType}[]){${items.join(', ')}}`;
  }
}

/** Map entries in the canonical key order, so a default map needs no sorting when encoded. */
function sortEntries(t: TypeRef & { kind: 'map' }, entries: Array<{ key: ConstValue; value: ConstValue }>) {
  const num = (v: ConstValue): bigint => (v.kind === 'int' ? BigInt(v.value) : v.kind === 'enum' ? BigInt(v.value) : 0n);
  return [...entries].sort((a, b) => {
    if (t.key.kind === 'scalar' && t.key.name === 'string' && a.key.kind === 'string' && b.key.kind === 'string') {
      return Buffer.compare(Buffer.from(a.key.value), Buffer.from(b.key.value));
    }
    const x = num(a.key), y = num(b.key);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

function scalarInit(t: TypeRef, v: ConstValue): string {
  switch (v.kind) {
    case 'bool': return v.value ? 'true' : 'false';
    case 'enum': return v.value === -2147483648 ? '(-2147483647 - 1)' : String(v.value);
    case 'int': {
      const name = t.kind === 'scalar' ? t.name : 'i32';
      if (name === 'i64') return v.value === '-9223372036854775808' ? '(-INT64_C(9223372036854775807) - 1)' : `INT64_C(${v.value})`;
      if (name === 'u64') return `UINT64_C(${v.value})`;
      if (name === 'u32') return `UINT32_C(${v.value})`;
      if (name === 'f32' || name === 'f64') return `${v.value}.0`;
      return v.value === '-2147483648' ? '(-2147483647 - 1)' : v.value;
    }
    case 'float': {
      if (v.value === 'nan') return 'NAN';
      if (v.value === 'inf') return 'INFINITY';
      if (v.value === '-inf') return '-INFINITY';
      const text = Object.is(v.value, -0) ? '-0.0' : String(v.value);
      return /[.e]/.test(text) ? text : `${text}.0`;
    }
    case 'string': {
      const bytes = new TextEncoder().encode(v.value);
      const isBytes = t.kind === 'scalar' && t.name === 'bytes';
      return isBytes ? `{(const uint8_t *)${cString(bytes)}, ${bytes.length}}` : `{${cString(bytes)}, ${bytes.length}}`;
    }
    default: return '{0}';
  }
}

/** The fields table of a struct, error or parameter record, and its defaults. */
export function emitFields(ctx: Ctx, w: CodeWriter, r: Record_): void {
  if (r.fields.length === 0) return;
  const names = fieldNames(r.fields);
  const values = new Values(ctx);
  const defaults = r.fields.map((f, i) => {
    if (!f.default) return 'NULL';
    const d = ctx.staticName('default');
    const init = values.init(f.type, f.default);
    w.line(`static const ${ctx.cType(f.type)} ${d} = ${init};`);
    return `&${d}`;
  });
  const rows = r.fields
    .map((f, i) => ({ f, i }))
    .sort((a, b) => a.f.id - b.f.id)
    .map(({ f, i }) => `{${f.id}, offsetof(${r.cName}, ${names[i]}), ${JSON.stringify(f.name)}, ${ctx.descRef(f.type)}, ${defaults[i]}},`);
  w.block(`static const interop_field ${r.cName}_fields[] = {`, () => rows.forEach((row) => w.line(row)), '};');
}

export function emitRecordDescriptor(ctx: Ctx, w: CodeWriter, r: Record_): void {
  emitFields(ctx, w, r);
  const qualified = JSON.stringify(`${ctx.module.name}.${r.idlName}`);
  w.line(`const interop_type ${r.cName}_type = ${descriptor({
    kind: 'INTEROP_KIND_STRUCT', flags: r.kind === 'error' ? 'INTEROP_TYPE_ERROR' : undefined, ...sized(r.cName),
    count: String(r.fields.length), name: qualified, fields: r.fields.length ? `${r.cName}_fields` : 'NULL',
  })};`);
}

export function emitUnionDescriptor(ctx: Ctx, w: CodeWriter, u: UnionDecl): void {
  const name = ctx.names.type(u.name);
  const names = caseNames(u);
  const rows = u.cases
    .map((c, i) => ({ c, i }))
    .sort((a, b) => a.c.id - b.c.id)
    .map(({ c, i }) => `{${c.id}, offsetof(${name}, as), ${JSON.stringify(c.name)}, ${c.type ? ctx.descRef(c.type) : 'NULL'}, NULL}, /* ${names[i]} */`);
  w.block(`static const interop_field ${name}_cases[] = {`, () => rows.forEach((row) => w.line(row)), '};');
  w.line(`const interop_type ${name}_type = ${declDescriptor(ctx, u, name)};`);
}

export function emitEnumDescriptor(ctx: Ctx, w: CodeWriter, t: TypeDecl & { kind: 'enum' }): void {
  const name = ctx.names.type(t.name);
  w.block(`static const interop_enum_member ${name}_members[] = {`, () => {
    for (const m of t.members) w.line(`{${JSON.stringify(m.name)}, ${m.value === -2147483648 ? '(-2147483647 - 1)' : m.value}},`);
  }, '};');
  w.line(`const interop_type ${name}_type = ${declDescriptor(ctx, t, name)};`);
}

/** An alias of a list, map, optional or scalar has its own descriptor (one of a declared type is a macro). */
export function emitAliasDescriptor(ctx: Ctx, w: CodeWriter, t: TypeDecl & { kind: 'alias' }): void {
  if (t.type.kind === 'ref') return;
  const name = ctx.names.type(t.name);
  w.line(`const interop_type ${name}_type = ${descriptorOf(ctx, t.type)};`);
}

/** Forward declarations and definitions of the containers' static descriptors. */
export function emitContainerDescriptors(ctx: Ctx, forward: CodeWriter, w: CodeWriter): void {
  // Outer containers come after their parts: walking backwards, an outer one in use marks its
  // parts as used before they are reached. Unused descriptors are not emitted (-Werror).
  const all = [...ctx.containers.values()];
  const inits = new Map<string, string>();
  for (const c of [...all].reverse()) if (c.used) inits.set(c.desc, descriptorOf(ctx, c.type));
  for (const c of all) {
    const init = inits.get(c.desc);
    if (init === undefined) continue;
    forward.line(`static const interop_type ${c.desc};`);
    w.line(`static const interop_type ${c.desc} = ${init};`);
  }
}

export type { Field };
