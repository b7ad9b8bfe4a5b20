// Float formatting for canonical JSON (docs/wire.md §3.1): ECMAScript Number#toString digits; for
// f32 the shortest digits that round-trip through f32, printed the way ECMAScript prints them.

/**
 * The canonical JSON text of an f64 that is finite. `-0` keeps its sign, which String() drops.
 */
export function formatF64(v: number): string {
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  return String(v);
}

/**
 * The canonical JSON text of a finite f32 value (already exact in f32): the shortest decimal
 * that reads back as the same f32, formatted as ECMAScript formats that decimal.
 *
 * For each digit count p, the nearest p-digit decimal is tried first (when it round-trips it is
 * also the closest candidate, so it wins). Only when it does not is its neighbour on the other
 * side of the value tried: near a power of two the interval that rounds to the value is lopsided,
 * so the nearest p-digit decimal can fall outside it while the other neighbour is inside.
 */
export function formatF32(v: number): string {
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  // Integers below 2^24 are exact in f32 and already print in their shortest form.
  if (Number.isInteger(v) && Math.abs(v) < 0x1000000) return String(v);
  for (let p = 1; p <= 9; p++) {
    const nearest = Number(v.toPrecision(p));
    if (Math.fround(nearest) === v) return String(nearest);
    const text = v.toExponential(p - 1);
    const e = text.indexOf('e');
    const digits = Number(text.slice(0, e).replace('.', '').replace('-', ''));
    const exp = Number(text.slice(e + 1)) - (p - 1);
    // One unit in the p-th digit away from `nearest`, on the other side of v.
    const magnitude = Math.abs(nearest) < Math.abs(v) ? digits + 1 : digits - 1;
    if (magnitude <= 0) continue;
    const other = Number(`${v < 0 ? '-' : ''}${magnitude}e${exp}`);
    if (Math.fround(other) === v) return String(other);
  }
  // Nine significant digits always round-trip an f32; this line is never reached.
  return String(v);
}
