// Every target the CLI knows, by --lang id. A language issue plugs its target in here.

import type { Target } from './target.js';

const targets = new Map<string, Target>();

export function registerTarget(target: Target): void {
  if (targets.has(target.id)) throw new Error(`target '${target.id}' registered twice`);
  targets.set(target.id, target);
}

export function findTarget(id: string): Target | undefined {
  return targets.get(id);
}

export function listTargets(): Target[] {
  return [...targets.values()].sort((a, b) => a.id.localeCompare(b.id));
}
