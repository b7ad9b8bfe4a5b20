// The raw pipe floor's plugin, plain JS like ours: echoes every whole length-prefixed frame from
// stdin to stdout (u32 little-endian length, docs/wire.md §1), no decoding.
let pending = [];
let have = 0;
process.stdin.on('data', (chunk) => {
  pending.push(chunk);
  have += chunk.length;
  for (;;) {
    if (have < 4) return;
    let buf = pending.length === 1 ? pending[0] : Buffer.concat(pending, have);
    pending = [buf];
    const total = buf.readUInt32LE(0) + 4;
    if (have < total) return;
    process.stdout.write(buf.subarray(0, total));
    buf = buf.subarray(total);
    pending = buf.length ? [buf] : [];
    have = buf.length;
  }
});
