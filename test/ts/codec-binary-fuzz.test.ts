// Property and fuzz tests of the generated protobuf and flatbuffers codecs (ADR 0028, 0041), over the schemas the other
// codecs' property tests use: random values of every declared type round-trip (compared through
// their msgpack bytes, which the other tests pin), and random bytes, and valid encodings with
// bytes flipped, cut or inserted, either decode to a value that re-encodes and decodes the same,
// or fail with a typed error (INVALID_ARGUMENT or RESOURCE_EXHAUSTED): never another exception.

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamicCodecs, type IrModule, type TypeCodec } from '../../runtime-ts/src/codec/index.js';
import { ErrorCode, InteropError } from '../../runtime-ts/src/errors.js';
import type { CodecName } from '../../runtime-ts/src/module.js';
import { Arbitraries } from './arbitraries.js';
import { compileBundle, importGenerated } from './generated.js';

const limits = { maxDepth: 64 };
const SCHEMAS: Array<[string, string]> = [
  ['test/vectors/vectors.interop', 'interop.vectors'],
  ['test/schemas/valid/geometry.interop', 'example.geometry'],
  ['test/schemas/valid/tree.interop', 'example.tree'],
  ['test/schemas/valid/scalars.interop', 'example.scalars'],
];
const loaded = new Map<string, { modules: IrModule[]; generated: Record<string, unknown> }>();

beforeAll(async () => {
  for (const [file, module] of SCHEMAS) {
    loaded.set(module, { modules: compileBundle([file]).modules as IrModule[], generated: await importGenerated(`pb-fuzz-${module}`, [file], module) });
  }
}, 120_000);

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const pascal = (name: string) => (/^[A-Z][A-Za-z0-9]*$/.test(name) ? name : name.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase()));

/** Decodes `bytes`; a success must be stable, a failure typed. */
function decodeOrTypedError(codec: TypeCodec<unknown>, name: CodecName, bytes: Uint8Array): void {
  let v: unknown;
  try {
    v = codec.decode(bytes, name, limits);
  } catch (e) {
    expect(e).toBeInstanceOf(InteropError);
    expect([ErrorCode.INVALID_ARGUMENT, ErrorCode.RESOURCE_EXHAUSTED]).toContain((e as InteropError).code);
    return;
  }
  const again = codec.encode(v, name);
  expect(hex(codec.encode(codec.decode(again, name, limits), name))).toBe(hex(again));
}

/** A valid encoding with one edit: a byte changed, the tail cut, or a byte inserted. */
const mutation = fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), kind: fc.constantFrom('flip', 'cut', 'insert') });

function mutate(bytes: Uint8Array, m: { at: number; byte: number; kind: string }): Uint8Array {
  if (bytes.length === 0) return Uint8Array.of(m.byte);
  const at = m.at % bytes.length;
  if (m.kind === 'cut') return bytes.subarray(0, at);
  if (m.kind === 'flip') {
    const out = Uint8Array.from(bytes);
    out[at] = m.byte;
    return out;
  }
  return Uint8Array.from([...bytes.subarray(0, at), m.byte, ...bytes.subarray(at)]);
}

/** Types FlatBuffers cannot express (a field id past 1024): refused, tested in codec-flatbuffers.test.ts. */
const NOT_FLATBUFFERS = ['Ordering'];

for (const [, moduleName] of SCHEMAS) for (const name of ['protobuf', 'flatbuffers'] as const) {
  describe(`${name} properties of ${moduleName}`, () => {
    it('random values round-trip; random and mutated bytes decode or fail with a typed error', () => {
      const { modules, generated } = loaded.get(moduleName)!;
      const arbs = new Arbitraries(modules);
      const dynamic = new DynamicCodecs(modules);
      const module = modules.find((m) => m.name === moduleName)!;
      for (const d of module.types) {
        if (name === 'flatbuffers' && NOT_FLATBUFFERS.includes(d.name)) continue;
        const codec = generated[`${pascal(d.name)}$codec`] as TypeCodec<unknown>;
        const dyn = dynamic.codecByName(`${moduleName}.${d.name}`);
        fc.assert(
          fc.property(arbs.ofDecl(d), mutation, fc.uint8Array({ maxLength: 64 }), (arb, m, noise) => {
            // The arbitraries make values of the dynamic codec's shape: through msgpack they
            // become values of the generated types (error classes, say).
            const v = codec.decode(dyn.encode(arb, 'msgpack'), 'msgpack', limits);
            const bytes = codec.encode(v, name);
            const back = codec.decode(bytes, name, limits);
            expect(hex(codec.encode(back, 'msgpack'))).toBe(hex(codec.encode(v, 'msgpack')));
            expect(hex(codec.encode(back, name))).toBe(hex(bytes));
            decodeOrTypedError(codec, name, mutate(bytes, m));
            decodeOrTypedError(codec, name, noise);
          }),
          { numRuns: 60 },
        );
      }
    });
  });
}
