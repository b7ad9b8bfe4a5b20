// Suite 1 (TypeScript): encode and decode of the three shapes, our generated codecs against the
// peers, alternating in one process.
import type { BenchOptions } from '../harness/options.js';
import { batchSize } from '../harness/options.js';
import { median, rotated } from '../harness/stats.js';
import { normalize } from '../harness/normalize.js';
import { fmtBytes, fmtNs, fmtRatio, type Results } from '../harness/results.js';
import { SHAPES, makeShape, type ShapeName } from '../shapes/data.js';
import { peerCodecs, type CodecContender } from './peers-ts.js';
import { ourCodecs } from './ours-ts.js';

let sink: unknown;

function timeNs(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0);
}

export async function runCodecsTs(opts: BenchOptions, results: Results): Promise<void> {
  for (const shape of SHAPES) await runShape(opts, results, shape);
}

async function runShape(opts: BenchOptions, results: Results, shape: ShapeName): Promise<void> {
  const value = makeShape(shape);
  const ours = await ourCodecs(shape);
  if (ours.missing) results.note(`codecs/ts: ${ours.missing}`);
  const ourFlatbuffers = ours.contenders.find((c) => c.name === 'interop flatbuffers');
  const all: CodecContender[] = [...ours.contenders, ...(await peerCodecs(shape, ourFlatbuffers))];
  const expected = normalize(value);
  const contenders = all.filter((c) => {
    const back = c.decode(c.encode(c.value ?? value));
    const ok = c.readsIdOnly ? back === value.id : normalize(back) === expected;
    if (!ok) results.note(`codecs/ts ${shape}: ${c.name} does not round-trip the value; left out`);
    return ok;
  });
  const n = batchSize(opts, shape, 'codec');
  const enc = new Map<string, number[]>();
  const dec = new Map<string, number[]>();
  for (let rep = 0; rep < opts.warmup + opts.reps; rep++) {
    for (const c of rotated(contenders, rep)) {
      const v = c.value ?? value;
      let bytes = c.encode(v);
      const e = timeNs(() => {
        for (let i = 0; i < n; i++) bytes = c.encode(v);
      });
      const d = timeNs(() => {
        for (let i = 0; i < n; i++) sink = c.decode(bytes);
      });
      if (rep < opts.warmup) continue;
      (enc.get(c.name) ?? enc.set(c.name, []).get(c.name)!).push(e / n);
      (dec.get(c.name) ?? dec.set(c.name, []).get(c.name)!).push(d / n);
    }
  }
  const t = results.table('1. Codecs', `TypeScript codecs, ${shape} (${n} ops per batch)`, [
    'codec', 'size', 'encode', 'decode', 'encode+decode', 'vs fastest peer',
  ]);
  const total = (name: string) => median(enc.get(name)!) + median(dec.get(name)!);
  // A one-field read is not a full encode+decode: it is set beside msgpackr's decode, not counted as a peer.
  const peerNames = contenders.filter((c) => !c.name.startsWith('interop') && !c.readsIdOnly).map((c) => c.name);
  const bestPeer = Math.min(...peerNames.map(total));
  for (const c of contenders) {
    const sum = total(c.name);
    t.rows.push([
      c.name,
      fmtBytes(c.encode(c.value ?? value).length),
      fmtNs(median(enc.get(c.name)!)),
      fmtNs(median(dec.get(c.name)!)),
      fmtNs(sum),
      fmtRatio(sum / bestPeer),
    ]);
    results.metric(`codec.ts.${shape}.${c.name}`, sum);
  }
  void sink;
}
