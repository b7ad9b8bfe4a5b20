// A growable byte buffer with a DataView over it; both codec writers extend it.
//
// It works like a slab allocator: each encoded value is handed out as a view of the writer's
// buffer, and the next value is written right after it. Steady-state encoding therefore allocates
// nothing per value (no copy, no fresh ArrayBuffer, which V8 must zero and track), as Node's
// Buffer pool and msgpackr do. A buffer grown for a large value is grown with room for one more
// (fresh memory costs page faults on first write, reused memory does not), and dropped once it
// is full or when it is larger than KEEP_MAX.

/** Size of a fresh slab. */
const SLAB = 32 * 1024;
/** When less than this is left after a value, the next value starts a fresh slab. */
const MIN_FREE = 1024;
/** A buffer larger than this is not reused after the value that needed it. */
const KEEP_MAX = 16 * 1024 * 1024;

/**
 * New buffers. Under Node, Buffer.allocUnsafeSlow skips zero-filling, which is most of the cost of
 * a large buffer; that is safe here because only bytes the writer has written are ever handed out.
 */
const allocUnsafe = (globalThis as { Buffer?: { allocUnsafeSlow?: (n: number) => Uint8Array } }).Buffer?.allocUnsafeSlow;
function allocate(n: number): Uint8Array {
  if (allocUnsafe === undefined) return new Uint8Array(n);
  const b = allocUnsafe(n);
  return new Uint8Array(b.buffer, b.byteOffset, n); // a plain Uint8Array, not a Buffer
}

export class ByteWriter {
  buf: Uint8Array;
  view: DataView;
  /** Where the value being written starts; bytes before it belong to values already handed out. */
  start = 0;
  pos = 0;

  constructor(capacity = SLAB) {
    this.buf = allocate(capacity);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  }

  /** Makes room for `n` more bytes, moving the value being written to a bigger buffer if needed. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    const used = this.pos - this.start;
    // Room for another value of this size (one large allocation instead of two), less above 4 MiB
    // so a retained view does not pin much more than itself.
    const size = used + n;
    const cap = Math.max(SLAB, size <= 4 * 1024 * 1024 ? size * 2 : size + (size >> 2));
    const next = allocate(cap);
    next.set(this.buf.subarray(this.start, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.length);
    this.start = 0;
    this.pos = used;
  }

  byte(b: number): void {
    if (this.pos >= this.buf.length) this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Appends precomputed bytes (keys, constants). */
  raw(bytes: Uint8Array): void {
    const n = bytes.length;
    this.ensure(n);
    if (n > 16) {
      this.buf.set(bytes, this.pos);
      this.pos += n;
      return;
    }
    // Keys and other short constants: a loop beats the native call's fixed cost.
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = bytes[i]!;
    this.pos = p;
  }

  /** The value written since the last finish(), as a view that the writer will never touch again. */
  finish(): Uint8Array {
    const out = this.buf.subarray(this.start, this.pos);
    this.start = this.pos;
    if (this.buf.length - this.pos < MIN_FREE || this.buf.length > KEEP_MAX) {
      this.buf = allocate(SLAB);
      this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
      this.start = this.pos = 0;
    }
    return out;
  }

  /** Drops a partly written value (after an error). */
  reset(): void {
    this.pos = this.start;
  }
}
