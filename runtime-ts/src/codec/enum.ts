// Codec of an enum type: an i32 on msgpack, the member name in JSON. Unknown values from a newer
// peer are kept (written back as numbers); an unknown name is INVALID_ARGUMENT (docs/wire.md §3.1).

import { checkI32 } from './checks.js';
import { defineCodec, type TypeCodec } from './define.js';
import { invalid } from './errors.js';
import type { JsonReader } from './json-reader.js';
import type { JsonWriter } from './json-writer.js';
import { utf8Bytes } from './utf8.js';

export interface EnumCodec extends TypeCodec<number> {
  /** Writes a map key: the member name, or the decimal value when unknown. */
  encodeJsonKey(w: JsonWriter, v: number): void;
  /** Parses a JSON map key: a member name or a decimal value. */
  decodeJsonKey(key: string): number;
  /** The value of the first declared member: what a missing field takes. */
  readonly zero: number;
}

const I32_MIN = -0x80000000;
const I32_MAX = 0x7fffffff;

export function enumCodec(typeName: string, members: ReadonlyArray<readonly [string, number]>): EnumCodec {
  // Maps, not objects: a name such as "__proto__" must be an ordinary key.
  const byName = new Map<string, number>();
  const valueText = new Map<number, Uint8Array>();
  const keyText = new Map<number, Uint8Array>();
  for (const [name, value] of members) {
    byName.set(name, value);
    valueText.set(value, utf8Bytes(JSON.stringify(name)));
    keyText.set(value, utf8Bytes(JSON.stringify(name) + ':'));
  }
  const encodeJson = (w: JsonWriter, v: number): void => {
    const text = valueText.get(v);
    if (text !== undefined) w.rawValue(text);
    else w.i32(v);
  };
  const decodeJson = (r: JsonReader): number => {
    if (r.peek() !== 0x22) return r.int(I32_MIN, I32_MAX, typeName);
    const name = r.string();
    const v = byName.get(name);
    if (v === undefined) throw invalid(`unknown ${typeName} member ${JSON.stringify(name)}`);
    return v;
  };
  const base = defineCodec<number>(typeName, {
    // Any i32: a value this code does not know is a valid value from a newer peer.
    check: checkI32,
    encodeMsgpack: (w, v) => w.i32(v),
    decodeMsgpack: (r) => r.int(I32_MIN, I32_MAX, typeName),
    encodeJson,
    decodeJson,
    // As a payload, an enum travels in the message `{ optional E value = 1; }` (ADR 0028).
    encodeProtobuf: (w, v) => {
      w.key(8);
      w.enumValue(v);
    },
    decodeProtobuf: (r) => {
      let v: number | undefined;
      for (let n = r.field(); n !== 0; n = r.field()) {
        if (n !== 1) r.skip();
        else if (v !== undefined) throw invalid('duplicate field');
        else {
          r.expect(0);
          v = r.enumValue();
        }
      }
      return v ?? members[0]?.[1] ?? 0;
    },
    // As a payload, an enum is slot 0 of its wrapper table `{ value: E; }` (docs/wire.md §3.6).
    encodeFlatbuffers: (w, v) => {
      w.has(0, 4);
      const t = w.table();
      w.enumValue(v);
      return t;
    },
    decodeFlatbuffers: (r, t) => {
      r.enter(t);
      const p = r.field(t, 0, 4);
      const v = p < 0 ? (members[0]?.[1] ?? 0) : r.enumValue(p);
      r.leave();
      return v;
    },
  });
  return {
    ...base,
    zero: members[0]?.[1] ?? 0,
    encodeJsonKey(w: JsonWriter, v: number): void {
      const text = keyText.get(v);
      if (text !== undefined) w.key(text);
      else w.keyInt(v, I32_MIN, I32_MAX, 'i32');
    },
    decodeJsonKey(key: string): number {
      const v = byName.get(key);
      if (v !== undefined) return v;
      if (/^-?(0|[1-9][0-9]*)$/.test(key)) {
        const n = Number(key);
        if (n >= I32_MIN && n <= I32_MAX) return n;
      }
      throw invalid(`unknown ${typeName} member ${JSON.stringify(key)}`);
    },
  };
}
