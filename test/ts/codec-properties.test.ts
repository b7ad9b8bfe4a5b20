// Property tests: for random values of every type in the vectors schema and the geometry/tree
// schemas, decode(encode(v)) == v in both codecs (dynamic codec), and the generated codecs produce
// exactly the dynamic codec's bytes (decoding the dynamic bytes and re-encoding them, in both
// codecs and across codecs).

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamicCodecs, type IrModule, type TypeCodec } from '../../runtime-ts/src/codec/index.js';
import { Arbitraries } from './arbitraries.js';
import { compileBundle, importGenerated } from './generated.js';

const limits = { maxDepth: 64 };
const SCHEMAS: Array<[string, string]> = [
  ['test/vectors/vectors.interop', 'interop.vectors'],
  ['test/schemas/valid/geometry.interop', 'example.geometry'],
  ['test/schemas/valid/tree.interop', 'example.tree'],
  ['test/schemas/valid/keywords.interop', 'example.keywords'],
  ['test/schemas/valid/scalars.interop', 'example.scalars'],
];

interface Loaded {
  modules: IrModule[];
  generated: Record<string, unknown>;
}
const loaded = new Map<string, Loaded>();

beforeAll(async () => {
  for (const [file, module] of SCHEMAS) {
    const modules = compileBundle([file]).modules as IrModule[];
    const generated = await importGenerated(`props-${module}`, [file], module);
    loaded.set(module, { modules, generated });
  }
}, 120_000);

for (const [, moduleName] of SCHEMAS) {
  describe(`properties of ${moduleName}`, () => {
    it('every declared type round-trips and matches the generated codec byte for byte', () => {
      const { modules, generated } = loaded.get(moduleName)!;
      const dynamic = new DynamicCodecs(modules);
      const arbs = new Arbitraries(modules);
      const module = modules.find((m) => m.name === moduleName)!;
      for (const d of module.types) {
        const qualified = `${moduleName}.${d.name}`;
        const dyn = dynamic.codecByName(qualified);
        const gen = generated[`${pascal(d.name)}$codec`] as TypeCodec<unknown> | undefined;
        expect(gen, `generated codec for ${qualified}`).toBeDefined();
        fc.assert(
          fc.property(arbs.ofDecl(d), (v) => {
            for (const codec of ['msgpack', 'json'] as const) {
              const bytes = dyn.encode(v, codec);
              expect(dyn.decode(bytes, codec, limits)).toEqual(v);
              const viaGenerated = gen!.decode(bytes, codec, limits);
              expect(hex(gen!.encode(viaGenerated, codec))).toBe(hex(bytes));
              // Across codecs: what generated code decoded from one codec encodes to the other
              // exactly as the dynamic codec does.
              const other = codec === 'json' ? 'msgpack' : 'json';
              expect(hex(gen!.encode(viaGenerated, other))).toBe(hex(dyn.encode(v, other)));
            }
          }),
          { numRuns: 60 },
        );
      }
    });
  });
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** The TS target's name for a type: already Pascal in these schemas, or snake → Pascal. */
function pascal(name: string): string {
  return /^[A-Z][A-Za-z0-9]*$/.test(name) ? name : name.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}
