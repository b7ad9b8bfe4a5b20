// The bytes a raw ping-pong sends for a shape: a frame laid out as docs/wire.md §1 (REQUEST to
// bench.shapes.echo<Shape>) around the shape's msgpack payload, so the floor moves as many bytes
// as our own request does.
import { loadPeer } from '../harness/peers.js';
import type { ShapeName, ShapeValue } from '../shapes/data.js';

const TARGETS: Record<ShapeName, string> = {
  small: 'bench.shapes.echoSmall',
  nested: 'bench.shapes.echoNested',
  blob: 'bench.shapes.echoBlob',
};

interface MsgpackrModule {
  Packr: new (options: Record<string, unknown>) => { pack(v: unknown): Uint8Array };
}

export async function requestFrame(shape: ShapeName, value: ShapeValue): Promise<Buffer> {
  const { Packr } = await loadPeer<MsgpackrModule>('msgpackr');
  const payload = new Packr({ useRecords: false, variableMapSize: true }).pack(new Map([[1, value]]));
  const target = Buffer.from(TARGETS[shape]);
  const head = Buffer.alloc(18);
  head.writeUInt32LE(14 + target.length + payload.length, 0);
  head.writeUInt8(3, 4); // REQUEST
  head.writeUInt8(2, 5); // msgpack
  head.writeUInt32LE(1, 8); // correlation
  head.writeUInt16LE(target.length, 16);
  return Buffer.concat([head, target, payload]);
}
