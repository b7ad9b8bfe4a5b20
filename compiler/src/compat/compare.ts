// The comparison rule of docs/wire.md §2.2, over two entries of compatibility tables
// (./describe.ts). The runtimes implement the same rule on the tables they exchange in the
// handshake; `interopc breaking` uses this one, so both judge a change alike.

import type { CompatEntry } from '../ir/types.js';
import { compareCodePoints } from './describe.js';

/** One member on which two entries disagree. `ours`/`theirs` undefined: that side lacks it. */
export interface Difference {
  key: string;
  ours?: string;
  theirs?: string;
}

function own(r: Record<string, string>, key: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(r, key) ? r[key] : undefined;
}

function textOf(e: CompatEntry, key: string): string | undefined {
  return own(e.must, key) ?? own(e.may, key);
}

/**
 * Every member on which `ours` and `theirs` disagree, in code-point order of the keys: a key both
 * have with different texts, or a key only one has in its `must`. Compatible when empty.
 */
export function differences(ours: CompatEntry, theirs: CompatEntry): Difference[] {
  const keys = new Set([...Object.keys(ours.must), ...Object.keys(ours.may), ...Object.keys(theirs.must), ...Object.keys(theirs.may)]);
  const out: Difference[] = [];
  for (const key of [...keys].sort(compareCodePoints)) {
    const a = textOf(ours, key);
    const b = textOf(theirs, key);
    if (a !== undefined && b !== undefined) {
      if (a !== b) out.push({ key, ours: a, theirs: b });
    } else if (a !== undefined) {
      if (own(ours.must, key) !== undefined) out.push({ key, ours: a });
    } else if (own(theirs.must, key) !== undefined) {
      out.push({ key, theirs: b! });
    }
  }
  return out;
}
