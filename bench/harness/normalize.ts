// Turns a decoded value into a comparable JSON string whatever library produced it: bytes become
// their length and checksum, maps and objects have sorted keys, absent (undefined) keys vanish,
// inherited fields count.
export function normalize(v: unknown): string {
  return JSON.stringify(walk(v));
}

function walk(v: unknown): unknown {
  if (ArrayBuffer.isView(v)) {
    const b = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    let sum = 0;
    for (let i = 0; i < b.length; i += 97) sum = (sum * 31 + b[i]!) >>> 0;
    return `bytes:${b.length}:${sum}`;
  }
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(walk);
  if (v instanceof Map) return walk(Object.fromEntries(v));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    // for-in, not Object.keys: protobufjs keeps proto3 defaults (0, "") on the prototype.
    const keys: string[] = [];
    for (const k in v) keys.push(k);
    for (const k of keys.sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined && typeof x !== 'function') out[k] = walk(x);
    }
    return out;
  }
  return v;
}
