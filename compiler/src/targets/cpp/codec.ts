// Codecs by delegation (ADR 0022): for every struct, error and union, one interop_to_c and one
// interop_from_c overload between the C++ value and the C struct of the generated C code; the
// runtime's templates (interop/cpp/values.hpp) do scalars and containers, and runtime-c's codecs
// do the wire. Every declared type also gets a ::interop::TypeCodec constant in `codec::`.

import type { TypeDecl, UnionDecl } from '../../ir/types.js';
import { cCaseNames, cDeclName, cFieldNames } from './c-names.js';
import { type Aggregate, Ctx, CodeWriter } from './context.js';
import { caseNames, fieldNames } from './types.js';
import { typeName } from './names.js';
import { declTag } from './msgpack.js';

function cName(ctx: Ctx, d: TypeDecl): string {
  return cDeclName(ctx.bundle, ctx.module.name, d.name);
}

/** Declarations in the header, in the module's namespace (found by argument-dependent lookup). */
export function emitConversionDecls(ctx: Ctx, w: CodeWriter, decls: Aggregate[]): void {
  if (decls.length === 0) return;
  w.line('');
  w.line('// Conversions to and from the C structs of the generated C code (interop/cpp/values.hpp).');
  for (const d of decls) {
    const t = typeName(d.name, d.annotations);
    w.line(`void interop_to_c(const ${t} &v, ${cName(ctx, d)} *out, ::interop::Arena &a);`);
    w.line(`void interop_from_c(const ${cName(ctx, d)} &in, ${t} &out);`);
  }
}

function emitRecordConversions(ctx: Ctx, w: CodeWriter, d: Extract<Aggregate, { kind: 'struct' | 'error' }>): void {
  const t = typeName(d.name, d.annotations);
  const cpp = fieldNames(d);
  const c = cFieldNames(d.fields);
  const empty = d.fields.length === 0;
  w.line('');
  w.block(`void interop_to_c(const ${t} &${empty ? '' : 'v'}, ${cName(ctx, d)} *${empty ? '' : 'out'}, ::interop::Arena &${empty ? '' : 'a'}) {`, () => {
    if (!empty) w.line('using ::interop::interop_to_c;');
    d.fields.forEach((_, i) => w.line(`interop_to_c(v.${cpp[i]}, &out->${c[i]}, a);`));
  }, '}');
  w.block(`void interop_from_c(const ${cName(ctx, d)} &${empty ? '' : 'in'}, ${t} &${empty ? '' : 'out'}) {`, () => {
    if (!empty) w.line('using ::interop::interop_from_c;');
    d.fields.forEach((_, i) => w.line(`interop_from_c(in.${c[i]}, out.${cpp[i]});`));
  }, '}');
}

function emitUnionConversions(ctx: Ctx, w: CodeWriter, u: UnionDecl): void {
  const t = typeName(u.name, u.annotations);
  const cpp = caseNames(u);
  const c = cCaseNames(u);
  const typed = u.cases.some((x) => x.type);
  w.line('');
  w.block(`void interop_to_c(const ${t} &v, ${cName(ctx, u)} *out, ::interop::Arena &${typed ? 'a' : ''}) {`, () => {
    if (typed) w.line('using ::interop::interop_to_c;');
    w.block('switch (v.value.index()) {', () => {
      u.cases.forEach((k, i) => {
        const get = k.type ? ` interop_to_c(std::get<${t}::${cpp[i]}>(v.value), &out->as.${c[i]}, a);` : '';
        w.line(`case ${t}::${cpp[i]}: out->which = ${k.id};${get} break;`);
      });
      w.line('default: out->which = 0; break; // no case: the encoder says INVALID_ARGUMENT');
    }, '}');
  }, '}');
  w.block(`void interop_from_c(const ${cName(ctx, u)} &in, ${t} &out) {`, () => {
    if (typed) w.line('using ::interop::interop_from_c;');
    w.block('switch (in.which) {', () => {
      u.cases.forEach((k, i) => {
        const emplace = `out.value.emplace<${t}::${cpp[i]}>()`;
        w.line(`case ${k.id}: ${k.type ? `interop_from_c(in.as.${c[i]}, ${emplace})` : emplace}; break;`);
      });
      w.line('default: out.value.emplace<0>(); break;');
    }, '}');
  }, '}');
}

/** Definitions in the source file. */
export function emitConversions(ctx: Ctx, w: CodeWriter, decls: Aggregate[]): void {
  for (const d of decls) {
    if (d.kind === 'union') emitUnionConversions(ctx, w, d);
    else emitRecordConversions(ctx, w, d);
  }
}

/** `codec::Message.encode(v, interop::Codec::msgpack)` for every declared type, aliases included. */
export function emitCodecs(ctx: Ctx, w: CodeWriter): void {
  if (ctx.module.types.length === 0) return;
  w.line('');
  w.line('/// The codec of each declared type: `codec::T.encode(value, codec)`, `codec::T.decode(bytes, codec)`.');
  w.block('namespace codec {', () => {
    for (const d of ctx.module.types) {
      const t = typeName(d.name, d.annotations);
      const c = cName(ctx, d);
      w.line(`inline constexpr ::interop::TypeCodec<::${ctx.namespace}::${t}, ${c}, ${declTag(ctx, d)}> ${t}{&${c}_type};`);
    }
  }, '}  // namespace codec');
}
