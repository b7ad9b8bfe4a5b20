// The value types of a generated D module: open enums, structs (IDL ids as @(rt.Id(n)) on the
// fields, which the runtime's conversions read), declared errors as exception classes deriving
// from rt.ApplicationError, unions as tagged structs, aliases and constants.

import type { EnumDecl, Field, TypeDecl, TypeRef, UnionDecl } from '../../ir/types.js';
import { descriptorName } from './codec.js';
import { type Ctx, CodeWriter, dDoc } from './context.js';
import { constantName, escapeName, memberName, typeName, unique } from './names.js';

type Record_ = Extract<TypeDecl, { kind: 'struct' | 'error' }>;

/** The D member names of a record's fields (errors avoid what they inherit). */
export function fieldNames(r: { kind: string; fields: Field[] }): string[] {
  return unique(r.fields.map((f) => memberName(f.name, r.kind === 'error' ? 'errorField' : 'field', f.annotations)));
}

export function caseNames(u: UnionDecl): string[] {
  return unique(u.cases.map((c) => memberName(c.name, 'case', c.annotations)));
}

function doc(w: CodeWriter, text: string | undefined): void {
  const d = dDoc(text);
  if (d) w.line(d);
}

export function emitEnum(w: CodeWriter, e: EnumDecl): void {
  w.line('');
  doc(w, e.doc);
  w.line('/// Open: a value this side does not know is kept as it is (any int, by a cast).');
  w.block(`enum ${typeName(e.name, e.annotations)} : int {`, () => {
    const names = unique(e.members.map((m) => constantName(m.name, 'member', m.annotations)));
    e.members.forEach((m, i) => {
      doc(w, m.doc);
      w.line(`${names[i]} = ${m.value === -2147483648 ? 'int.min' : m.value},`);
    });
  }, '}');
}

/** D initialises floats to NaN; the IDL's zero value is 0 (and NaN would make equal values unequal). */
function zeroFloat(t: TypeRef): string | undefined {
  return t.kind === 'scalar' && (t.name === 'f32' || t.name === 'f64') ? '0' : undefined;
}

/** The members of a struct or error class: `@(rt.Id(1)) int x = 7;`. */
function emitFields(ctx: Ctx, w: CodeWriter, r: Record_): void {
  const names = fieldNames(r);
  r.fields.forEach((f, i) => {
    doc(w, f.doc);
    const init = f.default ? ctx.literal(f.type, f.default) : zeroFloat(f.type);
    w.line(`@(rt.Id(${f.id})) ${ctx.dType(f.type)} ${names[i]}${init ? ` = ${init}` : ''};`);
  });
}

export function emitStruct(ctx: Ctx, w: CodeWriter, r: Record_): void {
  w.line('');
  doc(w, r.doc);
  w.block(`struct ${typeName(r.name, r.annotations)} {`, () => emitFields(ctx, w, r), '}');
}

/** A declared error: thrown and caught by its own class, and a value the codecs take. */
export function emitErrorClass(ctx: Ctx, w: CodeWriter, r: Record_): void {
  const name = typeName(r.name, r.annotations);
  const names = fieldNames(r);
  const qualified = `${ctx.module.name}.${r.name}`;
  w.line('');
  doc(w, r.doc);
  w.block(`class ${name} : rt.ApplicationError {`, () => {
    emitFields(ctx, w, r);
    w.line(`this() @safe nothrow { super(${JSON.stringify(qualified)}); }`);
    if (r.fields.length > 0) {
      const params = r.fields.map((f, i) => `${ctx.dType(f.type)} ${names[i]}`).join(', ');
      w.block(`this(${params}) @safe nothrow {`, () => {
        w.line(`super(${JSON.stringify(qualified)});`);
        for (const n of names) w.line(`this.${n} = ${n};`);
      }, '}');
    }
    w.line('/// The C type descriptor of this error (what runtime-c reports it with).');
    w.line(`static const(rt.interop_type)* interopDescriptor() @trusted nothrow { return &${descriptorName(ctx, r.name)}; }`);
    w.line('override const(rt.interop_type)* interopType() const @safe nothrow { return interopDescriptor(); }');
    w.line('override void* interopDetail(rt.interop_arena* arena) const { return rt.cValueIn(this, interopDescriptor(), arena); }');
    w.line('/// Equal when every field is.');
    w.block('override bool opEquals(Object o) const {', () => {
      w.line(`auto e = cast(const ${name}) o;`);
      w.line(`return e !is null${names.map((n) => ` && ${n} == e.${n}`).join('')};`);
    }, '}');
  }, '}');
}

/**
 * A union: `which` says the case (Case.none, 0, is "no case": the default value, which does not
 * encode); `Shape.circle(2.5)` makes one, `s.circle` reads it (RangeError-free: an InteropError
 * when it holds another case). Each case's value is a member named `_<case>`.
 */
export function emitUnion(ctx: Ctx, w: CodeWriter, u: UnionDecl): void {
  const name = typeName(u.name, u.annotations);
  const names = caseNames(u);
  w.line('');
  doc(w, u.doc);
  w.line('@(rt.TaggedUnion)');
  w.block(`struct ${name} {`, () => {
    w.block('enum Case : uint {', () => {
      w.line('none = 0,');
      u.cases.forEach((c, i) => w.line(`${names[i]} = ${c.id},`));
    }, '}');
    w.line('/// The case this value holds.');
    w.line('Case which;');
    u.cases.forEach((c, i) => {
      const init = c.type ? zeroFloat(c.type) : undefined;
      w.line(`@(rt.Id(${c.id})) ${c.type ? ctx.dType(c.type) : 'rt.Unit'} _${names[i]}${init ? ` = ${init}` : ''};`);
    });
    u.cases.forEach((c, i) => {
      const n = names[i]!;
      w.line('');
      doc(w, c.doc);
      if (!c.type) {
        w.line(`static ${name} ${n}() @safe nothrow { ${name} u; u.which = Case.${n}; return u; }`);
        return;
      }
      const t = ctx.dType(c.type);
      w.line(`static ${name} ${n}(${t} value) @safe nothrow { ${name} u; u.which = Case.${n}; u._${n} = value; return u; }`);
      w.block(`inout(${t}) ${n}() inout @safe {`, () => {
        w.line(`if (which != Case.${n}) throw new rt.InteropError(rt.Code.invalidArgument, "${name}: not the ${n} case");`);
        w.line(`return _${n};`);
      }, '}');
    });
  }, '}');
}

export function emitAlias(ctx: Ctx, w: CodeWriter, a: Extract<TypeDecl, { kind: 'alias' }>): void {
  doc(w, a.doc);
  w.line(`alias ${typeName(a.name, a.annotations)} = ${ctx.dType(a.type)};`);
}

export function emitConsts(ctx: Ctx, w: CodeWriter): void {
  if (ctx.module.consts.length === 0) return;
  w.line('');
  for (const k of ctx.module.consts) {
    const value = ctx.literal(k.type, k.value);
    if (value === undefined) {
      w.line(`// ${k.name}: a map constant D cannot write as a compile-time value; see the IR.`);
      continue;
    }
    doc(w, k.doc);
    w.line(`enum ${ctx.dType(k.type)} ${escapeName(constantName(k.name, 'global', k.annotations), 'global')} = ${value};`);
  }
}
