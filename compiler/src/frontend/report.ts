// Collects the checker's diagnostics. Every diagnostic has a stable code from ./codes.ts.

import type { Span } from '../ir/types.js';
import type { CheckerCode } from './codes.js';
import type { Diagnostic } from './diagnostic.js';

export interface Related {
  message: string;
  span: Span;
}

export class Reporter {
  readonly diagnostics: Diagnostic[] = [];

  error(code: CheckerCode, span: Span, message: string, hint?: string, related?: Related[]): void {
    const d: Diagnostic = { code, severity: 'error', message, span };
    if (hint !== undefined) d.hint = hint;
    if (related !== undefined && related.length > 0) d.related = related;
    this.diagnostics.push(d);
  }

  get errorCount(): number {
    return this.diagnostics.filter((d) => d.severity === 'error').length;
  }
}

/** A zero-width span at the start of a file, for problems with no better place (an unreadable file). */
export function fileSpan(file: string): Span {
  return { file, line: 1, col: 1, endLine: 1, endCol: 1 };
}

/** Sorts diagnostics by file, position and code, so output is stable whatever the check order. */
export function sortDiagnostics(diags: Diagnostic[]): Diagnostic[] {
  return [...diags].sort(
    (a, b) =>
      cmp(a.span.file, b.span.file) ||
      a.span.line - b.span.line ||
      a.span.col - b.span.col ||
      cmp(a.code, b.code) ||
      cmp(a.message, b.message),
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** "a", "a or b", "a, b or c": for hints that list alternatives. */
export function orList(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** The closest candidate by edit distance, for "did you mean" hints; undefined if none is close. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDist = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDist) {
      best = c;
      bestDist = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}
