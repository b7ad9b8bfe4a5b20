// The FlatBuffers codec of generated TypeScript (docs/wire.md §3.6, ADR 0041), checked against
// flatc: for every value of the golden vectors (test/vectors/payloads.json, read from their JSON)
// that FlatBuffers can express, flatc reads our bytes (`flatc --json --raw-binary`, which runs
// flatc's verifier first) against the schema `interopc gen --lang fbs` writes, flatc turns the JSON
// it printed back into a FlatBuffer of its own layout, and we decode that to the same value; our
// decoder reads our bytes back too. The bytes are test/vectors/flatbuffers.json, which every other
// runtime checks byte for byte. Then hostile input: typed errors with exact messages.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fbsTarget } from '../../compiler/src/targets/fbs/index.js';
import { FbsTypes } from '../../compiler/src/targets/fbs/fields.js';
import { TopLevelNames } from '../../compiler/src/targets/common/schema-names.js';
import type { EnumDecl, Module, TypeRef } from '../../compiler/src/ir/types.js';
import type { TypeCodec } from '../../runtime-ts/src/codec/index.js';
import { ErrorCode, InteropError } from '../../runtime-ts/src/errors.js';
import { tempDir } from '../temp.js';
import { compileBundle, importGenerated, REPO } from './generated.js';

const SCHEMA = 'test/vectors/vectors.interop';
/**
 * Types whose vectors are left out: `Ordering` has the field id 536870911, which FlatBuffers
 * cannot give a slot (`gen --lang fbs` refuses it, E0703; the TS codec refuses to encode it).
 */
const INEXPRESSIBLE = ['Ordering'];
const limits = { maxDepth: 64 };
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

interface Vector {
  name: string;
  type: string;
  json: string;
}
const vectors = (await import('../vectors/payloads.json', { with: { type: 'json' } })).default.vectors as Vector[];
const expressible = vectors.filter((v) => !INEXPRESSIBLE.includes(v.type.split('.').pop()!));
/** The golden FlatBuffers bytes of every expressible payload vector; UPDATE_FLATBUFFERS_VECTORS=1 rewrites them. */
const GOLDEN = path.join(import.meta.dirname, '../vectors/flatbuffers.json');
interface Golden {
  comment: string;
  left_out: string;
  vectors: Array<{ name: string; type: string; flatbuffers: string }>;
  reject: Array<{ name: string; type: string; input: string; code: string; message: string; note: string }>;
}
const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as Golden;

let gen: Record<string, unknown>;
let fbsDir: string;
/** The root type flatc reads a vector's type as: its own table, or `payloads.<Alias>` for an alias or enum. */
const tableOf = new Map<string, string>();

beforeAll(async () => {
  gen = await importGenerated('gen-flatbuffers', [SCHEMA], 'interop.vectors');
  // The schema without the inexpressible types, which `gen --lang fbs` would refuse.
  fbsDir = tempDir('fbs-');
  const text = readFileSync(path.join(REPO, SCHEMA), 'utf8').replace(/\n\/\/\/[^\n]*\nstruct Ordering \{[^}]*\}\n/, '\n');
  writeFileSync(path.join(fbsDir, 'vectors.interop'), text);
  const bundle = compileBundle([path.join(fbsDir, 'vectors.interop')]);
  for (const f of fbsTarget.generate(bundle, { sourceNames: {} }) as Array<{ path: string; content: string }>) {
    mkdirSync(path.dirname(path.join(fbsDir, f.path)), { recursive: true });
    writeFileSync(path.join(fbsDir, f.path), f.content);
  }
  // An alias or enum payload is slot 0 of a wrapper table `{ value: T; }`, declared here with the
  // target's own field mapping.
  const module = bundle.modules.find((m) => m.name === 'interop.vectors')!;
  const payloads = { ...module, name: 'payloads', types: [] } as Module;
  const firstMember = (t: Extract<TypeRef, { kind: 'ref' }>) => (module.types.find((d) => d.name === t.name) as EnumDecl).members[0]!.name;
  const types = new FbsTypes(payloads, new TopLevelNames('FlatBuffers', payloads), firstMember);
  const lines: string[] = [];
  for (const d of module.types) {
    if (d.kind === 'alias' || d.kind === 'enum') {
      const t: TypeRef = d.kind === 'alias' ? d.type : { kind: 'ref', module: module.name, name: d.name, declKind: 'enum' };
      lines.push(`table ${d.name} { ${types.field(t, 'value', d.span)} }`);
      tableOf.set(`interop.vectors.${d.name}`, `payloads.${d.name}`);
    } else tableOf.set(`interop.vectors.${d.name}`, `interop.vectors.${d.name}`);
  }
  for (const w of types.wrappers) lines.push(`table ${w.name} { ${w.fields.join(' ')} }`);
  const head = ['include "interop/vectors.fbs";', 'namespace payloads;'];
  writeFileSync(path.join(fbsDir, 'payloads.fbs'), `${[...head, ...lines].join('\n')}\n`);
}, 60_000);

function codec(type: string): TypeCodec<unknown> {
  return gen[`${type.split('.').pop()!}$codec`] as TypeCodec<unknown>;
}

/** Runs flatc on `file`: a binary after `--`, a JSON file without it. */
function flatc(args: string[], file: string, binary: boolean): string {
  const files = binary ? ['--raw-binary', path.join(fbsDir, 'payloads.fbs'), '--', file] : [path.join(fbsDir, 'payloads.fbs'), file];
  const r = spawnSync('flatc', ['--strict-json', '-I', fbsDir, '-o', fbsDir, ...args, ...files], { cwd: fbsDir });
  if (r.status !== 0) throw new Error(`flatc ${args.join(' ')}: ${r.stdout.toString()}${r.stderr.toString()}`);
  return r.stdout.toString();
}

/** flatc reads `ours` as `root` (verifying it), prints it as JSON, and builds its own FlatBuffer from that JSON. */
function flatcRoundTrip(root: string, ours: Uint8Array): { json: string; theirs: Uint8Array } {
  const bin = path.join(fbsDir, 'value.bin');
  writeFileSync(bin, ours);
  flatc(['--json', '--defaults-json', '--root-type', root], bin, true);
  const json = readFileSync(path.join(fbsDir, 'value.json'), 'utf8');
  flatc(['--binary', '--force-defaults', '--root-type', root], path.join(fbsDir, 'value.json'), false);
  return { json, theirs: new Uint8Array(readFileSync(path.join(fbsDir, 'value.bin'))) };
}

/**
 * Equal JSON values, except that a number may be off by what flatc's JSON printer loses: it prints
 * floats in fixed notation with six decimals (1.23e-18 comes out as 0.0). Integers that differ by
 * one still differ: i64 and u64 are strings in our JSON, the other integers below 2^32.
 */
function closeTo(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= Math.max(1e-6, Math.abs(b) * 1e-15);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => closeTo(x, b[i]));
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && closeTo((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}

describe('flatbuffers codec (generated TypeScript)', { timeout: 240_000 }, () => {
  it('every expressible golden-vector value: flatc verifies and reads our bytes, and we read what flatc writes from them', () => {
    const made: Golden['vectors'] = [];
    for (const v of expressible) {
      const c = codec(v.type);
      const value = c.decode(new TextEncoder().encode(v.json), 'json', limits);
      const ours = c.encode(value, 'flatbuffers');
      made.push({ name: v.name, type: v.type, flatbuffers: hex(ours) });
      const json = (b: Uint8Array) => new TextDecoder().decode(c.encode(c.decode(b, 'flatbuffers', limits), 'json'));
      expect(json(ours), v.name).toBe(v.json);
      const { json: printed, theirs } = flatcRoundTrip(tableOf.get(v.type)!, ours);
      expect(closeTo(JSON.parse(json(theirs)), JSON.parse(v.json)), `${v.name}: flatc printed ${printed}, we read ${json(theirs)}`).toBe(true);
    }
    expect(made.length).toBe(expressible.length);
    if (process.env['UPDATE_FLATBUFFERS_VECTORS'] === '1') {
      writeFileSync(GOLDEN, `${JSON.stringify({ ...golden, vectors: made }, null, 1)}\n`);
    }
    expect(made).toEqual(golden.vectors);
  });

  it('the canonical layout of §3.6, by hand', () => {
    // The worked example of docs/wire.md §3.6.
    expect(hex(codec('Point').encode({ x: 1, y: -2 }, 'flatbuffers'))).toBe('0c000000' + '08000c0004000800' + '08000000' + '01000000' + 'feffffff');
    // An empty table: the vtable is 4 bytes, the table its soffset.
    // A union: its table (case id, uoffset), then the case table, empty for a unit case.
    expect(hex(codec('Value').encode({ kind: 'nothing' }, 'flatbuffers'))).toBe('0c000000' + '08000c0004000800' + '08000000' + '01000000' + '08000000' + '04000400' + '04000000');
    // A vector of 8-byte scalars: its count at a position p with p + 4 a multiple of 8.
    const longs = hex(codec('Longs').encode([1n], 'flatbuffers'));
    expect(longs).toBe('0c000000' + '0000' + '060008000400' + '06000000' + '04000000' + '01000000' + '0100000000000000');
  });

  it('an empty payload is the root table with no field; a struct field it lacks is missing', () => {
    expect(codec('Point').decode(new Uint8Array(0), 'flatbuffers', limits)).toEqual({ x: 0, y: 0 });
    expect(() => codec('Line').decode(new Uint8Array(0), 'flatbuffers', limits)).toThrow('Line.from: missing required field');
  });

  it('Ordering (field id 536870911) is refused with a typed error, not a huge vtable', () => {
    expect(() => codec('Ordering').encode({ zeta: 1, alpha: '', mid: false, last: 0 }, 'flatbuffers')).toThrow(
      'Ordering: field id 536870911 is past 1024: cannot be sent as flatbuffers',
    );
  });
});

/** `count` uoffsets in a wrapper table's vector, all to one Point: a few bytes that read as many. */
function sharedPoints(count: number): string {
  const b = Buffer.alloc(24 + 4 * count + 20);
  b.writeUInt32LE(12, 0); // root: the wrapper table at 12, its vtable at 6
  for (const [v, at] of [[6, 6], [8, 8], [4, 10]]) b.writeUInt16LE(v!, at);
  b.writeInt32LE(6, 12);
  b.writeUInt32LE(4, 16); // slot 0: the vector at 20
  b.writeUInt32LE(count, 20);
  const point = 24 + 4 * count + 8; // the Point's vtable, then the Point
  for (let i = 0; i < count; i++) b.writeUInt32LE(point - (24 + 4 * i), 24 + 4 * i);
  for (const [v, at] of [[8, -8], [12, -6], [4, -4], [8, -2]]) b.writeUInt16LE(v!, point + at!);
  for (const [v, at] of [[8, 0], [1, 4], [2, 8]]) b.writeInt32LE(v!, point + at!);
  return b.toString('hex');
}

/** A Tree nested `depth` tables deep, in our own layout. */
function deepTree(depth: number): string {
  let tree: unknown = { label: '', children: [] };
  for (let i = 1; i < depth; i++) tree = { label: '', children: [tree] };
  return hex(codec('Tree').encode(tree, 'flatbuffers'));
}

// What every decoder must refuse (one case or more per rule of docs/wire.md §3.6), with its code;
// the messages are this runtime's, written to flatbuffers.json by UPDATE_FLATBUFFERS_VECTORS=1.
const POINT = '0c000000' + '08000c0004000800' + '08000000' + '01000000' + 'feffffff';
const STR_HEAD = '0c000000' + '0000060008000400' + '06000000' + '04000000';
const rejects = (): Array<Omit<Golden['reject'][number], 'message'>> => [
  { name: 'payload of 3 bytes', type: 'Point', input: '0c0000', code: 'INVALID_ARGUMENT', note: 'a payload of 1 to 3 bytes' },
  { name: 'root offset outside the payload', type: 'Point', input: 'ff000000' + POINT.slice(8), code: 'INVALID_ARGUMENT', note: 'a uoffset outside the payload' },
  { name: 'root offset at the last 3 bytes', type: 'Point', input: '15000000' + POINT.slice(8), code: 'INVALID_ARGUMENT', note: 'the object a uoffset points to needs 4 bytes' },
  { name: 'vtable before the payload', type: 'Point', input: POINT.slice(0, 24) + '00010000' + POINT.slice(32), code: 'INVALID_ARGUMENT', note: 'soffset 256 from 12' },
  { name: 'vtable after the payload', type: 'Point', input: POINT.slice(0, 24) + '9cffffff' + POINT.slice(32), code: 'INVALID_ARGUMENT', note: 'soffset -100 from 12' },
  { name: 'vtable size odd', type: 'Point', input: '0c000000' + '0500' + POINT.slice(12), code: 'INVALID_ARGUMENT', note: 'vtable_bytes 5' },
  { name: 'vtable size below 4', type: 'Point', input: '0c000000' + '0200' + POINT.slice(12), code: 'INVALID_ARGUMENT', note: 'vtable_bytes 2' },
  { name: 'vtable past the payload', type: 'Point', input: '0c000000' + '4000' + POINT.slice(12), code: 'INVALID_ARGUMENT', note: 'vtable_bytes 64 from 4 in 24 bytes' },
  { name: 'field past table_bytes', type: 'Point', input: '0c000000' + '08000800' + POINT.slice(16), code: 'INVALID_ARGUMENT', note: 'table_bytes 8, y at 8 (4 bytes)' },
  { name: 'field past the payload', type: 'Point', input: POINT.slice(0, 40), code: 'INVALID_ARGUMENT', note: 'y at 20 in a payload of 20 bytes' },
  { name: 'string without its 0 byte', type: 'Str', input: STR_HEAD + '01000000' + '6178', code: 'INVALID_ARGUMENT', note: '"a" then x' },
  { name: 'string ending at the payload end', type: 'Str', input: STR_HEAD + '02000000' + '6100', code: 'INVALID_ARGUMENT', note: 'count 2 takes the last byte: no room for the 0' },
  { name: 'string not UTF-8', type: 'Str', input: STR_HEAD + '01000000' + 'ff00', code: 'INVALID_ARGUMENT', note: 'byte ff' },
  { name: 'string of 2 GiB', type: 'Str', input: STR_HEAD + 'ffffff7f' + '6100', code: 'RESOURCE_EXHAUSTED', note: 'a count past the payload' },
  { name: 'vector of 2 GiB', type: 'Ints', input: STR_HEAD + 'ffffff7f' + '01000000', code: 'RESOURCE_EXHAUSTED', note: 'a count past the payload' },
  { name: 'bytes of 4 GiB', type: 'Bin', input: STR_HEAD + 'ffffffff' + '01', code: 'RESOURCE_EXHAUSTED', note: 'a count past the payload' },
  { name: 'bool of 2', type: 'Bool', input: '0c000000' + '0000060005000400' + '06000000' + '02', code: 'INVALID_ARGUMENT', note: 'a bool other than 0 and 1' },
  { name: 'union of type 0', type: 'Value', input: '0c000000' + '08000c0004000800' + '08000000' + '00000000' + '0c000000' + '0000060010000800' + '06000000' + '00000000' + '0500000000000000', code: 'INVALID_ARGUMENT', note: 'a case table, but type NONE' },
  { name: 'union without its case table', type: 'Value', input: '0c000000' + '08000c0004000000' + '08000000' + '02000000' + '0c000000' + '0000060010000800' + '06000000' + '00000000' + '0500000000000000', code: 'INVALID_ARGUMENT', note: 'type num, slot 1 absent' },
  { name: 'union of an unknown case', type: 'Value', input: '0c000000' + '08000c0004000800' + '08000000' + '07000000' + '0c000000' + '0000060010000800' + '06000000' + '00000000' + '0500000000000000', code: 'INVALID_ARGUMENT', note: 'case id 7' },
  { name: 'map key twice', type: 'MapStr', input: '0c0000000000060008000400060000000400000002000000100000002800000008000c0004000800080000000800000001000000010000006100000008000c0004000800080000000800000002000000010000006100', code: 'INVALID_ARGUMENT', note: '"a" twice' },
  { name: 'struct field missing', type: 'Line', input: '0c00000008000c000400000008000000100000002000000008000c000400080008000000010000000200000008000c0004000800080000000300000004000000', code: 'INVALID_ARGUMENT', note: 'Line.to absent: a struct has no default' },
  { name: 'nesting 65 deep', type: 'Tree', input: deepTree(65), code: 'RESOURCE_EXHAUSTED', note: 'each table is one level; 64 decode' },
  { name: 'one Point read 200 times', type: 'Points', input: sharedPoints(200), code: 'RESOURCE_EXHAUSTED', note: '844 bytes whose offsets read 2400 bytes of Points' },
];

describe('flatbuffers codec: hostile input gets typed errors', () => {
  function error(type: string, input: string): InteropError {
    try {
      codec(type).decode(bytes(input), 'flatbuffers', limits);
    } catch (e) {
      expect(e).toBeInstanceOf(InteropError);
      return e as InteropError;
    }
    throw new Error(`${input} decoded`);
  }

  it('every reject vector: its code and message', () => {
    const made = rejects().map((c) => {
      const e = error(c.type, c.input);
      expect(e.code, c.name).toBe(ErrorCode[c.code as keyof typeof ErrorCode]);
      return { name: c.name, type: `interop.vectors.${c.type}`, input: c.input, code: c.code, message: e.message, note: c.note };
    });
    if (process.env['UPDATE_FLATBUFFERS_VECTORS'] === '1') {
      writeFileSync(GOLDEN, `${JSON.stringify({ ...JSON.parse(readFileSync(GOLDEN, 'utf8')), reject: made }, null, 1)}\n`);
    }
    expect(made).toEqual(golden.reject);
  });

  it('64 tables deep decode; a Point referred to once is read', () => {
    expect(() => codec('Tree').decode(bytes(deepTree(64)), 'flatbuffers', limits)).not.toThrow();
    expect(codec('Points').decode(bytes(sharedPoints(1)), 'flatbuffers', limits)).toEqual([{ x: 1, y: 2 }]);
  });
});
