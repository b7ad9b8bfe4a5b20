// Canonical JSON (docs/wire.md §3.1) of the runtime's own plain documents (handshake payloads,
// control responses), written with the codec's JsonWriter. Their strings are text, not values of a
// schema: a lone surrogate in one is written as U+FFFD rather than refused.

import { encodeJsonWith } from '../codec/define.js';
import type { JsonWriter } from '../codec/json-writer.js';
import { compareUtf8, utf8Bytes, wellFormed } from '../codec/utf8.js';

const text = new TextDecoder();

/** A JSON string literal in the canonical form (a lone surrogate becomes U+FFFD). */
export function jsonString(s: string): string {
  return text.decode(encodeJsonWith((w, v: string) => w.string(wellFormed(v)), s));
}

/** Canonical JSON of a plain document: object keys sorted by UTF-8 bytes, no whitespace. */
export function canonicalJson(value: unknown): string {
  return text.decode(encodeJsonWith(writeValue, value));
}

function writeValue(w: JsonWriter, value: unknown): void {
  if (value === null) return w.null();
  if (typeof value === 'boolean') return w.bool(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
    // As String() prints it (so -0 is 0): the integer() fast path for safe integers.
    if (Number.isSafeInteger(value)) return w.integer(value);
    return w.rawValue(utf8Bytes(String(value)));
  }
  if (typeof value === 'string') return w.string(wellFormed(value));
  if (Array.isArray(value)) {
    w.beginArray();
    for (const v of value) writeValue(w, v);
    return w.endArray();
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => compareUtf8(a, b));
    w.beginObject();
    for (const [k, v] of entries) {
      w.keyString(wellFormed(k));
      writeValue(w, v);
    }
    return w.endObject();
  }
  throw new TypeError(`canonicalJson: cannot encode ${typeof value}`);
}
