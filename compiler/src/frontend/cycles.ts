// Infinite-size types (E0406): a struct or union that contains itself by value, directly or
// through other structs and unions. Only by-value edges count: a list, map or optional on the
// way breaks the cycle. One diagnostic per strongly connected component, at its first type.

import type { Span } from '../ir/types.js';
import type { Reporter } from './report.js';

export interface ValueNode {
  /** As shown to the user, e.g. "Node" or "example.tree.Node". */
  label: string;
  word: 'struct' | 'union';
  nameSpan: Span;
}

export interface ValueEdge {
  to: string;
  /** The field or case holding the value, e.g. "next". */
  via: string;
  span: Span;
}

/** Nodes in source order (keys are "module.Name"); edges are by-value references. */
export class ValueGraph {
  readonly nodes = new Map<string, ValueNode>();
  readonly edges = new Map<string, ValueEdge[]>();

  addNode(key: string, node: ValueNode): void {
    this.nodes.set(key, node);
  }

  addEdge(from: string, edge: ValueEdge): void {
    let list = this.edges.get(from);
    if (!list) this.edges.set(from, (list = []));
    list.push(edge);
  }
}

export function reportInfiniteTypes(graph: ValueGraph, reporter: Reporter): void {
  for (const scc of stronglyConnected(graph)) {
    const members = new Set(scc);
    const cyclic = scc.length > 1 || (graph.edges.get(scc[0]!) ?? []).some((e) => e.to === scc[0]);
    if (!cyclic) continue;
    const order = [...graph.nodes.keys()];
    const start = scc.reduce((a, b) => (order.indexOf(a) <= order.indexOf(b) ? a : b));
    const path = cycleFrom(start, members, graph);
    const node = graph.nodes.get(start)!;
    const steps = path.map((e, i) => `${graph.nodes.get(i === 0 ? start : path[i - 1]!.to)!.label}.${e.via}`);
    reporter.error(
      'E0406',
      node.nameSpan,
      `${node.word} '${node.label}' contains itself by value (${[...steps, node.label].join(' → ')}), so it would have infinite size`,
      'break the cycle: make one of these members optional (`name?: T`), or a list or map',
      path.map((e) => ({ message: `'${e.via}' holds ${graph.nodes.get(e.to)!.label} by value`, span: e.span })),
    );
  }
}

/** The shortest cycle from `start` back to itself, staying inside its component. */
function cycleFrom(start: string, members: Set<string>, graph: ValueGraph): ValueEdge[] {
  const parent = new Map<string, { from: string; edge: ValueEdge }>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const v = queue[i]!;
    for (const e of graph.edges.get(v) ?? []) {
      if (!members.has(e.to)) continue;
      if (e.to === start) {
        const path = [e];
        for (let cur = v; cur !== start; ) {
          const p = parent.get(cur)!;
          path.unshift(p.edge);
          cur = p.from;
        }
        return path;
      }
      if (!parent.has(e.to)) {
        parent.set(e.to, { from: v, edge: e });
        queue.push(e.to);
      }
    }
  }
  return [];
}

/** Tarjan's algorithm, iterative so that long chains of types cannot overflow the stack. */
function stronglyConnected(graph: ValueGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const result: string[][] = [];
  let counter = 0;

  const enter = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
  };

  for (const root of graph.nodes.keys()) {
    if (index.has(root)) continue;
    enter(root);
    const work: Array<{ v: string; i: number }> = [{ v: root, i: 0 }];
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const edges = graph.edges.get(frame.v) ?? [];
      if (frame.i < edges.length) {
        const w = edges[frame.i++]!.to;
        if (!graph.nodes.has(w)) continue;
        if (!index.has(w)) {
          enter(w);
          work.push({ v: w, i: 0 });
        } else if (onStack.has(w)) {
          low.set(frame.v, Math.min(low.get(frame.v)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.v, Math.min(low.get(parent.v)!, low.get(frame.v)!));
      if (low.get(frame.v) === index.get(frame.v)) {
        const scc: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          scc.push(w);
        } while (w !== frame.v);
        result.push(scc);
      }
    }
  }
  return result;
}
