// CST -> AST for the leaves of the tree: names, type expressions, literal values, annotations.
// Anything recovery left incomplete becomes a placeholder: a NameRef with no parts (as a named
// type, or as a `name` literal). The diagnostic for it has already been reported.

import type { CstNode, IToken } from 'chevrotain';
import type { Span } from '../ir/types.js';
import type { Annotation, Ident, Literal, NameRef, TypeExpr } from './ast.js';
import { BadNumber, FloatLiteral } from './tokens.js';
import { decodeString } from './lexer.js';
import { typeText } from './syntax-text.js';
import { type BuildCtx, extentOf, node, nodes, report, token, tokens, tokenSpan } from './cst.js';
import { closest } from './report.js';

export function ident(t: IToken, ctx: BuildCtx): Ident {
  return { text: t.image, span: tokenSpan(t, ctx.file) };
}

export function spanOf(n: CstNode | undefined, ctx: BuildCtx): Span {
  const e = n ? extentOf([n], ctx.file) : undefined;
  if (e) ctx.lastSpan = e.span;
  return e?.span ?? ctx.lastSpan;
}

export function placeholderName(span: Span): NameRef {
  return { parts: [], span };
}

export function placeholderType(span: Span): TypeExpr {
  return { kind: 'named', name: placeholderName(span), span };
}

export function placeholderLiteral(span: Span): Literal {
  return { kind: 'name', name: placeholderName(span), span };
}

export function buildNameRef(n: CstNode | undefined, ctx: BuildCtx): NameRef {
  if (!n) return placeholderName(ctx.lastSpan);
  const parts = tokens(n, 'part').map((t) => ident(t, ctx));
  return { parts, span: spanOf(n, ctx) };
}

export function stringValue(t: IToken): string {
  return decodeString(t.image).value;
}

export function buildType(n: CstNode | undefined, ctx: BuildCtx): TypeExpr {
  if (!n) return placeholderType(ctx.lastSpan);
  const span = spanOf(n, ctx);
  const ref = node(n, 'nameRef');
  const foreignArgs = node(n, 'foreignArgs');
  if (ref && foreignArgs) return typeWithArgs(buildNameRef(ref, ctx), nodes(foreignArgs, 'arg').map((a) => buildType(a, ctx)), span, ctx);
  if (ref) return { kind: 'named', name: buildNameRef(ref, ctx), span };
  const g = node(n, 'genericType');
  if (!g) return placeholderType(span);
  const ctor = token(g, 'ctor');
  const ctorName = ctor?.image ?? 'list';
  const bare = node(g, 'bareArg');
  if (bare) {
    const inner = buildType(bare, ctx);
    const fixed = `${ctorName}<${typeText(inner)}>`;
    if (ctorName === 'optional') {
      report(ctx, 'E0111', `\`optional\` is a type constructor: write \`${fixed}\``, span, `write \`${fixed}\`, or mark the member itself optional: \`name?: ${typeText(inner)}\``);
    } else {
      report(ctx, 'E0103', `expected '<' after '${ctorName}'`, span, `write \`${ctorName === 'map' ? 'map<K, V>' : fixed}\``);
    }
    return ctorName === 'optional' ? { kind: 'optional', inner, span }
      : ctorName === 'stream' ? { kind: 'stream', element: inner, span }
        : ctorName === 'map' ? { kind: 'map', key: inner, value: placeholderType(span), span }
          : { kind: 'list', element: inner, span };
  }
  const args = nodes(g, 'arg').map((a) => buildType(a, ctx));
  const want = ctorName === 'map' ? 2 : 1;
  if (args.length !== want && args.length > 0) {
    const shape = ctorName === 'map' ? 'map<K, V>' : `${ctorName}<T>`;
    report(ctx, 'E0103', `\`${ctorName}\` takes ${want === 2 ? 'two type arguments' : 'one type argument'}, found ${args.length}`, span, `write \`${shape}\``);
  }
  const a0 = args[0] ?? placeholderType(span);
  switch (ctorName) {
    case 'map': return { kind: 'map', key: a0, value: args[1] ?? placeholderType(span), span };
    case 'optional': return { kind: 'optional', inner: a0, span };
    case 'stream': return { kind: 'stream', element: a0, span };
    default: return { kind: 'list', element: a0, span };
  }
}

// E0116: type arguments after a name (`set<i32>`, `Vec<T>`, `lsit<T>`, `User<T>`). Only list, map,
// optional and stream take type arguments. What people bring from other languages is translated
// to the interop type, and that type goes into the tree, so the mistake is reported once and
// nothing downstream (unknown type, wrong field) is reported because of it.

type Ctor = 'list' | 'map' | 'optional';

/** Other languages' generic types, lower-cased, and the interop type that says the same. */
const FOREIGN_GENERICS: Record<string, { ctor: Ctor; note?: string }> = {
  set: { ctor: 'list', note: 'interop has no set type' },
  hashset: { ctor: 'list', note: 'interop has no set type' },
  frozenset: { ctor: 'list', note: 'interop has no set type' },
  sortedset: { ctor: 'list', note: 'interop has no set type' },
  array: { ctor: 'list' },
  arraylist: { ctor: 'list' },
  vec: { ctor: 'list' },
  vector: { ctor: 'list' },
  seq: { ctor: 'list' },
  sequence: { ctor: 'list' },
  slice: { ctor: 'list' },
  repeated: { ctor: 'list' },
  dict: { ctor: 'map' },
  dictionary: { ctor: 'map' },
  hashmap: { ctor: 'map' },
  treemap: { ctor: 'map' },
  record: { ctor: 'map' },
  option: { ctor: 'optional' },
  maybe: { ctor: 'optional' },
  nullable: { ctor: 'optional' },
};

const CTORS: readonly Ctor[] = ['list', 'map', 'optional'];

/** The type `name<args>` stands for, after reporting it (E0116). */
function typeWithArgs(name: NameRef, args: TypeExpr[], span: Span, ctx: BuildCtx): TypeExpr {
  const written = name.parts.map((p) => p.text).join('.');
  const foreign = name.parts.length === 1 ? FOREIGN_GENERICS[written.toLowerCase()] : undefined;
  const ctor = foreign?.ctor ?? (name.parts.length === 1 ? closest(written, CTORS) : undefined);
  if (ctor === undefined) {
    report(ctx, 'E0116', `\`${written}\` takes no type arguments`, span, 'only `list<T>`, `map<K, V>` and `optional<T>` take type arguments');
    return placeholderType(span); // reported: nothing more to say about it
  }
  const want = ctor === 'map' ? 2 : 1;
  const fits = args.length === want;
  const type: TypeExpr = !fits ? placeholderType(span)
    : ctor === 'map' ? { kind: 'map', key: args[0]!, value: args[1]!, span }
      : ctor === 'optional' ? { kind: 'optional', inner: args[0]!, span }
        : { kind: 'list', element: args[0]!, span };
  const fix = fits ? typeText(type) : ctor === 'map' ? 'map<K, V>' : `${ctor}<T>`;
  const message = `unknown type \`${written}<${args.map(typeText).join(', ')}>\``;
  const hint = foreign ? `${foreign.note ? `${foreign.note}; ` : ''}use \`${fix}\`` : `did you mean \`${fix}\`?`;
  report(ctx, 'E0116', message, span, hint);
  return type;
}

export function buildLiteral(n: CstNode | undefined, ctx: BuildCtx): Literal {
  if (!n) return placeholderLiteral(ctx.lastSpan);
  const span = spanOf(n, ctx);
  const int = token(n, 'int');
  if (int) return { kind: 'int', text: int.tokenType === BadNumber ? '0' : int.image, span };
  const float = token(n, 'float');
  if (float) {
    const text = float.tokenType === FloatLiteral ? float.image : (token(n, 'minus') ? '-' : '') + float.image;
    return { kind: 'float', text, span };
  }
  const str = token(n, 'string');
  if (str) return { kind: 'string', value: stringValue(str), span };
  const bool = token(n, 'bool');
  if (bool) return { kind: 'bool', value: bool.image === 'true', span };
  if (token(n, 'none')) return { kind: 'none', span };
  const ref = node(n, 'nameRef');
  if (ref) return { kind: 'name', name: buildNameRef(ref, ctx), span };
  const list = node(n, 'listLiteral');
  if (list) return { kind: 'list', items: nodes(list, 'item').map((i) => buildLiteral(i, ctx)), span };
  const map = node(n, 'mapLiteral');
  if (map) {
    const entries = nodes(map, 'entry').map((e) => ({
      key: buildLiteral(node(e, 'key'), ctx),
      value: buildLiteral(node(e, 'value'), ctx),
    }));
    return { kind: 'map', entries, span };
  }
  return placeholderLiteral(span);
}

export function buildAnnotation(n: CstNode, ctx: BuildCtx): Annotation | undefined {
  const name = token(n, 'name');
  if (!name) return undefined;
  const args = nodes(n, 'annotationArg').map((a) => {
    const key = token(a, 'key');
    return { ...(key ? { key: ident(key, ctx) } : {}), value: buildLiteral(node(a, 'value'), ctx) };
  });
  return { name: ident(name, ctx), args, span: spanOf(n, ctx) };
}

export function buildAnnotations(n: CstNode, ctx: BuildCtx): Annotation[] {
  return nodes(n, 'annotation')
    .map((a) => buildAnnotation(a, ctx))
    .filter((a): a is Annotation => a !== undefined);
}

/**
 * An integer token's value, or null for a malformed number (already reported). Values beyond
 * 2^53 lose precision; every place ints are used as ids rejects them as out of range anyway.
 */
export function intValue(t: IToken): number | null {
  return t.tokenType === BadNumber ? null : intTextValue(t.image);
}

export function intTextValue(text: string): number {
  const neg = text.startsWith('-');
  const v = Number(neg ? text.slice(1) : text);
  return neg ? -v : v;
}

export { report };
