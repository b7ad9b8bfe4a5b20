// CST -> AST for a whole file: the module header, imports, depends and the declarations. Also
// describes the file's layout (holders, see comments.ts) so comments can be attached afterwards.
// Declarations whose name is missing are dropped (the parser has reported why); everything else
// is kept, with placeholders where recovery left a hole (see ast-values.ts).

import type { CstNode, IToken } from 'chevrotain';
import type { Span } from '../ir/types.js';
import type {
  Annotation, Comment, Decl, Ident, DependsNode, EnumNode, EventNode, FileNode, FunctionNode, ImportNode, ModuleHeader,
  StructNode, UnionNode, UnionCaseNode, FieldNode,
} from './ast.js';
import { type BuildCtx, type Extent, extentOf, node, nodes, report, token, tokens, tokenSpan, spanAfter } from './cst.js';
import { buildAnnotations, buildLiteral, buildNameRef, buildType, ident, stringValue } from './ast-values.js';
import { buildBodyItems, buildEnumItems, buildParams } from './ast-members.js';
import type { Body, Holder } from './comments.js';
import { Identifier } from './tokens.js';

export interface BuildResult {
  ast: FileNode;
  root: Body;
}

const MODULE_HINT = 'start the file with `module example.chat version "1.0.0";`';

export function buildFile(cst: CstNode, ctx: BuildCtx, textLength: number): BuildResult {
  const ast: FileNode = { file: ctx.file, imports: [], depends: [], decls: [], trailingComments: [] };
  const root: Body = { start: 0, end: textLength, children: [], inner: ast.trailingComments };
  let index = 0;
  let firstItem: Span | undefined;
  for (const item of nodes(cst, 'topItem')) {
    const ext = extentOf([item], ctx.file);
    if (!ext) continue;
    ctx.lastSpan = ext.span;
    const annotations = buildAnnotations(item, ctx);
    const header = node(item, 'moduleHeader');
    if (header) {
      const h = buildHeader(header, annotations, ext, ctx);
      if (ast.module) {
        ctx.diagnostics.push({
          code: 'E0108', severity: 'error', message: 'a file declares exactly one module', span: h.span,
          hint: 'remove this second `module` line', related: [{ message: 'the module is declared here', span: ast.module.span }],
        });
      } else {
        if (index > 0) {
          ctx.diagnostics.push({
            code: 'E0108', severity: 'error', message: 'the module declaration must come first', span: h.span,
            hint: 'move this line to the top of the file', ...(firstItem ? { related: [{ message: 'first declaration', span: firstItem }] } : {}),
          });
        }
        ast.module = h;
      }
      root.children.push(holderFor(h, ext, true));
    } else if (node(item, 'importDecl') || node(item, 'dependsDecl')) {
      const imp = node(item, 'importDecl');
      if (annotations.length) report(ctx, 'E0113', `annotations cannot be attached to \`${imp ? 'import' : 'depends'}\``, annotations[0]!.span);
      const built = imp ? buildImport(imp, ext, ctx) : buildDepends(node(item, 'dependsDecl')!, ext, ctx);
      if (!built) continue;
      if (imp) ast.imports.push(built as ImportNode);
      else ast.depends.push(built as DependsNode);
      root.children.push(holderFor(built, ext, false));
    } else {
      const built = buildDecl(item, annotations, ext, ctx);
      if (!built) continue;
      ast.decls.push(built.decl);
      root.children.push(built.holder);
    }
    firstItem ??= ext.span;
    index++;
  }
  if (!ast.module) {
    const at: Span = { file: ctx.file, line: 1, col: 1, endLine: 1, endCol: 1 };
    report(ctx, 'E0108', 'missing module declaration', at, MODULE_HINT);
  }
  return { ast, root };
}

/** A declaration's name; keywords are accepted by the grammar only to be reported here. */
function declName(t: IToken, ctx: BuildCtx): Ident {
  if (t.tokenType !== Identifier) {
    report(ctx, 'E0115', `\`${t.image}\` is a keyword and cannot name a declaration`, tokenSpan(t, ctx.file), `rename it (e.g. \`${t.image}_\`); keywords can name members, parameters, union cases and enum members`);
  }
  return ident(t, ctx);
}

function holderFor(target: Holder['target'], ext: Extent, acceptsDoc: boolean, body?: Body): Holder {
  return { target, start: ext.start, end: ext.end, endLine: ext.span.endLine, acceptsDoc, ...(body ? { body } : {}) };
}

function buildHeader(n: CstNode, annotations: Annotation[], ext: Extent, ctx: BuildCtx): ModuleHeader {
  const name = buildNameRef(node(n, 'nameRef'), ctx);
  const v = token(n, 'version');
  const version = v
    ? { value: stringValue(v), span: tokenSpan(v, ctx.file) }
    : { value: '', span: spanAfter(name.span) };
  return { annotations, leadingComments: [], span: ext.span, name, version };
}

function buildImport(n: CstNode, ext: Extent, ctx: BuildCtx): ImportNode | undefined {
  const p = token(n, 'path');
  if (!p) return undefined;
  const alias = token(n, 'alias');
  return {
    path: { value: stringValue(p), span: tokenSpan(p, ctx.file) },
    ...(alias ? { alias: ident(alias, ctx) } : {}),
    leadingComments: [],
    span: ext.span,
  };
}

function buildDepends(n: CstNode, ext: Extent, ctx: BuildCtx): DependsNode | undefined {
  const ref = node(n, 'nameRef');
  if (!ref) return undefined;
  return { module: buildNameRef(ref, ctx), leadingComments: [], span: ext.span };
}

/** The inside of `{ ... }` or `( ... )`: from after the opener to before the closer (or the end). */
function bodyRange(n: CstNode, ext: Extent): { start: number; end: number } | undefined {
  const open = token(n, 'open');
  if (!open) return undefined;
  const close = token(n, 'close');
  return { start: (open.endOffset ?? open.startOffset) + 1, end: close ? close.startOffset : ext.end };
}

function buildDecl(item: CstNode, annotations: Annotation[], ext: Extent, ctx: BuildCtx): { decl: Decl; holder: Holder } | undefined {
  const base = { annotations, leadingComments: [], span: ext.span };
  const struct = node(item, 'structDecl') ?? node(item, 'unionDecl');
  if (struct) {
    const nameTok = token(struct, 'name');
    if (!nameTok) return undefined;
    const isUnion = struct.name === 'unionDecl';
    const body = buildBodyItems(nodes(struct, 'bodyItem'), isUnion ? 'case' : 'field', ctx);
    const common = { ...base, name: declName(nameTok, ctx), reserved: body.reserved, innerComments: [] };
    const decl: StructNode | UnionNode = isUnion
      ? { ...common, kind: 'union', cases: body.items as UnionCaseNode[] }
      : { ...common, kind: token(struct, 'keyword')?.image === 'error' ? 'error' : 'struct', fields: body.items as FieldNode[] };
    return { decl, holder: withBody(decl, ext, bodyRange(struct, ext), body.holders, decl.innerComments) };
  }
  const en = node(item, 'enumDecl');
  if (en) {
    const nameTok = token(en, 'name');
    if (!nameTok) return undefined;
    const body = buildEnumItems(nodes(en, 'enumItem'), ctx);
    const decl: EnumNode = { ...base, kind: 'enum', name: declName(nameTok, ctx), members: body.items, reserved: body.reserved, innerComments: [] };
    return { decl, holder: withBody(decl, ext, bodyRange(en, ext), body.holders, decl.innerComments) };
  }
  const fn = node(item, 'fnDecl');
  if (fn) {
    const nameTok = token(fn, 'name');
    if (!nameTok) return undefined;
    const params = buildParams(nodes(fn, 'param'), ctx);
    const seps = tokens(fn, 'sep').map((t) => t.startOffset);
    for (let i = 1; i < params.holders.length; i++) {
      const a = params.holders[i - 1]!;
      const b = params.holders[i]!;
      if (!seps.some((o) => o >= a.end && o < b.start)) {
        const prevSpan = params.items[i - 1]!.span;
        report(ctx, 'E0103', `expected ',' or ')' after parameter, found '${params.items[i]!.id.value ?? params.items[i]!.name.text}'`, spanAfter(prevSpan), 'parameters are separated by `,`: `fn f(1: a: i32, 2: b: string)`');
      }
    }
    const result = node(fn, 'result');
    const decl: FunctionNode = {
      ...base,
      kind: 'function',
      oneway: token(fn, 'Kw_oneway') !== undefined,
      name: declName(nameTok, ctx),
      params: params.items,
      ...(result ? { result: buildType(result, ctx) } : {}),
      throws: nodes(fn, 'throws').map((t) => buildNameRef(t, ctx)),
    };
    return { decl, holder: withBody(decl, ext, bodyRange(fn, ext), params.holders, undefined) };
  }
  const simple = buildSimpleDecl(item, base, ctx);
  return simple ? { decl: simple, holder: holderFor(simple, ext, true) } : undefined;
}

function withBody(decl: Decl, ext: Extent, range: { start: number; end: number } | undefined, children: Holder[], inner: Comment[] | undefined): Holder {
  const body: Body | undefined = range ? { ...range, children, ...(inner ? { inner } : {}) } : undefined;
  return holderFor(decl, ext, true, body);
}

/** Aliases, constants and events: one line, no body. */
function buildSimpleDecl(item: CstNode, base: { annotations: Annotation[]; leadingComments: Comment[]; span: Span }, ctx: BuildCtx): Decl | undefined {
  const alias = node(item, 'aliasDecl');
  const cst = alias ?? node(item, 'constDecl') ?? node(item, 'eventDecl');
  const nameTok: IToken | undefined = cst && token(cst, 'name');
  if (!cst || !nameTok) return undefined;
  const name = declName(nameTok, ctx);
  if (alias) return { ...base, kind: 'alias', name, type: buildType(node(alias, 'typeExpr'), ctx) };
  if (cst.name === 'constDecl') {
    const type = buildType(node(cst, 'typeExpr'), ctx);
    return { ...base, kind: 'const', name, type, value: buildLiteral(node(cst, 'value'), ctx) };
  }
  const payload = node(cst, 'payload');
  const decl: EventNode = { ...base, kind: 'event', name, ...(payload ? { payload: buildType(payload, ctx) } : {}) };
  return decl;
}
