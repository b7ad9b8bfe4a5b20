// The TypeScript codec peers: msgpackr (plain and with shared structures), protobufjs static code
// generated from bench/schema/shapes.proto, flatc --ts code over the npm flatbuffers package (a full
// read, and reading only id of our own FlatBuffer: the zero-copy case beside msgpackr's full
// decode), and JSON.stringify/JSON.parse.
import { loadOut, loadPeer } from '../harness/peers.js';
import { flatcTs } from './flatc-ts.js';
import type { ShapeName, ShapeValue } from '../shapes/data.js';

export interface CodecContender {
  name: string;
  /** The value it encodes, when not the plain shape (ours takes Map objects for maps). */
  value?: ShapeValue;
  encode(value: ShapeValue): Uint8Array;
  decode(bytes: Uint8Array): unknown;
  /** Set when decode reads only the value's `id`: the round-trip check compares that field. */
  readsIdOnly?: boolean;
}

interface PackrLike {
  pack(v: unknown): Uint8Array;
  unpack(b: Uint8Array): unknown;
}
interface MsgpackrModule {
  Packr: new (options: Record<string, unknown>) => PackrLike;
}
interface PbType {
  encode(v: unknown): { finish(): Uint8Array };
  decode(b: Uint8Array): unknown;
}
interface PbModule {
  bench: { shapes: Record<'Small' | 'Nested' | 'Blob', PbType> };
}

const PB_TYPE: Record<ShapeName, 'Small' | 'Nested' | 'Blob'> = { small: 'Small', nested: 'Nested', blob: 'Blob' };

/** `ourFlatbuffers`: our flatbuffers contender, whose bytes flatc's reader reads one field of. */
export async function peerCodecs(shape: ShapeName, ourFlatbuffers?: CodecContender): Promise<CodecContender[]> {
  const { Packr } = await loadPeer<MsgpackrModule>('msgpackr');
  const plain = new Packr({ useRecords: false });
  const shared = new Packr({ structures: [] });
  const pb = (await loadOut<PbModule>('bench/out/pb/shapes.js')).bench.shapes[PB_TYPE[shape]];
  const json = shape === 'blob' ? blobJson() : plainJson();
  const peers: CodecContender[] = [
    { name: 'msgpackr', encode: (v) => plain.pack(v), decode: (b) => plain.unpack(b) },
    { name: 'msgpackr (shared structures)', encode: (v) => shared.pack(v), decode: (b) => shared.unpack(b) },
    { name: 'protobufjs (static)', encode: (v) => pb.encode(v).finish(), decode: (b) => pb.decode(b) },
    json,
  ];
  const flatc = await flatcTs(shape);
  if (flatc) {
    peers.push({ name: 'flatbuffers (npm, flatc --ts)', encode: flatc.encode, decode: flatc.decode });
    // flatc's reader on the bytes our codec writes: encode is ours, decode reads one field.
    if (ourFlatbuffers) {
      const { value, encode } = ourFlatbuffers;
      peers.push({ name: 'flatbuffers (flatc): read id of ours', value, encode, decode: flatc.readId, readsIdOnly: true });
    }
  }
  return peers;
}

/** JSON.stringify/parse to and from UTF-8 bytes, as a wire needs. */
function plainJson(): CodecContender {
  return {
    name: 'JSON.stringify/parse',
    encode: (v) => Buffer.from(JSON.stringify(v)),
    decode: (b) => JSON.parse(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString()),
  };
}

/** For the bytes field, what a JSON user writes: base64 in, base64 out. */
function blobJson(): CodecContender {
  return {
    name: 'JSON.stringify/parse',
    encode: (v) => {
      const blob = v as { id: number; data: Uint8Array };
      const data = Buffer.from(blob.data.buffer, blob.data.byteOffset, blob.data.byteLength).toString('base64');
      return Buffer.from(JSON.stringify({ id: blob.id, data }));
    },
    decode: (b) => {
      const o = JSON.parse(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString()) as { id: number; data: string };
      return { id: o.id, data: Buffer.from(o.data, 'base64') };
    },
  };
}
