// Our generated TypeScript codecs for the shapes (interopc gen --lang ts → bench/out/gen/ts).
import type { ShapeName, ShapeValue } from '../shapes/data.js';
import { typedValue } from '../shapes/typed.js';
import { CODEC_OF, loadGeneratedTs } from '../harness/ours-ts.js';
import type { CodecContender } from './peers-ts.js';

export async function ourCodecs(shape: ShapeName): Promise<{ contenders: CodecContender[]; value?: unknown; missing?: string }> {
  const gen = await loadGeneratedTs();
  if (!gen) return { contenders: [], missing: 'generated TypeScript codecs not available (interopc gen --lang ts)' };
  const codec = gen[CODEC_OF[shape]];
  const limits = { maxDepth: 64 };
  const value = typedValue(shape) as ShapeValue;
  return {
    value,
    contenders: [
      { name: 'interop msgpack', value, encode: (v) => codec.encode(v, 'msgpack'), decode: (b) => codec.decode(b, 'msgpack', limits) },
      { name: 'interop json', value, encode: (v) => codec.encode(v, 'json'), decode: (b) => codec.decode(b, 'json', limits) },
      // The same value in protobuf (ADR 0028): against protobufjs's static code on the same shape.
      { name: 'interop protobuf', value, encode: (v) => codec.encode(v, 'protobuf'), decode: (b) => codec.decode(b, 'protobuf', limits) },
      // And in FlatBuffers (docs/wire.md §3.6): against flatc --ts code over the npm flatbuffers package.
      { name: 'interop flatbuffers', value, encode: (v) => codec.encode(v, 'flatbuffers'), decode: (b) => codec.decode(b, 'flatbuffers', limits) },
    ],
  };
}
