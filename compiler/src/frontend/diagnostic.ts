// A compiler diagnostic. Every one carries a stable code, a span and, where it helps, a hint.
// Codes are grouped: E01xx lexing and syntax, E02xx names and imports, E03xx ids and reserved,
// E04xx types and values, E05xx functions and events. docs/errors.md lists them all.

import type { Span } from '../ir/types.js';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  code: string; // e.g. "E0103"
  severity: Severity;
  message: string;
  span: Span;
  hint?: string;
  /** Other places worth showing, e.g. the first declaration of a duplicate name. */
  related?: Array<{ message: string; span: Span }>;
}
