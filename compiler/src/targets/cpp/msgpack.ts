// msgpack straight from and to the C++ values (ADR 0030): one interop_mp_write and one
// interop_mp_read overload per struct, error and union, walking the C++ members in the wire's order
// and handing every scalar, string and container to runtime-c's msgpack pieces through the tags of
// interop/cpp/msgpack.hpp. The checks and messages are the C codec's (msgpack_read.c,
// msgpack_write.c): fields by ascending id, absent optionals left out, unknown fields skipped,
// missing struct- and union-typed fields refused.

import type { Field, FunctionDecl, TypeDecl, TypeRef, UnionDecl } from '../../ir/types.js';
import { type Aggregate, Ctx, CodeWriter } from './context.js';
import { caseNames, fieldNames } from './types.js';
import { typeName } from './names.js';

const INT = new Set(['i8', 'i16', 'i32', 'i64', 'u8', 'u16', 'u32', 'u64']);

/** The tag type that walks a value of `t` (interop/cpp/msgpack.hpp). */
export function mpTag(ctx: Ctx, t: TypeRef): string {
  const mp = '::interop::mp::';
  switch (t.kind) {
    case 'scalar':
      if (INT.has(t.name)) return `${mp}Int<${ctx.cppType(t)}>`;
      if (t.name === 'f32' || t.name === 'f64') return `${mp}Float<${ctx.cppType(t)}>`;
      return t.name === 'bool' ? `${mp}Bool` : t.name === 'string' ? `${mp}Str` : `${mp}Bin`;
    case 'list': return `${mp}List<${mpTag(ctx, t.element)}>`;
    case 'map': return `${mp}Map<${mpTag(ctx, t.key)}, ${mpTag(ctx, t.value)}>`;
    case 'optional': return `${mp}Opt<${mpTag(ctx, t.inner)}>`;
    case 'ref': return `${mp}${t.declKind === 'enum' ? 'Enum' : 'Decl'}<${ctx.cppType(t)}>`;
  }
}

/** The tag of a declared type (aliases: of what they stand for). */
export function declTag(ctx: Ctx, d: TypeDecl): string {
  if (d.kind === 'alias') return mpTag(ctx, d.type);
  return mpTag(ctx, { kind: 'ref', module: ctx.module.name, name: d.name, declKind: d.kind });
}

/** Whether a field of this type cannot be left out (no zero value): a struct or a union. */
function required(t: TypeRef): boolean {
  return t.kind === 'ref' && t.declKind !== 'enum';
}

/** `bench.shapes.Item`, `list<string>`: the type names runtime-c's messages use. */
function wireName(t: TypeRef): string {
  return t.kind === 'ref' ? `${t.module}.${t.name}` : '';
}

export function emitMsgpackDecls(w: CodeWriter, decls: Aggregate[]): void {
  if (decls.length === 0) return;
  w.line('');
  w.line('// msgpack straight from and to the C++ values (interop/cpp/msgpack.hpp).');
  for (const d of decls) {
    const t = typeName(d.name, d.annotations);
    w.line(`int interop_mp_write(::interop::mp::Writer *w, const ${t} &v);`);
    w.line(`int interop_mp_read(::interop::mp::Reader *r, ${t} &out);`);
  }
}

type Record_ = Extract<Aggregate, { kind: 'struct' | 'error' }>;

function emitRecord(ctx: Ctx, w: CodeWriter, d: Record_): void {
  const t = typeName(d.name, d.annotations);
  const fields = d.fields.map((f, i) => ({ f, m: fieldNames(d)[i]! }));
  emitRecordWrite(ctx, w, t, fields);
  emitRecordRead(ctx, w, t, `${ctx.module.name}.${d.name}`, fields);
}

interface Member {
  f: Field;
  m: string; // the C++ member
}

/** Members in wire order (ascending id), with their tags. */
function wireOrder(ctx: Ctx, members: Member[]): Array<Member & { tag: string }> {
  return members.map((x) => ({ ...x, tag: mpTag(ctx, x.f.type) })).sort((a, b) => a.f.id - b.f.id);
}

function emitRecordWrite(ctx: Ctx, w: CodeWriter, t: string, members: Member[]): void {
  const fields = wireOrder(ctx, members);
  const optional = fields.filter((x) => x.f.type.kind === 'optional');
  const empty = fields.length === 0;
  w.line('');
  w.block(`int interop_mp_write(::interop::mp::Writer *w, const ${t} &${empty ? '' : 'v'}) {`, () => {
    const count = [String(fields.length - optional.length), ...optional.map((x) => `(v.${x.m} ? 1 : 0)`)].join(' + ');
    w.line(`int rc = interop_mp_begin_struct(w, ${count});`);
    w.line('if (rc != INTEROP_OK) return rc;');
    for (const x of fields) {
      const put = `interop_mp_put_uint(w->out, ${x.f.id}); if ((rc = ${x.tag}::write(w, v.${x.m})) != INTEROP_OK) return ::interop::mp::at_field(w, rc, ${JSON.stringify(x.f.name)});`;
      w.line(x.f.type.kind === 'optional' ? `if (v.${x.m}) { ${put} }` : `{ ${put} }`);
    }
    w.line('interop_mp_end(w);');
    w.line('return INTEROP_OK;');
  }, '}');
}

/** The reader of a struct, an error, or a function's params (`qualified`: the name in messages). */
function emitRecordRead(ctx: Ctx, w: CodeWriter, t: string, qualified: string, members: Member[]): void {
  const fields = wireOrder(ctx, members);
  const empty = fields.length === 0;
  w.block(`int interop_mp_read(::interop::mp::Reader *r, ${t} &${empty ? '' : 'out'}) {`, () => {
    w.line('std::uint64_t n;');
    w.line(`int rc = interop_mp_get_struct(r, ${JSON.stringify(qualified)}, &n);`);
    w.line('if (rc != INTEROP_OK) return rc;');
    if (!empty) w.line(`bool seen[${fields.length}] = {};`);
    w.line('std::vector<std::uint64_t> unknown;  // ids this side does not know, checked once the struct is read');
    w.block('for (std::uint64_t i = 0; i < n; i++) {', () => {
      w.line('std::uint32_t id;');
      w.line('if ((rc = interop_mp_get_field_id(r, &id)) != INTEROP_OK) return rc;');
      w.block('switch (id) {', () => {
        fields.forEach((x, k) => {
          w.line(`case ${x.f.id}:`);
          w.line(`  if (seen[${k}]) return ::interop::mp::field_twice(r, id);`);
          w.line(`  seen[${k}] = true;`);
          w.line(`  if ((rc = ${x.tag}::read(r, out.${x.m})) != INTEROP_OK) return ::interop::mp::at_field(r, rc, ${JSON.stringify(x.f.name)});`);
          w.line('  break;');
        });
        w.line('default:');
        w.line('  unknown.push_back(id);');
        w.line('  if ((rc = interop_mp_skip(r)) != INTEROP_OK) return rc;');
      }, '}');
    }, '}');
    w.line('if ((rc = interop_mp_check_unknown_ids(r, unknown.data(), unknown.size())) != INTEROP_OK) return rc;');
    w.line('interop_mp_leave(r);');
    fields.forEach((x, k) => {
      if (required(x.f.type)) w.line(`if (!seen[${k}]) return ::interop::mp::missing_field(r, ${JSON.stringify(qualified)}, ${JSON.stringify(x.f.name)}, ${JSON.stringify(wireName(x.f.type))});`);
    });
    w.line('return INTEROP_OK;');
  }, '}');
}

function emitUnion(ctx: Ctx, w: CodeWriter, u: UnionDecl): void {
  const t = typeName(u.name, u.annotations);
  const names = caseNames(u);
  const qualified = JSON.stringify(`${ctx.module.name}.${u.name}`);
  w.line('');
  w.block(`int interop_mp_write(::interop::mp::Writer *w, const ${t} &v) {`, () => {
    w.line('int rc;');
    w.block('switch (v.value.index()) {', () => {
      u.cases.forEach((c, i) => {
        w.line(`case ${t}::${names[i]}:`);
        w.line(`  if ((rc = interop_mp_begin_union(w, ${c.id})) != INTEROP_OK) return rc;`);
        if (c.type) w.line(`  if ((rc = ${mpTag(ctx, c.type)}::write(w, std::get<${t}::${names[i]}>(v.value))) != INTEROP_OK) return ::interop::mp::at_field(w, rc, ${JSON.stringify(c.name)});`);
        else w.line('  interop_mp_put_nil(w->out);');
        w.line('  break;');
      });
      w.line(`default: return ::interop::mp::no_case(w, ${qualified});`);
    }, '}');
    w.line('interop_mp_end(w);');
    w.line('return INTEROP_OK;');
  }, '}');
  w.block(`int interop_mp_read(::interop::mp::Reader *r, ${t} &out) {`, () => {
    w.line('std::uint64_t id;');
    w.line(`int rc = interop_mp_get_union(r, ${qualified}, &id);`);
    w.line('if (rc != INTEROP_OK) return rc;');
    w.block('switch (id) {', () => {
      u.cases.forEach((c, i) => {
        const emplace = `out.value.emplace<${t}::${names[i]}>()`;
        if (c.type) w.line(`case ${c.id}: if ((rc = ${mpTag(ctx, c.type)}::read(r, ${emplace})) != INTEROP_OK) return ::interop::mp::at_field(r, rc, ${JSON.stringify(c.name)}); break;`);
        else w.line(`case ${c.id}: ${emplace}; if ((rc = interop_mp_get_unit(r)) != INTEROP_OK) return rc; break;`);
      });
      w.line(`default: return ::interop::mp::unknown_case(r, ${qualified});`);
    }, '}');
    w.line('interop_mp_leave(r);');
    w.line('return INTEROP_OK;');
  }, '}');
}

export function emitMsgpack(ctx: Ctx, w: CodeWriter, decls: Aggregate[]): void {
  for (const d of decls) {
    if (d.kind === 'union') emitUnion(ctx, w, d);
    else emitRecord(ctx, w, d);
  }
}

/**
 * A call function's params as one struct with its msgpack reader (ADR 0037): what the server's
 * msgpack handler decodes a REQUEST into, with the C decoder's checks and messages (the params
 * struct is `module.fn params` there too) and the IDL defaults for params left out.
 */
export function emitParamsReader(ctx: Ctx, w: CodeWriter, fn: FunctionDecl, name: string): void {
  const members = fn.params.map((f, i) => ({ f, m: `p${i}` }));
  w.line('');
  w.block(`struct ${name} {`, () => {
    for (const x of members) {
      const init = ctx.initial(x.f.type, x.f.default);
      w.line(`${ctx.cppType(x.f.type)} ${x.m}${init ? ` = ${init}` : '{}'};`);
    }
  }, '};');
  emitRecordRead(ctx, w, name, `${ctx.module.name}.${fn.name} params`, members);
}
