// Attaches comments to the AST so the formatter never loses one.
//
// The AST builder describes the file as a tree of holders: every node that can own comments, with
// its offsets and, for nodes with a body (`{...}` or a parameter list), the body's inside and the
// holders within it. Each comment then goes, innermost first:
//   - inside a child holder: recurse into it;
//   - on the line where the previous sibling ends: that sibling's trailingComment (one only);
//   - before a sibling: that sibling's leadingComments (a `///` doc comment becomes its `doc`);
//   - after the last sibling: the body's innerComments (or the file's trailingComments);
//   - inside a node but outside its body (`struct /* x */ A {`, inside a type or a value): it
//     moves up to that node's leadingComments (docs: its `doc`).
// A doc comment where no declaration or member follows is kept as a plain comment. The rules
// only look at positions, so formatting and re-parsing reproduce the same attachment.

import type { IToken } from 'chevrotain';
import type { Span } from '../ir/types.js';
import type { Comment } from './ast.js';
import { tokenSpan } from './cst.js';
import { DocComment } from './tokens.js';

export interface CommentTarget {
  leadingComments: Comment[];
  trailingComment?: Comment;
  doc?: string;
  docSpan?: Span;
}

export interface Holder {
  target: CommentTarget;
  start: number;
  end: number;
  endLine: number;
  /** Whether a `///` comment before this node is its doc (else it is kept as a plain comment). */
  acceptsDoc: boolean;
  body?: Body;
}

export interface Body {
  /** Offsets of the inside of the body, braces or parentheses excluded. */
  start: number;
  end: number;
  children: Holder[];
  /** Where comments after the last child go; absent: they move up to the owner's leading list. */
  inner?: Comment[];
}

interface PendingDoc {
  lines: string[];
  span: Span;
}

export function attachComments(root: Body, comments: IToken[], file: string): void {
  const docs = new Map<CommentTarget, PendingDoc>();
  for (const tok of comments) {
    placeIn(root, undefined, tok, file, docs);
  }
  for (const [target, doc] of docs) {
    target.doc = doc.lines.join('\n');
    target.docSpan = doc.span;
  }
}

function placeIn(body: Body, owner: Holder | undefined, tok: IToken, file: string, docs: Map<CommentTarget, PendingDoc>): void {
  const pos = tok.startOffset;
  const children = body.children; // in source order, not overlapping
  // Binary search: the last child starting at or before the comment.
  let lo = 0;
  let hi = children.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (children[mid]!.start <= pos) {
      at = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  const candidate = at >= 0 ? children[at] : undefined;
  if (candidate && pos < candidate.end) {
    placeInside(candidate, tok, file, docs);
    return;
  }
  const prev = candidate;
  const next = children[at + 1];
  const isDoc = tok.tokenType === DocComment;
  const comment = toComment(tok, file);
  if (!isDoc && prev && !prev.target.trailingComment && comment.span.line === prev.endLine) {
    prev.target.trailingComment = comment;
    return;
  }
  if (next) {
    addLeading(next, tok, comment, isDoc, docs);
    return;
  }
  if (body.inner) body.inner.push(comment);
  else if (owner) owner.target.leadingComments.push(comment);
}

function placeInside(h: Holder, tok: IToken, file: string, docs: Map<CommentTarget, PendingDoc>): void {
  const pos = tok.startOffset;
  if (h.body && h.body.start <= pos && pos < h.body.end) {
    placeIn(h.body, h, tok, file, docs);
    return;
  }
  addLeading(h, tok, toComment(tok, file), tok.tokenType === DocComment, docs);
}

function addLeading(h: Holder, tok: IToken, comment: Comment, isDoc: boolean, docs: Map<CommentTarget, PendingDoc>): void {
  if (isDoc && h.acceptsDoc) {
    const line = docLine(tok.image);
    const pending = docs.get(h.target);
    if (pending) {
      pending.lines.push(line);
      pending.span = { ...pending.span, endLine: comment.span.endLine, endCol: comment.span.endCol };
    } else {
      docs.set(h.target, { lines: [line], span: comment.span });
    }
    return;
  }
  h.target.leadingComments.push(comment);
}

/** `/// text` -> `text`: the marker and one leading space go, trailing whitespace too. */
export function docLine(image: string): string {
  let s = image.slice(3);
  if (s.startsWith(' ')) s = s.slice(1);
  return s.trimEnd();
}

function toComment(tok: IToken, file: string): Comment {
  const text = tok.image.startsWith('/*') ? tok.image.replace(/\r\n?/g, '\n') : tok.image.trimEnd();
  return { text, span: tokenSpan(tok, file) };
}
