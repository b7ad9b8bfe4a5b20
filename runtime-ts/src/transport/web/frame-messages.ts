// Frames in WebSocket messages (docs/transports.md, "WebSocket"): a sender puts exactly one frame
// in each binary message. The connection hands a channel its frames as a batch of buffers (a
// frame is one buffer, or its head and a large payload), so the batch is cut at frame boundaries,
// read from each frame's length field. No browser built-in or Node module is needed here.

/** The batch's frames, each as the buffers (or parts of them) it spans, in order. */
export function splitFrames(chunks: readonly Uint8Array[]): Uint8Array[][] {
  const frames: Uint8Array[][] = [];
  let current: Uint8Array[] = [];
  let remaining = 0; // bytes of the current frame still to come, its length field included
  let cut: number[] = []; // a length field cut across buffers
  for (const chunk of chunks) {
    let at = 0;
    while (at < chunk.length) {
      if (remaining === 0) {
        if (cut.length === 0 && chunk.length - at >= 4) {
          remaining = 4 + u32(chunk, at); // the usual case: the length field is in this buffer
        } else {
          while (cut.length < 4 && at < chunk.length) cut.push(chunk[at++]!);
          if (cut.length < 4) break;
          const field = Uint8Array.from(cut);
          cut = [];
          current.push(field);
          remaining = u32(field, 0);
          if (remaining === 0) {
            frames.push(current);
            current = [];
          }
          continue;
        }
      }
      const take = Math.min(remaining, chunk.length - at);
      current.push(chunk.subarray(at, at + take));
      at += take;
      remaining -= take;
      if (remaining === 0) {
        frames.push(current);
        current = [];
      }
    }
  }
  if (current.length > 0 || cut.length > 0) throw new Error('a write ended inside a frame');
  return frames;
}

function u32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16)) + b[at + 3]! * 0x1000000;
}

/** One buffer for a frame's parts (copies only when there are several). */
export function joinParts(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
