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

/**
 * The closest candidate by edit distance (a swap of two neighbours counts as one edit), for
 * "did you mean" hints; undefined if none is close enough. Names under 3 characters get none.
 */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const allowed = name.length < 3 ? 0 : Math.max(1, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDist = allowed + 1;
  for (const c of candidates) {
    if (c === name) continue;
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDist) {
      best = c;
      bestDist = d;
    }
  }
  return best;
}

/** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
