// The FlatBuffers codec of generated TypeScript against Google's own TypeScript runtime: the npm
// `flatbuffers` package (pinned to 2.0.7, the release of Debian's flatc 2.0.8) with the readers and
// builders `flatc --ts` writes from the schema `interopc gen --lang fbs` makes. Its readers read our
// AllScalars and Tree bytes of test/vectors/flatbuffers.json field by field, and a Tree its Builder
// writes back to front (the layout every other FlatBuffers writer uses) decodes with ours.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fbsTarget } from '../../compiler/src/targets/fbs/index.js';
import type { TypeCodec } from '../../runtime-ts/src/codec/index.js';
import { tempDir } from '../temp.js';
import { compileBundle, importGenerated, REPO } from './generated.js';

const SCHEMA = 'test/vectors/vectors.interop';
const limits = { maxDepth: 64 };
const golden = JSON.parse(readFileSync(path.join(REPO, 'test/vectors/flatbuffers.json'), 'utf8')) as {
  vectors: Array<{ name: string; type: string; flatbuffers: string }>;
};
const payloads = (await import('../vectors/payloads.json', { with: { type: 'json' } })).default.vectors as Array<{ name: string; json: string }>;
const jsonOf = new Map(payloads.map((v) => [v.name, v.json]));

/* eslint-disable @typescript-eslint/no-explicit-any -- flatc's generated classes, imported at run time */
let gen: Record<string, unknown>;
let fb: any;
let AllScalars: any;
let Tree: any;

beforeAll(async () => {
  gen = await importGenerated('gen-flatbuffers-oracle', [SCHEMA], 'interop.vectors');
  const dir = tempDir('fbts-');
  // The schema without Ordering, whose field id FlatBuffers cannot give a slot (gen --lang fbs refuses it).
  const text = readFileSync(path.join(REPO, SCHEMA), 'utf8').replace(/\n\/\/\/[^\n]*\nstruct Ordering \{[^}]*\}\n/, '\n');
  writeFileSync(path.join(dir, 'vectors.interop'), text);
  for (const f of fbsTarget.generate(compileBundle([path.join(dir, 'vectors.interop')]), { sourceNames: {} }) as Array<{ path: string; content: string }>) {
    mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
    writeFileSync(path.join(dir, f.path), f.content);
  }
  const r = spawnSync('flatc', ['--ts', '-I', dir, '-o', path.join(dir, 'ts'), path.join(dir, 'interop/vectors.fbs')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`flatc --ts: ${r.stdout}${r.stderr}`);
  // flatc's code imports 'flatbuffers': resolve it to the repository's pinned package.
  symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
  fb = await import('flatbuffers');
  AllScalars = (await import(path.join(dir, 'ts/interop/vectors/all-scalars.ts'))).AllScalars;
  Tree = (await import(path.join(dir, 'ts/interop/vectors/tree.ts'))).Tree;
}, 60_000);

function codec(name: string): TypeCodec<any> {
  return gen[`${name}$codec`] as TypeCodec<any>;
}
const bb = (hex: string) => new fb.ByteBuffer(new Uint8Array(Buffer.from(hex, 'hex')));

describe('flatbuffers codec against the npm flatbuffers package and flatc --ts', { timeout: 60_000 }, () => {
  it("flatc's TypeScript readers read every AllScalars and Tree vector of ours field by field", () => {
    const scalars = ['flag', 'i8v', 'i16v', 'i32v', 'i64v', 'u8v', 'u16v', 'u32v', 'u64v', 'f32v', 'f64v', 'color'];
    const sameTree = (t: any, o: any): void => {
      expect(t.label()).toBe(o.label);
      expect(t.childrenLength()).toBe(o.children.length);
      o.children.forEach((child: any, j: number) => sameTree(t.children(j), child));
    };
    let seen = 0;
    for (const v of golden.vectors) {
      const name = v.type.split('.').pop()!;
      if (name !== 'AllScalars' && name !== 'Tree') continue;
      const ours = codec(name).decode(new TextEncoder().encode(jsonOf.get(v.name)!), 'json', limits);
      if (name === 'Tree') sameTree(Tree.getRootAsTree(bb(v.flatbuffers)), ours);
      else {
        const theirs = AllScalars.getRootAsAllScalars(bb(v.flatbuffers));
        for (const s of scalars) expect(theirs[s](), `${v.name}.${s}`).toEqual(ours[s]);
        expect(theirs.text(), v.name).toBe(ours.text);
        expect(theirs.dataArray() ?? new Uint8Array(), v.name).toEqual(ours.data);
      }
      seen++;
    }
    expect(seen).toBeGreaterThanOrEqual(2);
  });

  it("a Tree the npm package's Builder writes back to front decodes with ours", () => {
    const b = new fb.Builder(0);
    const leaves = ['a', 'b'].map((label) => {
      const s = b.createString(label);
      const empty = Tree.createChildrenVector(b, []);
      Tree.startTree(b);
      Tree.addLabel(b, s);
      Tree.addChildren(b, empty);
      return Tree.endTree(b);
    });
    const label = b.createString('root');
    const children = Tree.createChildrenVector(b, leaves);
    Tree.startTree(b);
    Tree.addLabel(b, label);
    Tree.addChildren(b, children);
    b.finish(Tree.endTree(b));
    const tree = codec('Tree');
    const got = tree.decode(b.asUint8Array(), 'flatbuffers', limits);
    expect(new TextDecoder().decode(tree.encode(got, 'json'))).toBe('{"label":"root","children":[{"label":"a","children":[]},{"label":"b","children":[]}]}');
  });
});
