// The value types of the header: open enum classes, structs with equality, declared errors as
// exception classes deriving from ::interop::ApplicationError, unions as a std::variant holder,
// aliases and constants.

import type { EnumDecl, Field, TypeDecl, TypeRef, UnionDecl } from '../../ir/types.js';
import { type Aggregate, Ctx, CodeWriter, cppDoc } from './context.js';
import { constantName, escapeName, memberName, typeName, unique } from './names.js';

type Record_ = Extract<TypeDecl, { kind: 'struct' | 'error' }>;

/** The C++ member names of a record's fields (errors avoid what they inherit). */
export function fieldNames(r: { kind: string; fields: Field[] }): string[] {
  return unique(r.fields.map((f) => memberName(f.name, r.kind === 'error' ? 'errorField' : 'field', f.annotations)));
}

export function caseNames(u: UnionDecl): string[] {
  return unique(u.cases.map((c) => memberName(c.name, 'case', c.annotations)));
}

function doc(w: CodeWriter, text: string | undefined): void {
  const d = cppDoc(text);
  if (d) w.line(d);
}

export function emitEnum(w: CodeWriter, e: EnumDecl): void {
  w.line('');
  doc(w, e.doc);
  w.line('/// Open: a value this side does not know is kept as it is (any std::int32_t).');
  w.block(`enum class ${typeName(e.name, e.annotations)} : std::int32_t {`, () => {
    for (const m of e.members) {
      doc(w, m.doc);
      w.line(`${constantName(m.name, m.annotations)} = ${m.value === -2147483648 ? '(-2147483647 - 1)' : m.value},`);
    }
  }, '};');
}

function equality(w: CodeWriter, name: string, terms: string[]): void {
  w.line(`bool operator==(const ${name} &o) const { return ${terms.length ? terms.join(' && ') : 'true'}; }`);
  w.line(`bool operator!=(const ${name} &o) const { return !(*this == o); }`);
}

export function emitRecord(ctx: Ctx, w: CodeWriter, r: Record_): void {
  const name = typeName(r.name, r.annotations);
  const names = fieldNames(r);
  const members = r.fields.map((f, i) => ({ f, name: names[i]!, type: ctx.cppType(f.type), init: ctx.initial(f.type, f.default) }));
  w.line('');
  doc(w, r.doc);
  const isError = r.kind === 'error';
  const qualified = `${ctx.module.name}.${r.name}`;
  w.block(`struct ${name}${isError ? ' : ::interop::ApplicationError' : ''} {`, () => {
    for (const m of members) {
      doc(w, m.f.doc);
      w.line(`${m.type} ${m.name}${m.init ? ` = ${m.init}` : '{}'};`);
    }
    if (isError) {
      // Not an aggregate (it has a base with virtual functions): constructors instead.
      w.line(`${name}() : ::interop::ApplicationError(${JSON.stringify(qualified)}, "") {}`);
      if (members.length > 0) {
        const params = members.map((m) => `${m.type} arg_${m.name}`).join(', ');
        const inits = members.map((m) => `${m.name}(std::move(arg_${m.name}))`).join(', ');
        w.line(`${members.length === 1 ? 'explicit ' : ''}${name}(${params})`);
        w.line(`    : ::interop::ApplicationError(${JSON.stringify(qualified)}, ""), ${inits} {}`);
      }
    }
    equality(w, name, members.map((m) => `${m.name} == o.${m.name}`));
  }, '};');
}

/** The variant's alternatives: std::monostate (no case) first, then each case in order. */
export function alternatives(ctx: Ctx, u: UnionDecl): string[] {
  return ['std::monostate', ...u.cases.map((c) => (c.type ? ctx.cppType(c.type) : '::interop::Unit'))];
}

export function emitUnion(ctx: Ctx, w: CodeWriter, u: UnionDecl): void {
  const name = typeName(u.name, u.annotations);
  const names = caseNames(u);
  w.line('');
  doc(w, u.doc);
  w.line('/// A tagged union: `value` holds one case, at the variant index named by the constant of that');
  w.line('/// case (std::monostate, index 0, is "no case": a default value, which does not encode).');
  w.block(`struct ${name} {`, () => {
    u.cases.forEach((c, i) => {
      doc(w, c.doc);
      w.line(`static constexpr std::size_t ${names[i]} = ${i + 1};${c.type ? '' : ' // unit case'}`);
    });
    w.line(`std::variant<${alternatives(ctx, u).join(', ')}> value;`);
    w.line(`/// \`${name}::make<${name}::${names[0] ?? 'x'}>(...)\`: a ${name} holding that case.`);
    w.line('template <std::size_t Case, class... Args>');
    w.block(`static ${name} make(Args &&...args) {`, () => {
      w.line(`${name} out;`);
      w.line('out.value.template emplace<Case>(std::forward<Args>(args)...);');
      w.line('return out;');
    }, '}');
    equality(w, name, ['value == o.value']);
  }, '};');
}

export function emitAlias(ctx: Ctx, w: CodeWriter, a: Extract<TypeDecl, { kind: 'alias' }>): void {
  doc(w, a.doc);
  w.line(`using ${typeName(a.name, a.annotations)} = ${ctx.cppType(a.type)};`);
}

export function emitConsts(ctx: Ctx, w: CodeWriter): void {
  if (ctx.module.consts.length === 0) return;
  w.line('');
  for (const k of ctx.module.consts) {
    doc(w, k.doc);
    const simple = k.type.kind === 'scalar' && k.type.name !== 'string' && k.type.name !== 'bytes';
    const enumLike = k.type.kind === 'ref' && k.type.declKind === 'enum';
    w.line(`inline ${simple || enumLike ? 'constexpr' : 'const'} ${ctx.cppType(k.type)} ${escapeName(constantName(k.name, k.annotations), 'global')} = ${ctx.literal(k.type, k.value)};`);
  }
}

/**
 * Aggregates of this module in an order where each comes after what it needs complete: what it
 * holds by value, in an optional or as a map value (a list's element may be incomplete).
 */
export function declarationOrder(ctx: Ctx, decls: Aggregate[]): Aggregate[] {
  const byName = new Map(decls.map((d) => [d.name, d]));
  const done = new Set<string>();
  const out: Aggregate[] = [];
  const needs = (t: TypeRef): string[] => {
    switch (t.kind) {
      case 'ref': return t.module === ctx.module.name && t.declKind !== 'enum' ? [t.name] : [];
      case 'optional': return needs(t.inner);
      case 'map': return [...needs(t.key), ...needs(t.value)];
      default: return [];
    }
  };
  const visit = (d: Aggregate): void => {
    if (done.has(d.name)) return;
    done.add(d.name);
    const types = d.kind === 'union' ? d.cases.flatMap((c) => (c.type ? [c.type] : [])) : d.fields.map((f) => f.type);
    for (const n of types.flatMap(needs)) {
      const dep = byName.get(n);
      if (dep) visit(dep);
    }
    out.push(d);
  };
  decls.forEach(visit);
  return out;
}
