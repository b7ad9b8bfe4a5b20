// The FlatBuffers peer of codecs-ts: `flatc --ts` code (bench/out/fbts/shapes.mjs, bundled with the
// npm `flatbuffers` package by bench/generate.sh from the .fbs `interopc gen --lang fbs` writes for
// bench/schema/shapes.interop). encode builds the shape with its Builder; decode reads every field
// into a plain object (what msgpackr's decode gives); `readId` reads only `id`, FlatBuffers'
// zero-copy case, from any FlatBuffer of the shape (the suite hands it ours).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadOut } from '../harness/peers.js';
import type { Item, Nested, ShapeName, ShapeValue, Small } from '../shapes/data.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- flatc's generated classes, loaded at run time */
type Fb = any;
const BUNDLE = 'bench/out/fbts/shapes.mjs';

export interface FlatcTs {
  encode(value: ShapeValue): Uint8Array;
  decode(bytes: Uint8Array): unknown;
  readId(bytes: Uint8Array): number;
}

/** The flatc --ts peer for `shape`, or undefined when bench/generate.sh could not build it. */
export async function flatcTs(shape: ShapeName): Promise<FlatcTs | undefined> {
  if (!existsSync(fileURLToPath(new URL(`../../${BUNDLE}`, import.meta.url)))) return undefined;
  const m = await loadOut<Fb>(BUNDLE);
  const root = { small: m.Small.getRootAsSmall, nested: m.Nested.getRootAsNested, blob: m.Blob.getRootAsBlob }[shape];
  const bb = (bytes: Uint8Array) => new m.flatbuffers.ByteBuffer(bytes);
  const read = shape === 'small' ? readSmall : shape === 'nested' ? readNested : readBlob;
  return {
    encode: (v) => {
      const b = new m.flatbuffers.Builder(1024);
      b.finish(shape === 'small' ? writeSmall(m, b, v as Small) : shape === 'nested' ? writeNested(m, b, v as Nested) : writeBlob(m, b, v));
      return b.asUint8Array();
    },
    decode: (bytes) => read(root(bb(bytes))),
    readId: (bytes) => root(bb(bytes)).id(),
  };
}

function writeSmall(m: Fb, b: Fb, v: Small): number {
  const name = b.createString(v.name);
  m.Small.startSmall(b);
  m.Small.addId(b, v.id);
  m.Small.addName(b, name);
  m.Small.addActive(b, v.active);
  m.Small.addScore(b, v.score);
  m.Small.addDelta(b, v.delta);
  return m.Small.endSmall(b);
}

function writeNested(m: Fb, b: Fb, v: Nested): number {
  const title = b.createString(v.title);
  const owner = writeSmall(m, b, v.owner);
  const items = v.items.map((it: Item) => {
    const label = b.createString(it.label);
    const tags = m.Item.createTagsVector(b, it.tags.map((t) => b.createString(t)));
    return m.Item.createItem(b, it.id, label, it.price, tags);
  });
  const itemsVec = m.Nested.createItemsVector(b, items);
  // A map is a vector of entry tables sorted by key (what `interopc gen --lang fbs` declares).
  const attrs = Object.keys(v.attrs).sort().map((k) => m.MapOfStringToStringEntry.createMapOfStringToStringEntry(b, b.createString(k), b.createString(v.attrs[k]!)));
  const counts = Object.keys(v.counts).sort().map((k) => m.MapOfStringToU32Entry.createMapOfStringToU32Entry(b, b.createString(k), v.counts[k]!));
  const attrsVec = m.Nested.createAttrsVector(b, attrs);
  const countsVec = m.Nested.createCountsVector(b, counts);
  m.Nested.startNested(b);
  m.Nested.addId(b, v.id);
  m.Nested.addTitle(b, title);
  m.Nested.addOwner(b, owner);
  m.Nested.addItems(b, itemsVec);
  m.Nested.addAttrs(b, attrsVec);
  m.Nested.addCounts(b, countsVec);
  return m.Nested.endNested(b);
}

function writeBlob(m: Fb, b: Fb, v: ShapeValue): number {
  const blob = v as { id: number; data: Uint8Array };
  return m.Blob.createBlob(b, blob.id, m.Blob.createDataVector(b, blob.data));
}

function readSmall(s: Fb): Small {
  return { id: s.id(), name: s.name(), active: s.active(), score: s.score(), delta: s.delta() };
}

function readNested(r: Fb): Nested {
  const items: Item[] = [];
  for (let i = 0; i < r.itemsLength(); i++) {
    const it = r.items(i);
    const tags: string[] = [];
    for (let j = 0; j < it.tagsLength(); j++) tags.push(it.tags(j));
    items.push({ id: it.id(), label: it.label(), price: it.price(), tags });
  }
  const attrs: Record<string, string> = {};
  for (let i = 0; i < r.attrsLength(); i++) attrs[r.attrs(i).key()] = r.attrs(i).value();
  const counts: Record<string, number> = {};
  for (let i = 0; i < r.countsLength(); i++) counts[r.counts(i).key()] = r.counts(i).value();
  return { id: r.id(), title: r.title(), owner: readSmall(r.owner()), items, attrs, counts };
}

/** The bytes as a view of the buffer (dataArray()), as our decoder and msgpackr give them. */
function readBlob(r: Fb): { id: number; data: Uint8Array } {
  return { id: r.id(), data: r.dataArray() };
}
