// The contract between the CLI and a language target. A target sees only the IR (../ir) and
// returns files; it never writes to disk, never formats other languages' files, never imports
// from ../frontend. The CLI writes the files, and only those whose content changed.

import type { Bundle } from '../ir/types.js';

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
