// Renders diagnostics for people (rustc-style text with the source line and carets) or for
// tools (one JSON document with a stable key order). Both sort by file, line and column.

import type { Span } from '../ir/types.js';
import type { Diagnostic } from './diagnostic.js';

export interface RenderOptions {
  format: 'text' | 'json';
  /** ANSI colors in text output. Default false. */
  color?: boolean;
}

export function renderDiagnostics(diags: Diagnostic[], sources: Map<string, string>, opts: RenderOptions): string {
  const sorted = sortForDisplay(diags);
  return opts.format === 'json' ? renderJson(sorted) : renderText(sorted, sources, opts.color ?? false);
}

function sortForDisplay(diags: Diagnostic[]): Diagnostic[] {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...diags].sort(
    (a, b) =>
      cmp(a.span.file, b.span.file) || a.span.line - b.span.line || a.span.col - b.span.col || cmp(a.code, b.code),
  );
}

// ---- JSON ----

function spanFields(s: Span) {
  return { file: s.file, line: s.line, col: s.col, endLine: s.endLine, endCol: s.endCol };
}

function renderJson(diags: Diagnostic[]): string {
  const out = diags.map((d) => ({
    code: d.code,
    severity: d.severity,
    message: d.message,
    ...spanFields(d.span),
    hint: d.hint ?? null,
    related: (d.related ?? []).map((r) => ({ message: r.message, ...spanFields(r.span) })),
  }));
  return `${JSON.stringify({ diagnostics: out }, null, 2)}\n`;
}

// ---- text ----

interface Palette {
  error: (s: string) => string;
  warning: (s: string) => string;
  bold: (s: string) => string;
  gutter: (s: string) => string;
  note: (s: string) => string;
}

const ansi = (code: string) => (s: string) => `\u001b[${code}m${s}\u001b[0m`;
const PLAIN: Palette = { error: (s) => s, warning: (s) => s, bold: (s) => s, gutter: (s) => s, note: (s) => s };
const COLOR: Palette = { error: ansi('1;31'), warning: ansi('1;33'), bold: ansi('1'), gutter: ansi('1;34'), note: ansi('1;32') };

function renderText(diags: Diagnostic[], sources: Map<string, string>, color: boolean): string {
  if (diags.length === 0) return '';
  const p = color ? COLOR : PLAIN;
  const lines = new Map<string, string[]>();
  const sourceLines = (file: string): string[] | undefined => {
    if (!lines.has(file)) {
      const text = sources.get(file);
      if (text === undefined) return undefined;
      lines.set(file, text.split('\n').map((l) => l.replace(/\r$/, '')));
    }
    return lines.get(file);
  };
  const blocks: string[] = [];
  for (const d of diags) {
    const spans = [d.span, ...(d.related ?? []).map((r) => r.span)];
    const width = Math.max(...spans.map((s) => String(s.line).length));
    const paint = d.severity === 'error' ? p.error : p.warning;
    const out: string[] = [];
    out.push(`${paint(`${d.severity}[${d.code}]`)}${p.bold(`: ${d.message}`)}`);
    out.push(...snippet(d.span, sourceLines(d.span.file), width, p, paint));
    if (d.hint) out.push(`${' '.repeat(width + 1)}${p.gutter('=')} ${p.bold('hint')}: ${d.hint}`);
    for (const r of d.related ?? []) {
      out.push(`${p.note('note')}: ${r.message}`);
      out.push(...snippet(r.span, sourceLines(r.span.file), width, p, p.note));
    }
    blocks.push(out.join('\n'));
  }
  const errors = diags.filter((d) => d.severity === 'error').length;
  const warnings = diags.length - errors;
  const parts: string[] = [];
  if (errors) parts.push(`${errors} error${errors === 1 ? '' : 's'}`);
  if (warnings) parts.push(`${warnings} warning${warnings === 1 ? '' : 's'}`);
  return `${blocks.join('\n\n')}\n\n${p.bold(parts.join(', '))}\n`;
}

/** The `-->` location line, then the source line with carets under the span (first line only). */
function snippet(span: Span, lines: string[] | undefined, width: number, p: Palette, paint: (s: string) => string): string[] {
  const pad = ' '.repeat(width);
  const out = [`${pad}${p.gutter('-->')} ${span.file}:${span.line}:${span.col}`];
  const raw = lines?.[span.line - 1];
  if (raw === undefined) return out;
  const { text, column } = expandTabs(raw);
  const start = column(span.col);
  const lineEnd = text.length;
  const end = span.endLine > span.line ? Math.max(lineEnd, start + 1) : Math.max(column(span.endCol), start + 1);
  const bar = p.gutter('|');
  out.push(`${pad} ${bar}`);
  out.push(`${p.gutter(String(span.line).padStart(width))} ${bar} ${text}`.trimEnd());
  out.push(`${pad} ${bar} ${' '.repeat(start)}${paint('^'.repeat(end - start))}`);
  return out;
}

/** Tabs shown as 4 spaces; `column` maps a 1-based source column to a 0-based display offset. */
function expandTabs(line: string): { text: string; column: (col: number) => number } {
  if (!line.includes('\t')) return { text: line, column: (c) => Math.max(0, c - 1) };
  const offsets: number[] = [];
  let text = '';
  for (const ch of line) {
    for (let k = 0; k < ch.length; k++) offsets.push(text.length);
    text += ch === '\t' ? '    ' : ch;
  }
  return { text, column: (c) => (c - 1 < offsets.length ? offsets[Math.max(0, c - 1)]! : text.length + (c - 1 - offsets.length)) };
}
