// Loads our generated TypeScript code for bench/schema/shapes.interop, bundled with the runtime by
// bench/generate.sh into bench/out/js/ours.mjs (plain JS, as a user ships it).
import { existsSync } from 'node:fs';
import { loadOut } from './peers.js';
import type { ShapeName } from '../shapes/data.js';

export const GEN_TS = 'bench/out/js/ours.mjs';

export interface Codec {
  encode(v: unknown, codec: 'msgpack' | 'json' | 'protobuf' | 'flatbuffers'): Uint8Array;
  decode(b: Uint8Array, codec: 'msgpack' | 'json' | 'protobuf' | 'flatbuffers', limits?: { maxDepth: number }): unknown;
}

export type Echo = (v: unknown) => Promise<unknown>;

export interface GeneratedShapes {
  Small$codec: Codec;
  Nested$codec: Codec;
  Blob$codec: Codec;
  ShapesModule: unknown;
  ShapesClient: new (invoker: unknown) => Record<'echoSmall' | 'echoNested' | 'echoBlob', Echo>;
  ShapesPublisher: new (publisher: unknown) => Record<'smallEvent' | 'nestedEvent', (payload: unknown) => void>;
}

export const CODEC_OF: Record<ShapeName, 'Small$codec' | 'Nested$codec' | 'Blob$codec'> = {
  small: 'Small$codec',
  nested: 'Nested$codec',
  blob: 'Blob$codec',
};
export const ECHO_OF: Record<ShapeName, 'echoSmall' | 'echoNested' | 'echoBlob'> = {
  small: 'echoSmall',
  nested: 'echoNested',
  blob: 'echoBlob',
};

/** The generated module, or undefined when `interopc gen --lang ts` did not produce it. */
export async function loadGeneratedTs(): Promise<GeneratedShapes | undefined> {
  if (!existsSync(GEN_TS)) return undefined;
  return loadOut<GeneratedShapes>(GEN_TS);
}
