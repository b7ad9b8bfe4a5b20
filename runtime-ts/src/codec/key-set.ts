// The keys of one map or object being skipped (an unknown field's value): a key given twice is
// INVALID_ARGUMENT there too (docs/wire.md §3.1, §3.2). Only the skip path uses this; decoding a
// known type checks its keys itself.

/** Keys searched in a list up to this many, then kept in a Set, so a payload cannot cost n². */
const SCAN = 16;

export class KeySet<K extends number | string> {
  private list: K[] = [];
  private set: Set<K> | undefined;

  /**
   * Adds `key`; false if it was already there. Keys compare as SameValueZero (-0 is 0); the
   * caller never adds NaN, which is no key's equal.
   */
  add(key: K): boolean {
    const set = this.set;
    if (set !== undefined) {
      if (set.has(key)) return false;
      set.add(key);
      return true;
    }
    const list = this.list;
    if (list.includes(key)) return false;
    list.push(key);
    if (list.length > SCAN) {
      this.set = new Set(list);
      this.list = [];
    }
    return true;
  }
}
