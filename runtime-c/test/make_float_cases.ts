// Writes runtime-c/test/data/floats.json: f64 and f32 values (as bit patterns) with the JSON text
// runtime-ts writes for them (docs/wire.md §3.1), so test_numbers checks runtime-c's shortest-digit
// formatting against runtime-ts's. Deterministic (seeded); run after changing either formatter:
//   npx tsx runtime-c/test/make_float_cases.ts
import { writeFileSync } from 'node:fs';
import { formatF32, formatF64 } from '../../runtime-ts/src/codec/floats.js';

let seed = 0x2545f491;
const next32 = (): number => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return seed >>> 0;
};
const view = new DataView(new ArrayBuffer(8));
const f64: Array<[string, string]> = [];
const f32: Array<[string, string]> = [];
const addF64 = (v: number): void => {
  if (!Number.isFinite(v)) return;
  view.setFloat64(0, v);
  f64.push([view.getBigUint64(0).toString(16).padStart(16, '0'), formatF64(v)]);
};
const addF32 = (v: number): void => {
  if (!Number.isFinite(v)) return;
  view.setFloat32(0, v);
  f32.push([view.getUint32(0).toString(16).padStart(8, '0'), formatF32(Math.fround(v))]);
};
for (let i = 0; i < 1200; i++) {
  view.setUint32(0, next32());
  view.setUint32(4, next32());
  addF64(view.getFloat64(0));
  view.setUint32(0, next32());
  addF32(view.getFloat32(0));
}
// Powers of two (lopsided rounding intervals), the ECMAScript notation switches, decimal-looking values.
for (let e = -1074; e <= 1023; e += 7) addF64(2 ** e);
for (let e = -149; e <= 127; e++) addF32(2 ** e);
for (const v of [1e21, 1e20, 1e-6, 1e-7, 123456789012345680000, 0.1, 0.3, 1 / 3, 5e-324, 1.7976931348623157e308, 9007199254740993]) addF64(v);
for (const v of [0.1, 3.4028234663852886e38, 1.401298464324817e-45, 16777217, 1e-7, 1e21, 0.3]) addF32(v);
for (let i = 0; i < 500; i++) {
  const d = (next32() % 100000) / 10 ** (next32() % 12);
  addF64(d);
  addF32(d);
}
writeFileSync(new URL('./data/floats.json', import.meta.url), `${JSON.stringify({ f64, f32 }, null, 0).replace(/\],\[/g, '],\n[')}\n`);
console.log(`floats.json: ${f64.length} f64, ${f32.length} f32`);
