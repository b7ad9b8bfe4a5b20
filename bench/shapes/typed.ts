// The shapes as our generated TypeScript types expect them: maps are Map objects.
import { makeShape, type Nested, type ShapeName, type ShapeValue } from './data.js';

export function typedValue(shape: ShapeName): unknown {
  const v: ShapeValue = makeShape(shape);
  if (shape !== 'nested') return v;
  const n = v as Nested;
  return { ...n, attrs: new Map(Object.entries(n.attrs)), counts: new Map(Object.entries(n.counts)) };
}
