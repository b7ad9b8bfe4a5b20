// The goals of bench/README.md as ratios over the run's metrics.
import { fmtRatio } from './harness/results.js';

export interface GoalResult {
  goal: string;
  status: 'met' | 'NOT MET' | 'n/a';
  detail: string;
}

type Metrics = Record<string, number>;

function check(goal: string, parts: { label: string; ratio: number; ok: (r: number) => boolean }[]): GoalResult {
  const known = parts.filter((p) => Number.isFinite(p.ratio));
  if (known.length === 0) return { goal, status: 'n/a', detail: 'no figures for our side in this run' };
  const ok = known.every((p) => p.ok(p.ratio));
  const detail = known.map((p) => `${p.label} ${fmtRatio(p.ratio)}`).join('; ');
  return { goal, status: ok ? 'met' : 'NOT MET', detail };
}

export function evaluateGoals(m: Metrics): GoalResult[] {
  const get = (k: string) => m[k] ?? NaN;
  const goals: GoalResult[] = [];
  const shapes = ['small', 'nested', 'blob'];

  goals.push(
    check(
      'Generated msgpack codec (TS): encode+decode time ≤ 1.0× the faster of msgpackr and protobufjs',
      shapes.map((s) => ({
        label: s,
        ratio:
          get(`codec.ts.${s}.interop msgpack`) /
          Math.min(get(`codec.ts.${s}.msgpackr`), get(`codec.ts.${s}.msgpackr (shared structures)`), get(`codec.ts.${s}.protobufjs (static)`)),
        ok: (r) => r <= 1.0,
      })),
    ),
  );
  for (const net of ['unix', 'tcp']) {
    goals.push(
      check(
        `TS↔TS request/response over ${net}: p50 ≤ 1.5× the raw socket floor`,
        shapes.map((s) => ({
          label: s,
          ratio: get(`rtt.ts-ts.${net}.${s}.interop.p50`) / get(`rtt.ts-ts.${net}.${s}.raw socket (floor).p50`),
          ok: (r) => r <= 1.5,
        })),
      ),
    );
    goals.push(
      check(
        `TS↔TS request/response over ${net}: grpc-js p50 ≥ 2× ours (ratio shown: grpc-js / ours)`,
        shapes.map((s) => ({
          label: s,
          ratio: get(`rtt.ts-ts.${net}.${s}.grpc-js.p50`) / get(`rtt.ts-ts.${net}.${s}.interop.p50`),
          ok: (r) => r >= 2,
        })),
      ),
    );
  }
  // Issue 15: shared memory at least 2× faster (p50) than the same TS pair over unix.
  goals.push(
    check('TS↔TS request/response over shm: p50 ≤ 0.5× the same pair over unix', ['small', 'nested'].map((s) => ({
      label: s,
      ratio: get(`rtt.ts-ts.shm.${s}.interop over shm.p50`) / get(`rtt.ts-ts.shm.${s}.interop over unix.p50`),
      ok: (r) => r <= 0.5,
    }))),
  );
  const streamRate = (kind: string, who: string) => get(`streams.ts-ts.unix.${kind}.${who}.rate`);
  goals.push(
    check('TS→TS server streaming over unix: ≥ 0.5× the items/s of the raw socket stream floor', ['small', 'chunk64k'].map((k) => ({
      label: k,
      ratio: streamRate(k, 'interop') / streamRate(k, 'raw socket stream (floor)'),
      ok: (r) => r >= 0.5,
    }))),
  );
  goals.push(
    check('TS→TS server streaming over unix: ≥ 2× the items/s of grpc-js server streaming', ['small', 'chunk64k'].map((k) => ({
      label: k,
      ratio: streamRate(k, 'interop') / streamRate(k, 'grpc-js server streaming'),
      ok: (r) => r >= 2,
    }))),
  );
  goals.push(
    check('Direct in-process call through a generated stub ≤ 2× a plain async call', [
      { label: 'small', ratio: get('direct.small.stub') / get('direct.small.plain'), ok: (r) => r <= 2 },
    ]),
  );
  goals.push(
    check('C↔C request/response over unix: p50 ≤ 1.2× the raw C socket floor', shapes.map((s) => ({
      label: s,
      ratio: get(`rtt.c-c.unix.${s}.interop.p50`) / get(`rtt.c-c.unix.${s}.raw C socket (floor).p50`),
      ok: (r) => r <= 1.2,
    }))),
  );
  goals.push(
    check('Direct in-process call through a generated C stub ≤ 2× a plain indirect C call', ['small', 'nested'].map((s) => ({
      label: s,
      ratio: get(`direct.c.${s}.stub`) / get(`direct.c.${s}.plain`),
      ok: (r) => r <= 2,
    }))),
  );
  goals.push(
    check('Generated msgpack codec (C): encode+decode time ≤ 1.0× msgpack-c', shapes.map((s) => ({
      label: s,
      ratio: get(`codec.c.${s}.msgpack`) / get(`codec.c.${s}.msgpack-c`),
      ok: (r) => r <= 1.0,
    }))),
  );
  // Issue 12: the C++ layer adds at most 10% over the C API it wraps.
  goals.push(
    check('C++ codecs (msgpack): encode+decode time ≤ 1.1× runtime-c\'s C codec on the same values', shapes.map((s) => ({
      label: s,
      ratio: get(`codec.cpp.${s}.cpp.msgpack`) / get(`codec.cpp.${s}.c.msgpack`),
      ok: (r) => r <= 1.1,
    }))),
  );
  goals.push(
    check('C++↔C++ request/response over unix: p50 ≤ 1.1× C↔C', shapes.map((s) => ({
      label: s,
      ratio: get(`rtt.cpp.unix.${s}.C++ client → C++ server.p50`) / get(`rtt.cpp.unix.${s}.C client → C server.p50`),
      ok: (r) => r <= 1.1,
    }))),
  );
  return goals;
}
