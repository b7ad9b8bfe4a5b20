// The three payload shapes, built deterministically. bench/shapes/data.py builds the same values.

export interface Small {
  id: number;
  name: string;
  active: boolean;
  score: number;
  delta: number;
}
export interface Item {
  id: number;
  label: string;
  price: number;
  tags: string[];
}
export interface Nested {
  id: number;
  title: string;
  owner: Small;
  items: Item[];
  attrs: Record<string, string>;
  counts: Record<string, number>;
}
export interface Blob {
  id: number;
  data: Uint8Array;
}

export type ShapeName = 'small' | 'nested' | 'blob';
export const SHAPES: ShapeName[] = ['small', 'nested', 'blob'];
export type ShapeValue = Small | Nested | Blob;

export function makeSmall(): Small {
  return { id: 12345, name: 'sensor-12345', active: true, score: 98.625, delta: -42 };
}

export function makeNested(): Nested {
  const items: Item[] = [];
  for (let i = 0; i < 10; i++) {
    items.push({ id: i, label: `item number ${i}`, price: i * 1.25 + 0.5, tags: ['red', 'green', `t${i}`] });
  }
  const attrs: Record<string, string> = {};
  const counts: Record<string, number> = {};
  for (let i = 0; i < 10; i++) {
    attrs[`attr${i}`] = `value of attribute ${i}`;
    counts[`count${i}`] = i * 1000;
  }
  return { id: 7, title: 'order 7 for the benchmark', owner: makeSmall(), items, attrs, counts };
}

export const BLOB_BYTES = 1 << 20;

export function makeBlob(): Blob {
  const data = new Uint8Array(BLOB_BYTES);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + 7) & 255;
  return { id: 1, data };
}

export function makeShape(shape: ShapeName): ShapeValue {
  return shape === 'small' ? makeSmall() : shape === 'nested' ? makeNested() : makeBlob();
}
