// The header's declarations: forward typedefs, enums, container typedefs, struct and union
// definitions (in an order where every member's type is complete), aliases and constants.

import type { Field, StructDecl, TypeDecl, UnionDecl } from '../../ir/types.js';
import { Ctx, CodeWriter, cDoc } from './context.js';
import { memberName, uniqueNames } from './names.js';

/** A struct-like declaration: a struct, an error, or the parameters of a function. */
export interface Record_ {
  cName: string;
  idlName: string;
  doc?: string;
  fields: Field[];
  kind: 'struct' | 'error' | 'params';
}

/** The C member names of a record's fields, unique within it. */
export function fieldNames(fields: Field[]): string[] {
  return uniqueNames(fields.map((f) => memberName(f.name, 'field', f.annotations)));
}

export function caseNames(u: UnionDecl): string[] {
  return uniqueNames(u.cases.map((c) => memberName(c.name, 'case', c.annotations)));
}

export function emitEnum(ctx: Ctx, w: CodeWriter, t: TypeDecl & { kind: 'enum' }): void {
  const name = ctx.names.type(t.name);
  const consts = ctx.names.memberConsts(t.name);
  w.line('');
  const doc = cDoc(t.doc);
  if (doc) w.line(doc);
  w.line(`typedef int32_t ${name}; /* open: values this side does not know are kept */`);
  w.block('enum {', () => {
    t.members.forEach((m, i) => {
      const d = cDoc(m.doc);
      if (d) w.line(d);
      const v = m.value === -2147483648 ? '(-2147483647 - 1)' : String(m.value);
      w.line(`${consts[i]} = ${v},`);
    });
  }, '};');
}

/** Typedefs of the lists, maps and optionals the module declares itself. */
export function emitContainers(ctx: Ctx, w: CodeWriter): void {
  const declared = [...ctx.containers.values()].filter((c) => c.declare);
  if (declared.length === 0) return;
  w.line('');
  for (const c of declared) {
    const t = c.type;
    if (t.kind === 'list') w.line(`typedef struct ${c.cName} { ${ctx.cType(t.element)} *items; size_t len; } ${c.cName};`);
    else if (t.kind === 'map') {
      w.line(`typedef struct ${c.cName} { ${ctx.cType(t.key)} *keys; ${ctx.cType(t.value)} *values; size_t len; } ${c.cName};`);
    } else if (t.kind === 'optional') w.line(`typedef struct ${c.cName} { bool has; ${ctx.cType(t.inner)} value; } ${c.cName};`);
  }
}

/** Members of a struct: `type name;`, with an optional's C type (a pointer for structs). */
function member(ctx: Ctx, f: Field, name: string): string {
  const ct = ctx.cType(f.type);
  return ct.endsWith('*') ? `${ct}${name};` : `${ct} ${name};`;
}

export function emitRecord(ctx: Ctx, w: CodeWriter, r: Record_): void {
  w.line('');
  const doc = cDoc(r.doc);
  if (doc) w.line(doc);
  const names = fieldNames(r.fields);
  w.block(`struct ${r.cName} {`, () => {
    if (r.fields.length === 0) w.line('char empty_; /* C has no empty structs */');
    r.fields.forEach((f, i) => {
      const d = cDoc(f.doc);
      if (d) w.line(d);
      w.line(member(ctx, f, names[i]!));
    });
  }, '};');
}

export function emitUnion(ctx: Ctx, w: CodeWriter, u: UnionDecl): void {
  const name = ctx.names.type(u.name);
  const names = caseNames(u);
  const consts = ctx.names.memberConsts(u.name);
  w.line('');
  const doc = cDoc(u.doc);
  if (doc) w.line(doc);
  w.block(`struct ${name} {`, () => {
    w.line(`uint32_t which; /* the case id (${name}_<case>), 0 = none */`);
    w.block('union {', () => {
      const typed = u.cases.filter((c) => c.type);
      if (typed.length === 0) w.line('char none_; /* only unit cases */');
      u.cases.forEach((c, i) => {
        if (!c.type) return;
        const ct = ctx.cType(c.type);
        w.line(ct.endsWith('*') ? `${ct}${names[i]};` : `${ct} ${names[i]};`);
      });
    }, '} as;');
  }, '};');
  w.block('enum {', () => {
    u.cases.forEach((c, i) => w.line(`${consts[i]} = ${c.id},${c.type ? '' : ' /* unit case */'}`));
  }, '};');
}

/**
 * Structs and unions of this module in an order where each comes after every struct or union of
 * the module it holds by value (a list, map or optional on the way is a pointer, not a need).
 */
export function byValueOrder(ctx: Ctx, decls: Array<StructDecl | UnionDecl | (TypeDecl & { kind: 'error' })>): typeof decls {
  const byName = new Map(decls.map((d) => [d.name, d]));
  const done = new Set<string>();
  const out: typeof decls = [];
  const visit = (d: (typeof decls)[number]): void => {
    if (done.has(d.name)) return;
    done.add(d.name);
    const types = d.kind === 'union' ? d.cases.flatMap((c) => (c.type ? [c.type] : [])) : d.fields.map((f) => f.type);
    for (const t of types) {
      if (t.kind === 'ref' && t.module === ctx.module.name && t.declKind !== 'enum') {
        const dep = byName.get(t.name);
        if (dep) visit(dep);
      }
    }
    out.push(d);
  };
  decls.forEach(visit);
  return out;
}
