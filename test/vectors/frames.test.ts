// runtime-ts against the frame vectors (frames.json): each valid frame decodes to its header
// fields and payload, whole and one byte at a time, and encodes back to the same bytes; each
// invalid one gives its error code, closes (fatal) or not as listed, and answers the listed id.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCodeName } from '../../runtime-ts/src/errors.js';
import { type Decoded, FrameDecoder, FrameError } from '../../runtime-ts/src/wire/decoder.js';
import { encodeFrame, type Frame } from '../../runtime-ts/src/wire/frame.js';
import { DEFAULT_LIMITS } from '../../runtime-ts/src/wire/limits.js';

interface ValidFrame {
  name: string;
  hex: string;
  kind_value: number;
  codec_value: number;
  flags: number;
  correlation: number;
  timeout_ms: number;
  target: string;
  payload_hex: string;
}
interface InvalidFrame {
  name: string;
  hex: string;
  code: string;
  close: boolean;
  eof?: boolean;
  answer_correlation?: number;
}

const doc = JSON.parse(readFileSync(new URL('./frames.json', import.meta.url), 'utf8')) as { valid: ValidFrame[]; invalid: InvalidFrame[] };
const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const decoder = () => new FrameDecoder({ maxFrameBytes: DEFAULT_LIMITS.maxFrameBytes, maxTargetBytes: DEFAULT_LIMITS.maxTargetBytes });

function fields(f: Frame) {
  return { kind: f.kind, codec: f.codec, flags: f.flags, correlation: f.correlation, timeoutMs: f.timeoutMs, target: f.target, payload: hex(f.payload) };
}

describe('frame vectors (runtime-ts)', () => {
  for (const v of doc.valid) {
    it(`valid: ${v.name}`, () => {
      const want = { kind: v.kind_value, codec: v.codec_value, flags: v.flags, correlation: v.correlation, timeoutMs: v.timeout_ms, target: v.target, payload: v.payload_hex };
      const whole = decoder().push(bytes(v.hex));
      expect(whole).toHaveLength(1);
      expect(whole[0]).not.toBeInstanceOf(FrameError);
      expect(fields(whole[0] as Frame)).toEqual(want);

      // A stream may split a frame anywhere: one byte at a time gives the same frame.
      const d = decoder();
      const pieces: Decoded[] = [];
      for (const b of bytes(v.hex)) pieces.push(...d.push(Uint8Array.of(b)));
      expect(pieces.map((p) => fields(p as Frame))).toEqual([want]);

      expect(hex(encodeFrame(whole[0] as Frame))).toBe(v.hex);
    });
  }

  for (const v of doc.invalid) {
    it(`invalid: ${v.name}`, () => {
      const d = decoder();
      const out: Decoded[] = d.push(bytes(v.hex));
      if (v.eof) {
        const end = d.end();
        if (end) out.push(end);
      }
      const errors = out.filter((o): o is FrameError => o instanceof FrameError);
      expect(errors).toHaveLength(1);
      expect(errorCodeName(errors[0]!.code)).toBe(v.code);
      expect(errors[0]!.fatal).toBe(v.close);
      if (v.answer_correlation !== undefined) expect(errors[0]!.correlation).toBe(v.answer_correlation);
    });
  }
});
