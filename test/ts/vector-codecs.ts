// Test helper: the golden-vector schema's codecs, generated and dynamic, so every vector test
// runs against both. Each test file passes its own `outName`: files run in parallel, and a
// shared output folder would be removed under another file's feet.

import { beforeAll } from 'vitest';
import { DynamicCodecs, type IrModule, type TypeCodec } from '../../runtime-ts/src/codec/index.js';
import { compileBundle, importGenerated } from './generated.js';

const SCHEMA = 'test/vectors/vectors.interop';
const MODULE = 'interop.vectors';

export type CodecLookup = (type: string) => TypeCodec<unknown>;

/**
 * Registers a beforeAll that generates and loads the codecs, and returns one lookup per kind.
 * A lookup takes `Point` or `interop.vectors.Point` (vector type names are already Pascal, so
 * the generated codec is `Point$codec`).
 */
export function vectorCodecs(outName: string): ReadonlyArray<readonly [string, CodecLookup]> {
  let generated: Record<string, unknown> = {};
  let dynamic: DynamicCodecs | undefined;
  beforeAll(async () => {
    generated = await importGenerated(outName, [SCHEMA], MODULE);
    dynamic = new DynamicCodecs(compileBundle([SCHEMA]).modules as IrModule[]);
  }, 60_000);
  const shortName = (type: string) => type.split('.').pop()!;
  return [
    [
      'generated codecs',
      (type) => {
        const codec = generated[`${shortName(type)}$codec`] as TypeCodec<unknown> | undefined;
        if (codec === undefined) throw new Error(`no generated codec for ${type}`);
        return codec;
      },
    ],
    ['dynamic codec', (type) => dynamic!.codecByName(`${MODULE}.${shortName(type)}`)],
  ];
}
