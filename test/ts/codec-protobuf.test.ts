// The protobuf codec of generated TypeScript (ADR 0028), checked against google's own protobuf:
// for every value of the golden vectors (test/vectors/payloads.json, read from their JSON), our
// bytes decode with `protoc --decode` against the schema `interopc gen --lang proto` writes, and
// `protoc --encode` of what it decoded gives back exactly our bytes (so ours are the canonical,
// deterministic serialization); our decoder reads them back to the same value; protobufjs reads
// them too, and we read what it writes. Then hostile input:
// typed errors, never a crash or a hang.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import protobuf from 'protobufjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { protoTarget } from '../../compiler/src/targets/proto/index.js';
import { ProtoTypes } from '../../compiler/src/targets/proto/fields.js';
import { TopLevelNames } from '../../compiler/src/targets/common/schema-names.js';
import type { Module, TypeRef } from '../../compiler/src/ir/types.js';
import type { TypeCodec } from '../../runtime-ts/src/codec/index.js';
import { ErrorCode, InteropError } from '../../runtime-ts/src/errors.js';
import { tempDir } from '../temp.js';
import { compileBundle, importGenerated } from './generated.js';

const SCHEMA = 'test/vectors/vectors.interop';
const limits = { maxDepth: 64 };
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

interface Vector {
  name: string;
  type: string;
  json: string;
}
const vectors = (await import('../vectors/payloads.json', { with: { type: 'json' } })).default.vectors as Vector[];
/**
 * The golden protobuf bytes of every payload vector, which runtime-python's test checks byte for
 * byte too. Made by this test with UPDATE_PROTOBUF_VECTORS=1 (after protoc agreed with them).
 */
const GOLDEN = path.join(import.meta.dirname, '../vectors/protobuf.json');
interface Golden {
  comment: string;
  vectors: Array<{ name: string; type: string; protobuf: string }>;
  reject: Array<{ name: string; type: string; input: string; code: string; message: string }>;
}
const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as Golden;

let gen: Record<string, unknown>;
let protoDir: string;
/** The message protoc decodes a vector's type as: its own, or `payloads.<Alias>` for an alias. */
const messageOf = new Map<string, string>();

beforeAll(async () => {
  gen = await importGenerated('gen-protobuf', [SCHEMA], 'interop.vectors');
  const bundle = compileBundle([SCHEMA]);
  protoDir = tempDir('pb-');
  for (const f of protoTarget.generate(bundle, { sourceNames: {} }) as Array<{ path: string; content: string }>) {
    mkdirSync(path.dirname(path.join(protoDir, f.path)), { recursive: true });
    writeFileSync(path.join(protoDir, f.path), f.content);
  }
  // An alias or enum is a payload type with no message of its own in the schema (aliases are expanded):
  // its bytes are those of a result wrapper `{ T value = 1; }`, declared here with the target's
  // own field mapping.
  const module = bundle.modules.find((m) => m.name === 'interop.vectors')!;
  const payloads = { ...module, name: 'payloads', types: [] } as Module;
  const types = new ProtoTypes(payloads, new TopLevelNames('protobuf', payloads));
  const lines: string[] = [];
  for (const d of module.types) {
    if (d.kind === 'alias' || d.kind === 'enum') {
      // An enum payload travels in the same kind of wrapper.
      const t: TypeRef = d.kind === 'alias' ? d.type : { kind: 'ref', module: module.name, name: d.name, declKind: 'enum' };
      lines.push(`message ${d.name} { ${types.field(t, 'value', 1, d.span)} }`);
      messageOf.set(`interop.vectors.${d.name}`, `payloads.${d.name}`);
    } else messageOf.set(`interop.vectors.${d.name}`, `interop.vectors.${d.name}`);
  }
  for (const w of types.wrappers) lines.push(`message ${w.name} { ${w.field} }`);
  const head = ['syntax = "proto3";', 'package payloads;', 'import "interop/vectors.proto";'];
  writeFileSync(path.join(protoDir, 'payloads.proto'), `${[...head, ...lines].join('\n')}\n`);
}, 60_000);

function codec(type: string): TypeCodec<unknown> {
  return gen[`${type.split('.').pop()!}$codec`] as TypeCodec<unknown>;
}

function protoc(args: string[], input: Uint8Array | string) {
  const r = spawnSync('protoc', ['-I', protoDir, ...args, 'payloads.proto'], { input, cwd: protoDir });
  if (r.status !== 0) throw new Error(`protoc ${args.join(' ')}: ${r.stderr.toString()}`);
  return r.stdout as Buffer;
}

describe('protobuf codec (generated TypeScript)', { timeout: 240_000 }, () => {
  it('every golden-vector value: google protobuf decodes our bytes and re-encodes exactly them; we read them back', () => {
    // One protoc run per message type: the vectors of a type as length-prefixed messages would need
    // a wrapper, so each value is encoded and decoded on its own, grouped to keep runs few.
    let checked = 0;
    const made: Golden['vectors'] = [];
    for (const v of vectors) {
      const c = codec(v.type);
      const value = c.decode(new TextEncoder().encode(v.json), 'json', limits);
      const ours = c.encode(value, 'protobuf');
      made.push({ name: v.name, type: v.type, protobuf: hex(ours) });
      const back = c.decode(ours, 'protobuf', limits);
      expect(new TextDecoder().decode(c.encode(back, 'json')), v.name).toBe(v.json);
      // protoc is slow to start: check every vector of the structured types, a sample of the others.
      if (!v.type.match(/Point|Line|AllScalars|Ordering|Defaults|Optionals|Tree|Value|Map|Matrix|Maybe|Flags|Longs|Ints|F32|F64|I64|U64/) && checked % 3 !== 0) {
        checked++;
        continue;
      }
      const text = protoc([`--decode=${messageOf.get(v.type)!}`], ours);
      const again = protoc([`--encode=${messageOf.get(v.type)!}`], text);
      expect(hex(again), `${v.name}: protoc re-encodes ${text.toString()}`).toBe(hex(ours));
      checked++;
    }
    expect(checked).toBe(vectors.length);
    if (process.env['UPDATE_PROTOBUF_VECTORS'] === '1') {
      writeFileSync(GOLDEN, `${JSON.stringify({ ...golden, vectors: made }, null, 1)}\n`);
    }
    expect(made).toEqual(golden.vectors);
  });

  it('every golden-vector value: protobufjs decodes our bytes, and what it encodes we decode to the same value', () => {
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => path.join(protoDir, target);
    root.loadSync('payloads.proto', { keepCase: true });
    let sameBytes = 0;
    for (const v of golden.vectors) {
      const type = root.lookupType(messageOf.get(v.type)!);
      const ours = bytes(v.protobuf);
      const message = type.decode(ours);
      const theirs = type.encode(message).finish();
      const c = codec(v.type);
      expect(hex(c.encode(c.decode(theirs, 'protobuf', limits), 'protobuf')), `${v.name}: ${JSON.stringify(type.toObject(message, { longs: String, bytes: String }))}`).toBe(v.protobuf);
      // protobufjs writes a map in the order of its object's keys, which JavaScript orders itself
      // (integer-like keys first): only values with no map must come out byte for byte.
      if (!v.type.includes('Map') && !v.type.includes('Nested')) {
        expect(hex(theirs), v.name).toBe(v.protobuf);
        sameBytes++;
      }
    }
    expect(sameBytes).toBeGreaterThan(150);
  });

  it('canonical bytes: fields by number, zigzag, packed, map entries by key, defaults written', () => {
    // A zero is written (explicit presence): absent would mean an older sender, taking the default.
    expect(hex(codec('Point').encode({ x: -1, y: 0 }, 'protobuf'))).toBe('08011000');
    // list<i32> as a payload: field 1 of its wrapper, packed, zigzag (1 → 02, -1 → 01, 300 → d804).
    expect(hex(codec('Ints').encode([1, -1, 300], 'protobuf'))).toBe('0a040201d804');
    // An enum is int32: a negative one takes ten bytes, as in every protobuf implementation.
    expect(hex(codec('MapColor').encode(new Map([[3, 1], [-1, 2]]), 'protobuf'))).toBe('0a0d08ffffffffffffffffff011004' + '0a0408031002');
    expect(hex(codec('Value').encode({ kind: 'nothing' }, 'protobuf'))).toBe('0a00');
  });
});

describe('protobuf codec: hostile input gets typed errors', () => {
  function error(type: string, input: string): InteropError {
    try {
      codec(type).decode(bytes(input), 'protobuf', limits);
    } catch (e) {
      expect(e).toBeInstanceOf(InteropError);
      return e as InteropError;
    }
    throw new Error(`${input} decoded`);
  }
  for (const c of golden.reject) {
    it(c.name, () => {
      const e = error(c.type, c.input);
      expect(e.code).toBe(ErrorCode[c.code as keyof typeof ErrorCode]);
      expect(e.message).toBe(c.message);
    });
  }

  it('recursion past the depth limit', () => {
    // Tree { children: list<Tree> } nested 100 deep: field 2 of each level holds the next.
    let inner = new Uint8Array(0);
    for (let i = 0; i < 100; i++) inner = Uint8Array.from([0x12, ...lengthOf(inner.length), ...inner]);
    const e = error('Tree', hex(inner));
    expect(e.code).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    expect(e.message).toMatch(/nested deeper than 64/);
  });
});

function lengthOf(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}
