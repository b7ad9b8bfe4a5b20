// The bytes of one EVENT frame for a shape, as docs/wire.md §1 lays it out, around the shape's
// msgpack payload: what the raw stream floor sends.
import { loadPeer } from '../harness/peers.js';
import type { ShapeName, ShapeValue } from '../shapes/data.js';

interface MsgpackrModule {
  Packr: new (options: Record<string, unknown>) => { pack(v: unknown): Uint8Array };
}

export async function eventFrame(shape: ShapeName, value: ShapeValue): Promise<Buffer> {
  const { Packr } = await loadPeer<MsgpackrModule>('msgpackr');
  const payload = new Packr({ useRecords: false }).pack(value);
  const target = Buffer.from(`bench.shapes.${shape}Event`);
  const head = Buffer.alloc(18);
  head.writeUInt32LE(14 + target.length + payload.length, 0);
  head.writeUInt8(7, 4); // EVENT
  head.writeUInt8(2, 5); // msgpack
  head.writeUInt16LE(target.length, 16);
  return Buffer.concat([head, target, payload]);
}
