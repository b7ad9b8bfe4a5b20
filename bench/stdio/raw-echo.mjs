// The raw pipe floor's plugin, plain JS like ours: echoes every whole length-prefixed frame from
// stdin to stdout (u32 little-endian length, docs/wire.md §1), no decoding. Chunks are joined once
// per frame, when the frame is complete (never on every chunk: that is quadratic for 1 MiB).
let pending = [];
let have = 0;
let need = 0;
process.stdin.on('data', (chunk) => {
  pending.push(chunk);
  have += chunk.length;
  for (;;) {
    if (need === 0) {
      if (have < 4) return;
      if (pending[0].length < 4) pending = [Buffer.concat(pending, have)];
      need = pending[0].readUInt32LE(0) + 4;
    }
    if (have < need) return;
    const buf = pending.length === 1 ? pending[0] : Buffer.concat(pending, have);
    process.stdout.write(buf.subarray(0, need));
    const rest = buf.subarray(need);
    pending = rest.length ? [rest] : [];
    have = rest.length;
    need = 0;
  }
});
