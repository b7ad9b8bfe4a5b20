// Small helpers to read Chevrotain's concrete syntax tree: children by label, real (not
// recovery-inserted) tokens, and the extent (offsets and span) a node covers.

import type { CstElement, CstNode, IToken } from 'chevrotain';
import type { Span } from '../ir/types.js';
import type { Diagnostic } from './diagnostic.js';

export function isToken(e: CstElement): e is IToken {
  return (e as IToken).image !== undefined;
}

/** A token that really is in the source (error recovery may insert empty, position-less ones). */
export function isReal(t: IToken): boolean {
  return !t.isInsertedInRecovery && !Number.isNaN(t.startOffset);
}

export function tokens(n: CstNode, key: string): IToken[] {
  return (n.children[key] ?? []).filter(isToken).filter(isReal);
}

export function token(n: CstNode, key: string): IToken | undefined {
  return tokens(n, key)[0];
}

/** Any token under `key`, including one inserted by recovery (to know a terminator was missing). */
export function anyToken(n: CstNode, key: string): IToken | undefined {
  return (n.children[key] ?? []).find(isToken);
}

export function nodes(n: CstNode, key: string): CstNode[] {
  return (n.children[key] ?? []).filter((e): e is CstNode => !isToken(e));
}

export function node(n: CstNode, key: string): CstNode | undefined {
  return nodes(n, key)[0];
}

/** Every real token under a node (in label order, not necessarily source order). */
export function allTokens(e: CstElement, out: IToken[] = []): IToken[] {
  if (isToken(e)) {
    if (isReal(e)) out.push(e);
    return out;
  }
  for (const list of Object.values(e.children)) for (const c of list) allTokens(c, out);
  return out;
}

/** The first and last real tokens under an element (by start offset). */
interface Bounds {
  first: IToken;
  last: IToken;
}

/** A CST node with its bounds remembered (null: no real token under it). */
type BoundedNode = CstNode & { bounds?: Bounds | null };

/**
 * Bounds of an element, computed once per CST node and kept on it: the AST builder asks for the
 * extent of a declaration, then of each member, then of each type inside it, and walking every
 * token each time made the build cost depth × tokens. (A WeakMap cache costs more than it saves:
 * a million weak entries slow every garbage collection.)
 */
function boundsOf(e: CstElement): Bounds | null {
  if (isToken(e)) return isReal(e) ? { first: e, last: e } : null;
  const n = e as BoundedNode;
  if (n.bounds !== undefined) return n.bounds;
  let first: IToken | undefined;
  let last: IToken | undefined;
  const children = n.children;
  for (const key in children) {
    const list = children[key]!;
    for (let i = 0; i < list.length; i++) {
      const c = list[i]!;
      let f: IToken;
      let l: IToken;
      if (isToken(c)) {
        if (!isReal(c)) continue;
        f = l = c;
      } else {
        const b = boundsOf(c);
        if (b === null) continue;
        f = b.first;
        l = b.last;
      }
      if (first === undefined || f.startOffset < first.startOffset) first = f;
      if (last === undefined || l.startOffset > last.startOffset) last = l;
    }
  }
  n.bounds = first !== undefined && last !== undefined ? { first, last } : null;
  return n.bounds;
}

export interface Extent {
  /** Offsets: [start, end). */
  start: number;
  end: number;
  span: Span;
}

export function tokenSpan(t: IToken, file: string): Span {
  return {
    file,
    line: t.startLine ?? 1,
    col: t.startColumn ?? 1,
    endLine: t.endLine ?? t.startLine ?? 1,
    endCol: (t.endColumn ?? t.startColumn ?? 0) + 1,
  };
}

export function tokenExtent(t: IToken, file: string): Extent {
  return { start: t.startOffset, end: (t.endOffset ?? t.startOffset) + 1, span: tokenSpan(t, file) };
}

/** The extent of the given elements' real tokens, or undefined when there are none. */
export function extentOf(elements: Array<CstElement | undefined>, file: string): Extent | undefined {
  let first: IToken | undefined;
  let last: IToken | undefined;
  for (const e of elements) {
    const b = e && boundsOf(e);
    if (!b) continue;
    if (!first || b.first.startOffset < first.startOffset) first = b.first;
    if (!last || b.last.startOffset > last.startOffset) last = b.last;
  }
  if (!first || !last) return undefined;
  return {
    start: first.startOffset,
    end: (last.endOffset ?? last.startOffset) + 1,
    span: {
      file,
      line: first.startLine ?? 1,
      col: first.startColumn ?? 1,
      endLine: last.endLine ?? last.startLine ?? 1,
      endCol: (last.endColumn ?? last.startColumn ?? 0) + 1,
    },
  };
}

export function joinSpans(a: Span, b: Span): Span {
  return { file: a.file, line: a.line, col: a.col, endLine: b.endLine, endCol: b.endCol };
}

/** A zero-width span right after `s`: where a missing token belongs. */
export function spanAfter(s: Span): Span {
  return { file: s.file, line: s.endLine, col: s.endCol, endLine: s.endLine, endCol: s.endCol };
}

/** What every AST-building function shares: the file name and the diagnostics sink. */
export interface BuildCtx {
  file: string;
  diagnostics: Diagnostic[];
  /** Fallback position for nodes that recovery left empty. */
  lastSpan: Span;
}

export function report(ctx: BuildCtx, code: string, message: string, span: Span, hint?: string): void {
  ctx.diagnostics.push({ code, severity: 'error', message, span, ...(hint ? { hint } : {}) });
}
