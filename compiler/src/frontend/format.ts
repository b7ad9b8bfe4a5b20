// The canonical formatter behind `interopc fmt`. It prints a FileNode back as source:
//   - 2-space indentation, one member per line, canonical spacing (`1: name: type = default;`);
//   - the module line, then imports, then `depends`, then the declarations, one blank line
//     between top-level groups and between declarations;
//   - inside bodies and between comments, a blank line where the source had one or more;
//   - every comment kept (leading, trailing, inner, file-trailing), doc comments as `/// ` lines,
//     annotations one per line above what they annotate;
//   - strings re-escaped canonically, numbers exactly as written.
// Only files that parsed without errors should be formatted (the CLI refuses the others).
// fmt(fmt(x)) == fmt(x): every layout decision depends on the AST alone or on source gaps that
// the output reproduces.

import type { Span } from '../ir/types.js';
import type {
  Annotation, Comment, Decl, EnumMemberNode, FieldNode, FileNode, FunctionNode, ReservedNode, UnionCaseNode,
} from './ast.js';
import { annotationText, literalText, nameRefText, quoteString, typeText } from './syntax-text.js';

const INDENT = '  ';
/** A function with two or more parameters whose line is longer than this gets one per line. */
const MAX_LINE = 120;

/** Anything that can carry comments, a doc and annotations. */
interface Item {
  leadingComments: Comment[];
  trailingComment?: Comment;
  doc?: string;
  docSpan?: Span;
  annotations?: Annotation[];
  span: Span;
}

export function formatFile(ast: FileNode): string {
  const out = new Writer();
  type Top = { item: Item; lines: string[]; kind: 'module' | 'preamble' | 'decl' };
  const tops: Top[] = [];
  if (ast.module) {
    const m = ast.module;
    tops.push({ item: m, kind: 'module', lines: [`module ${nameRefText(m.name)} version ${quoteString(m.version.value)};`] });
  }
  for (const imp of sortBySource(ast.imports)) {
    tops.push({ item: imp, kind: 'preamble', lines: [`import ${quoteString(imp.path.value)}${imp.alias ? ` as ${imp.alias.text}` : ''};`] });
  }
  for (const dep of sortBySource(ast.depends)) {
    tops.push({ item: dep, kind: 'preamble', lines: [`depends ${nameRefText(dep.module)};`] });
  }
  for (const d of ast.decls) tops.push({ item: d, kind: 'decl', lines: declLines(d) });
  tops.forEach((t, i) => {
    const prev = tops[i - 1];
    if (prev && blankBetween(prev, t)) out.blank();
    emitItem(out, 0, t.item, t.lines);
  });
  emitComments(out, 0, ast.trailingComments, tops[tops.length - 1]?.item);
  return out.text();

  /**
   * One blank line after the module line and around multi-line declarations; imports, depends
   * and runs of one-line declarations (consts, aliases, events, functions) keep the author's
   * grouping: a blank line where the source had one.
   */
  function blankBetween(a: Top, b: Top): boolean {
    if (a.kind !== b.kind || a.kind === 'module') return true;
    if (a.kind === 'preamble') return gapBefore(a.item, b.item);
    return a.lines.length > 1 || b.lines.length > 1 || gapBefore(a.item, b.item);
  }
}

function declLines(d: Decl): string[] {
  switch (d.kind) {
    case 'struct':
    case 'error':
      return bodyLines(`${d.kind} ${d.name.text}`, sortBySource([...d.fields, ...d.reserved]), d.innerComments, memberLine);
    case 'union':
      return bodyLines(`union ${d.name.text}`, sortBySource([...d.cases, ...d.reserved]), d.innerComments, memberLine);
    case 'enum':
      return bodyLines(`enum ${d.name.text}`, sortBySource([...d.members, ...d.reserved]), d.innerComments, memberLine);
    case 'alias':
      return [`type ${d.name.text} = ${typeText(d.type)};`];
    case 'const':
      return [`const ${d.name.text}: ${typeText(d.type)} = ${literalText(d.value)};`];
    case 'event':
      return [`event ${d.name.text}${d.payload ? `: ${typeText(d.payload)}` : ''};`];
    case 'function':
      return functionLines(d);
  }
}

type Member = FieldNode | UnionCaseNode | EnumMemberNode | ReservedNode;

function memberLine(m: Member): string {
  if ('ranges' in m) {
    const ids = m.ranges.map((r) => (r.from === r.to ? String(r.from) : `${r.from}..${r.to}`));
    return `reserved ${[...ids, ...m.names.map((n) => quoteString(n.value))].join(', ')};`;
  }
  if (!('id' in m)) return `${m.name.text} = ${literalText(m.value)};`;
  return `${fieldText(m)};`;
}

/** `1: name?: type = default` (no terminator). */
function fieldText(m: FieldNode | UnionCaseNode): string {
  const id = m.id.value === null ? m.id.text : String(m.id.value);
  const mark = 'optionalMark' in m && m.optionalMark ? '?' : '';
  const type = m.type ? `: ${typeText(m.type)}` : '';
  const def = 'default' in m && m.default ? ` = ${literalText(m.default)}` : '';
  return `${id}: ${m.name.text}${mark}${type}${def}`;
}

function bodyLines<M extends Item>(head: string, members: M[], inner: Comment[], line: (m: M) => string): string[] {
  if (members.length === 0 && inner.length === 0) return [`${head} {}`];
  const w = new Writer();
  members.forEach((m, i) => {
    if (i > 0 && gapBefore(members[i - 1]!, m)) w.blank();
    emitItem(w, 1, m, [line(m)]);
  });
  emitComments(w, 1, inner, members[members.length - 1]);
  return [`${head} {`, ...w.lines, '}'];
}

function functionLines(f: FunctionNode): string[] {
  const tail =
    (f.result ? ` -> ${typeText(f.result)}` : '') +
    (f.throws.length ? ` throws ${f.throws.map(nameRefText).join(', ')}` : '') +
    ';';
  const head = `${f.oneway ? 'oneway ' : ''}fn ${f.name.text}(`;
  // Parameters carry their annotations inline: `@deprecated 2: old: string`.
  const param = (p: FieldNode) => [...p.annotations.map(annotationText), fieldText(p)].join(' ');
  const plain = f.params.every((p) => p.leadingComments.length === 0 && !p.trailingComment && p.doc === undefined);
  const oneLine = `${head}${f.params.map(param).join(', ')})${tail}`;
  if (plain && (oneLine.length <= MAX_LINE || f.params.length < 2)) return [oneLine];
  const w = new Writer();
  f.params.forEach((p, i) => {
    if (i > 0 && gapBefore(f.params[i - 1]!, p)) w.blank();
    emitItem(w, 1, { ...p, annotations: [] }, [`${param(p)},`]);
  });
  return [head, ...w.lines, `)${tail}`];
}

// ---- items, comments, blank lines ----

function emitItem(out: Writer, depth: number, item: Item, lines: string[]): void {
  const first = firstLineOf(item);
  emitComments(out, depth, item.leadingComments, undefined);
  const lastComment = item.leadingComments[item.leadingComments.length - 1];
  if (lastComment && first - lastComment.span.endLine > 1) out.blank();
  if (item.doc !== undefined) {
    for (const l of item.doc.split('\n')) out.line(depth, l === '' ? '///' : `/// ${l}`);
  }
  for (const a of item.annotations ?? []) out.line(depth, annotationText(a));
  lines.forEach((l, i) => {
    const trailing = i === lines.length - 1 && item.trailingComment ? ` ${item.trailingComment.text}` : '';
    // Declarations with bodies are only at depth 0: their member lines come indented already.
    out.line(depth, l + trailing);
  });
}

/** Comments on their own lines, keeping single blank lines between them (and after `prev`). */
function emitComments(out: Writer, depth: number, comments: Comment[], prev: Item | undefined): void {
  let prevEnd = prev ? lastLineOf(prev) : undefined;
  for (const c of comments) {
    if (prevEnd !== undefined && c.span.line - prevEnd > 1) out.blank();
    out.line(depth, c.text);
    prevEnd = c.span.endLine;
  }
}

function firstLineOf(item: Item): number {
  return Math.min(item.span.line, item.docSpan?.line ?? Infinity);
}

function visualStart(item: Item): number {
  return Math.min(firstLineOf(item), ...item.leadingComments.map((c) => c.span.line));
}

function lastLineOf(item: Item): number {
  return Math.max(item.span.endLine, item.trailingComment?.span.endLine ?? 0);
}

/** Whether the source had a blank line between two consecutive items. */
function gapBefore(prev: Item, next: Item): boolean {
  return visualStart(next) - lastLineOf(prev) > 1;
}

function sortBySource<T extends { span: Span }>(items: T[]): T[] {
  return [...items].sort((a, b) => a.span.line - b.span.line || a.span.col - b.span.col);
}

class Writer {
  readonly lines: string[] = [];

  /** Indents the first line; further lines (of a block comment) are kept verbatim. */
  line(depth: number, text: string): void {
    const [first, ...rest] = text.split('\n');
    this.lines.push(first === '' ? '' : INDENT.repeat(depth) + first!);
    this.lines.push(...rest);
  }

  blank(): void {
    if (this.lines.length > 0 && this.lines[this.lines.length - 1] !== '') this.lines.push('');
  }

  text(): string {
    return this.lines.length ? `${this.lines.join('\n')}\n` : '';
  }
}
