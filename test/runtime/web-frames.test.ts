// Cutting a write batch into one WebSocket message per frame (frame-messages.ts): whatever the
// batch's buffers, each message holds exactly one frame's bytes.

import { describe, expect, it } from 'vitest';
import { joinParts, splitFrames } from '../../runtime-ts/src/transport/web/frame-messages.js';
import { encodeFrame, FrameKind } from '../../runtime-ts/src/wire/frame.js';

const frame = (n: number) => encodeFrame({ kind: FrameKind.PING, codec: 0, flags: 0, correlation: n, timeoutMs: 0, target: '', payload: new Uint8Array(n).fill(n) });

describe('splitFrames', () => {
  it('cuts any buffering of a batch at frame boundaries', () => {
    const frames = [frame(0), frame(3), frame(200), frame(1)];
    const whole = joinParts(frames);
    for (const cuts of [[], [1], [2, 3], [18], [17, 18, 19, 20, 21, 22], [40, 41, 250], Array.from({ length: whole.length - 1 }, (_, i) => i + 1)]) {
      const chunks: Uint8Array[] = [];
      let at = 0;
      for (const c of [...cuts, whole.length]) {
        chunks.push(whole.subarray(at, c));
        at = c;
      }
      expect(splitFrames(chunks).map((parts) => Buffer.from(joinParts(parts)))).toEqual(frames.map((f) => Buffer.from(f)));
    }
  });

  it('refuses a batch that ends inside a frame', () => {
    expect(() => splitFrames([frame(5).subarray(0, 10)])).toThrow(/inside a frame/);
    expect(() => splitFrames([frame(5).subarray(0, 2)])).toThrow(/inside a frame/);
  });
});
