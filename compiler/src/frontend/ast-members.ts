// CST -> AST for what lives inside a declaration: struct/error fields, union cases, function
// parameters, enum members and `reserved` lines. This is where the shapes people bring from
// protobuf and Thrift are recognized and explained (E0104, E0109, E0110, E0111, E0113, E0114).

import type { CstNode } from 'chevrotain';
import type { Span } from '../ir/types.js';
import type { Annotation, EnumMemberNode, FieldNode, Ident, Literal, ReservedNode, TypeExpr, UnionCaseNode } from './ast.js';
import { Comma } from './tokens.js';
import { type BuildCtx, anyToken, extentOf, node, nodes, report, spanAfter, token, tokens, tokenSpan } from './cst.js';
import {
  buildAnnotations, buildLiteral, buildType, ident, intTextValue, intValue, placeholderLiteral, placeholderType, stringValue,
} from './ast-values.js';
import { literalText, typeText } from './syntax-text.js';
import type { Holder } from './comments.js';
import { SCALAR_NAMES } from '../ir/types.js';

export type MemberKind = 'field' | 'case' | 'param';

const WHAT: Record<MemberKind, string> = { field: 'field', case: 'union case', param: 'parameter' };

/** Hands out ids for suggestions ("fields need an explicit id, e.g. `3: name: string;`"). */
export class IdSuggester {
  private next: number;
  constructor(used: number[]) {
    this.next = used.length ? Math.max(...used) + 1 : 1;
  }
  take(): number {
    return this.next++;
  }
}

/** The ids written in a list of `member` CST nodes, for IdSuggester. */
export function writtenIds(members: Array<CstNode | undefined>): number[] {
  const out: number[] = [];
  for (const m of members) {
    const t = m && token(m, 'id');
    const v = t ? intValue(t) : null;
    if (v !== null) out.push(v);
  }
  return out;
}

/** protobuf and Thrift scalar names, translated in E0110 suggestions (and the recovered tree). */
const FOREIGN_SCALARS: Record<string, string> = {
  int32: 'i32', int64: 'i64', uint32: 'u32', uint64: 'u64', sint32: 'i32', sint64: 'i64', fixed32: 'u32',
  fixed64: 'u64', sfixed32: 'i32', sfixed64: 'i64', double: 'f64', float: 'f32', byte: 'i8', binary: 'bytes',
};

function translateScalar(t: TypeExpr): TypeExpr {
  if (t.kind !== 'named' || t.name.parts.length !== 1) return t;
  const to = FOREIGN_SCALARS[t.name.parts[0]!.text];
  return to ? { ...t, name: { ...t.name, parts: [{ ...t.name.parts[0]!, text: to }] } } : t;
}

function looksLikeType(text: string): boolean {
  return (SCALAR_NAMES as readonly string[]).includes(text) || text in FOREIGN_SCALARS || /^[A-Z]/.test(text);
}

interface MemberParts {
  id: FieldNode['id'];
  name: Ident;
  optionalMark: boolean;
  type?: TypeExpr;
  default?: Literal;
}

/** The shared inside of fields, cases and parameters, with the diagnostics for foreign shapes. */
function buildMemberParts(m: CstNode, kind: MemberKind, span: Span, ids: IdSuggester, ctx: BuildCtx): MemberParts | undefined {
  const nameTok = token(m, 'name');
  if (!nameTok) return undefined;
  const what = WHAT[kind];
  let name = ident(nameTok, ctx);
  const idTok = token(m, 'id');
  let id: FieldNode['id'] | undefined;
  if (idTok) {
    const v = intValue(idTok);
    id = v === null ? { value: null, text: idTok.image, span: tokenSpan(idTok, ctx.file) } : { value: v, span: tokenSpan(idTok, ctx.file) };
  }
  let optionalMark = token(m, 'optMark') !== undefined;
  const typeNode = node(m, 'type');
  let type = typeNode ? buildType(typeNode, ctx) : undefined;
  const defNode = node(m, 'default');
  let def = defNode ? buildLiteral(defNode, ctx) : undefined;
  const modifiers = tokens(m, 'modifier');
  let explained = false;
  const end = kind === 'param' ? '' : ';';
  const suggestion = (idText: string): string =>
    `${idText}: ${name.text}${optionalMark ? '?' : ''}${type ? `: ${typeText(type)}` : ''}${def ? ` = ${literalText(def)}` : ''}${end}`;

  const typeFirst = node(m, 'typeFirst');
  if (typeFirst) {
    const tf = buildType(typeFirst, ctx);
    const single = tf.kind === 'named' && tf.name.parts.length === 1 ? tf.name.parts[0] : undefined;
    if (idTok && modifiers.length === 0 && single && !looksLikeType(single.text) && looksLikeType(name.text)) {
      // `1: name string;`: the colon between name and type is missing.
      type = { kind: 'named', name: { parts: [name], span: name.span }, span: name.span };
      name = single;
      report(ctx, 'E0103', `expected ':' between ${what} name and type, found '${type.name.parts[0]!.text}'`, spanAfter(single.span), `write \`${suggestion(idTok.image)}\``);
    } else {
      type = translateScalar(tf);
      if (modifiers.some((t) => t.image === 'repeated')) type = { kind: 'list', element: type, span: tf.span };
      if (modifiers.some((t) => t.image === 'optional')) optionalMark = true;
      const protobuf = !idTok && def?.kind === 'int';
      let idText = idTok?.image;
      if (protobuf && def?.kind === 'int') {
        idText = def.text;
        id = { value: intTextValue(def.text), span: def.span };
        def = undefined;
      }
      idText ??= String(ids.take());
      const message = protobuf
        ? `protobuf-style ${what}: interop writes the id first and the type after the name`
        : `${what} \`${name.text}\` has its type before its name`;
      report(ctx, 'E0110', message, span, `write \`${suggestion(idText)}\``);
      explained = true;
    }
  }
  if (!explained) {
    for (const mod of modifiers) {
      if (mod.image === 'optional') {
        optionalMark = true;
        report(ctx, 'E0111', '`optional` is not a modifier: mark an optional member with `?` after its name', tokenSpan(mod, ctx.file), `write \`${suggestion(idTok?.image ?? 'N')}\` (or use the type \`optional<T>\`)`);
      } else if (mod.image === 'repeated') {
        if (type) type = { kind: 'list', element: type, span: type.span };
        report(ctx, 'E0110', 'interop has no `repeated`: use the type `list<T>`', tokenSpan(mod, ctx.file), `write \`${suggestion(idTok?.image ?? 'N')}\``);
      } else {
        report(ctx, 'E0110', `interop has no \`${mod.image}\`: a member is always present unless it is marked \`?\``, tokenSpan(mod, ctx.file), `remove \`${mod.image}\``);
      }
    }
  }
  const postfix = token(m, 'postfixMark');
  if (postfix && kind !== 'case') {
    optionalMark = true;
    report(ctx, 'E0111', "`?` goes after the member's name, not after its type", tokenSpan(postfix, ctx.file), `write \`${suggestion(idTok?.image ?? String(ids.take()))}\``);
  }
  const qmark = token(m, 'optMark') ?? (kind === 'case' ? postfix : undefined);
  if (kind === 'case' && qmark) {
    optionalMark = false;
    report(ctx, 'E0111', 'a union case cannot be optional', tokenSpan(qmark, ctx.file), 'a union value is always exactly one of its cases; add a unit case (`N: empty;`) or give the case the type `optional<T>`');
  }
  if (kind === 'case' && def) {
    report(ctx, 'E0113', 'a union case cannot have a default value', def.span, 'remove `= ...`; a union has no field-by-field defaults');
    def = undefined;
  }
  if (!type && kind !== 'case') {
    report(ctx, 'E0103', `${what} \`${name.text}\` has no type`, spanAfter(name.span), `write \`${idTok?.image ?? 'N'}: ${name.text}${optionalMark ? '?' : ''}: string${end}\` (with the right type)`);
    type = placeholderType(spanAfter(name.span));
  }
  if (!id) {
    const n = ids.take();
    report(ctx, 'E0109', `${what} \`${name.text}\` has no id`, name.span, `${what}s need an explicit id: \`${suggestion(String(n))}\``);
    id = { value: null, text: '', span: name.span };
  }
  return { id, name, optionalMark, ...(type ? { type } : {}), ...(def ? { default: def } : {}) };
}

function checkTerminator(item: CstNode, what: string, ctx: BuildCtx): void {
  const end = anyToken(item, 'end');
  if (end && end.tokenType === Comma && !end.isInsertedInRecovery) {
    report(ctx, 'E0104', `expected ';' after ${what}, found ','`, tokenSpan(end, ctx.file), 'fields, union cases and enum members end with `;`');
  }
}

function memberHolder(target: Holder['target'], start: number, end: number, endLine: number): Holder {
  return { target, start, end, endLine, acceptsDoc: true };
}

export interface BodyResult<T> {
  items: T[];
  reserved: ReservedNode[];
  holders: Holder[];
}

/** A `reserved` line inside a body: recorded in `out`; true when `item` was one. */
function takeReserved(
  item: CstNode,
  ext: NonNullable<ReturnType<typeof extentOf>>,
  annotations: Annotation[],
  out: { reserved: ReservedNode[]; holders: Holder[] },
  ctx: BuildCtx,
): boolean {
  const res = node(item, 'reservedDecl');
  if (!res) return false;
  const r = buildReserved(res, ext.span, ctx);
  if (annotations.length) report(ctx, 'E0113', 'annotations cannot be attached to `reserved`', annotations[0]!.span);
  out.reserved.push(r);
  out.holders.push({ target: r, start: ext.start, end: ext.end, endLine: ext.span.endLine, acceptsDoc: false });
  return true;
}

/** The items of a struct/error/union body (`bodyItem` CST nodes). */
export function buildBodyItems(items: CstNode[], kind: 'field' | 'case', ctx: BuildCtx): BodyResult<FieldNode | UnionCaseNode> {
  const out: BodyResult<FieldNode | UnionCaseNode> = { items: [], reserved: [], holders: [] };
  const ids = new IdSuggester(writtenIds(items.map((i) => node(i, 'member'))));
  for (const item of items) {
    const ext = extentOf([item], ctx.file);
    if (!ext) continue;
    const annotations = buildAnnotations(item, ctx);
    if (takeReserved(item, ext, annotations, out, ctx)) continue;
    const m = node(item, 'member');
    const parts = m && buildMemberParts(m, kind, ext.span, ids, ctx);
    if (!parts) continue;
    checkTerminator(item, WHAT[kind], ctx);
    const base = { annotations, leadingComments: [], span: ext.span };
    const built: FieldNode | UnionCaseNode =
      kind === 'field'
        ? { ...base, id: parts.id, name: parts.name, optionalMark: parts.optionalMark, type: parts.type ?? placeholderType(ext.span), ...(parts.default ? { default: parts.default } : {}) }
        : { ...base, id: parts.id, name: parts.name, ...(parts.type ? { type: parts.type } : {}) };
    out.items.push(built);
    out.holders.push(memberHolder(built, ext.start, ext.end, ext.span.endLine));
  }
  return out;
}

/** Function parameters (`param` CST nodes). */
export function buildParams(params: CstNode[], ctx: BuildCtx): { items: FieldNode[]; holders: Holder[] } {
  const items: FieldNode[] = [];
  const holders: Holder[] = [];
  const ids = new IdSuggester(writtenIds(params.map((p) => node(p, 'member'))));
  for (const p of params) {
    const ext = extentOf([p], ctx.file);
    const m = node(p, 'member');
    if (!ext || !m) continue;
    const parts = buildMemberParts(m, 'param', ext.span, ids, ctx);
    if (!parts) continue;
    const field: FieldNode = {
      annotations: buildAnnotations(p, ctx),
      leadingComments: [],
      span: ext.span,
      id: parts.id,
      name: parts.name,
      optionalMark: parts.optionalMark,
      type: parts.type ?? placeholderType(ext.span),
      ...(parts.default ? { default: parts.default } : {}),
    };
    items.push(field);
    holders.push(memberHolder(field, ext.start, ext.end, ext.span.endLine));
  }
  return { items, holders };
}

/** Enum members and `reserved` lines (`enumItem` CST nodes). */
export function buildEnumItems(items: CstNode[], ctx: BuildCtx): BodyResult<EnumMemberNode> {
  const out: BodyResult<EnumMemberNode> = { items: [], reserved: [], holders: [] };
  let nextValue = 0;
  for (const item of items) {
    const ext = extentOf([item], ctx.file);
    if (!ext) continue;
    const annotations = buildAnnotations(item, ctx);
    if (takeReserved(item, ext, annotations, out, ctx)) continue;
    const nameTok = token(item, 'name');
    if (!nameTok) continue;
    const name = ident(nameTok, ctx);
    const valueNode = node(item, 'value');
    let value: Literal;
    if (valueNode) {
      value = buildLiteral(valueNode, ctx);
      if (value.kind === 'int') nextValue = intTextValue(value.text) + 1;
    } else {
      report(ctx, 'E0114', `enum member \`${name.text}\` has no value`, name.span, `enum members need an explicit value: \`${name.text} = ${nextValue};\``);
      value = placeholderLiteral(spanAfter(name.span));
      nextValue++;
    }
    checkTerminator(item, 'enum member', ctx);
    const member: EnumMemberNode = { annotations, leadingComments: [], span: ext.span, name, value };
    out.items.push(member);
    out.holders.push(memberHolder(member, ext.start, ext.end, ext.span.endLine));
  }
  return out;
}

function buildReserved(n: CstNode, span: Span, ctx: BuildCtx): ReservedNode {
  const ranges: ReservedNode['ranges'] = [];
  const names: ReservedNode['names'] = [];
  for (const item of nodes(n, 'reservedItem')) {
    const nameTok = token(item, 'name');
    if (nameTok) {
      names.push({ value: stringValue(nameTok), span: tokenSpan(nameTok, ctx.file) });
      continue;
    }
    const fromTok = token(item, 'from');
    if (!fromTok) continue;
    const toTok = token(item, 'to');
    const protoTo = token(item, 'protoTo');
    if (protoTo && toTok) {
      report(ctx, 'E0110', "protobuf-style range: interop writes ranges with '..'", tokenSpan(protoTo, ctx.file), `write \`${fromTok.image}..${toTok.image}\``);
    }
    const from = intValue(fromTok);
    const to = toTok ? intValue(toTok) : from;
    const ext = extentOf([item], ctx.file);
    if (from === null || to === null || !ext) continue; // malformed or huge: already reported / checker's job
    ranges.push({ from, to, span: ext.span });
  }
  return { ranges, names, leadingComments: [], span };
}
