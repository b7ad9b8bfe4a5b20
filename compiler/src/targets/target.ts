// The contract between the CLI and a language target. A target sees only the IR (../ir) and
// returns files; it never writes to disk, never formats other languages' files, never imports
// from ../frontend. The CLI writes the files, and only those whose content changed.

import type { Bundle, Span } from '../ir/types.js';

export interface GeneratedFile {
  /** Path relative to the --out directory, with '/' separators. */
  path: string;
  content: string;
}

export interface TargetOptions {
  /** Source file name for each module (as shown in generated headers), keyed by module name. */
  sourceNames: Record<string, string>;
  /**
   * Run the language's formatter over the output (`interopc gen --format`). Targets lay their
   * code out themselves, so this is off by default; a target without a formatter ignores it.
   */
  format?: boolean;
}

export interface Target {
  /** The value of `--lang`: ts, python, c, cpp, d, haskell. */
  id: string;
  /** Human name for --help and docs. */
  displayName: string;
  generate(bundle: Bundle, options: TargetOptions): GeneratedFile[] | Promise<GeneratedFile[]>;
}

/** What a target reports when the schema uses something its format cannot express (docs/errors.md E07xx). */
export interface TargetProblem {
  code: string;
  message: string;
  span: Span;
  hint?: string;
}

/**
 * Thrown by a target whose format cannot express the schema: `interopc gen` shows each problem as
 * a compiler error at its place in the schema (never a silent change of meaning) and exits 1.
 */
export class TargetError extends Error {
  constructor(readonly problems: TargetProblem[]) {
    super(problems.map((p) => `${p.code}: ${p.message}`).join('\n'));
    this.name = 'TargetError';
  }
}
