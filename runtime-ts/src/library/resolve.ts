// Version resolution: from the ranges an application config and its packages ask for, one version
// of each module, with an artifact for the language of the node that will host it and for this
// platform. Highest satisfying version first; the constraints are recomputed from the versions
// chosen so far until nothing changes, so a dependency that appears (or disappears) with a newer
// version is taken into account. A cycle in `depends` (two modules that call each other, as
// greenhouse.climate and greenhouse.advisor do) is allowed: each module is chosen once.

import semver from 'semver';
import { LibraryError } from './errors.js';
import type { ArtifactEntry, Release } from './library-index.js';
import { platformMatches, type PackageLanguage } from './package-meta.js';

export interface Requirement {
  module: string;
  range: string;
  /** Who asks, in words: `app.json` or `greenhouse.climate 1.0.0`. */
  from: string;
}

/** What one place (a library, the cache, the lockfile) offers for a module. */
export interface Available {
  /** Where the releases come from, for messages and the lockfile. */
  source: string;
  releases: Map<string, Release>;
}

/** A module not taken from a library: a local package folder (version known) or a program's own. */
export interface Fixed {
  version?: string;
  language: PackageLanguage;
  dependencies: Record<string, string>;
  what: string;
}

export interface ResolveInput {
  roots: Requirement[];
  fixed: Map<string, Fixed>;
  /** The language of the node configured to host `module`, if any node is. */
  hostLanguage(module: string): PackageLanguage | undefined;
  platform: string;
  available(module: string): Promise<Available>;
}

export interface Chosen {
  name: string;
  version: string;
  language: PackageLanguage;
  platform: string;
  artifact: ArtifactEntry;
  dependencies: Record<string, string>;
  source: string;
  /** The modules that depend on this one (empty for a module only the config names). */
  dependents: string[];
}

interface Constraint {
  range: string;
  from: string;
  /** The module that depends, for a dependency; absent for the config's own ranges. */
  dependent?: string;
}

const MAX_ROUNDS = 50;

export async function resolve(input: ResolveInput): Promise<Map<string, Chosen>> {
  let chosen = new Map<string, Chosen>();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const constraints = collect(input, chosen);
    const next = new Map<string, Chosen>();
    for (const [module, list] of [...constraints].sort(([a], [b]) => a.localeCompare(b))) {
      const fixed = input.fixed.get(module);
      if (fixed) {
        checkFixed(module, fixed, list);
        continue;
      }
      const language = languageOf(module, list, input, chosen);
      next.set(module, pick(module, list, language, input.platform, await availableFor(input, module, list)));
    }
    if (same(chosen, next)) return next;
    chosen = next;
  }
  throw new LibraryError(`version resolution did not settle after ${MAX_ROUNDS} rounds: the dependency ranges keep pulling versions back and forth (${[...chosen.keys()].join(', ')})`);
}

function collect(input: ResolveInput, chosen: Map<string, Chosen>): Map<string, Constraint[]> {
  const out = new Map<string, Constraint[]>();
  const add = (module: string, c: Constraint): void => void (out.get(module) ?? out.set(module, []).get(module)!).push(c);
  for (const r of input.roots) add(r.module, { range: r.range, from: r.from });
  for (const [name, f] of input.fixed) for (const [dep, range] of Object.entries(f.dependencies)) add(dep, { range, from: f.what, dependent: name });
  for (const c of chosen.values()) for (const [dep, range] of Object.entries(c.dependencies)) add(dep, { range, from: `${c.name} ${c.version}`, dependent: c.name });
  return out;
}

/** The configured host's language; for a dependency no node hosts, its (first) dependent's. */
function languageOf(module: string, list: Constraint[], input: ResolveInput, chosen: Map<string, Chosen>): PackageLanguage {
  const configured = input.hostLanguage(module);
  if (configured) return configured;
  for (const c of [...list].sort((a, b) => (a.dependent ?? '').localeCompare(b.dependent ?? ''))) {
    if (c.dependent === undefined) continue;
    const lang = input.fixed.get(c.dependent)?.language ?? chosen.get(c.dependent)?.language;
    if (lang) return lang;
  }
  throw new LibraryError(`${module}: no node hosts it and nothing that depends on it is placed yet; add it to a node's "modules"`);
}

function checkFixed(module: string, fixed: Fixed, list: Constraint[]): void {
  if (fixed.version === undefined) return; // built into a program: its version is not ours to know
  const bad = list.filter((c) => !semver.satisfies(fixed.version!, c.range));
  if (bad.length > 0) {
    throw new LibraryError(`${module}: ${fixed.what} is version ${fixed.version}, which does not satisfy ${describe(bad)}`);
  }
}

function pick(module: string, list: Constraint[], language: PackageLanguage, platform: string, available: Available): Chosen {
  const versions = [...available.releases.keys()].filter((v) => semver.valid(v)).sort(semver.rcompare);
  const satisfying = versions.filter((v) => list.every((c) => semver.satisfies(v, c.range)));
  if (satisfying.length === 0) {
    const offered = versions.length > 0 ? `${available.source} has ${versions.slice(0, 10).join(', ')}${versions.length > 10 ? ', …' : ''}` : `${available.source} has no version of it`;
    throw new LibraryError(`${module}: no version satisfies ${describe(list)}; ${offered}`);
  }
  for (const version of satisfying) {
    const release = available.releases.get(version)!;
    const artifact = release.artifacts.find((a) => a.language === language && platformMatches(a.platform, platform));
    if (!artifact) continue;
    return {
      name: module,
      version,
      language,
      platform: artifact.platform,
      artifact,
      dependencies: release.dependencies,
      source: available.source,
      dependents: [...new Set(list.flatMap((c) => (c.dependent ? [c.dependent] : [])))].sort(),
    };
  }
  const best = available.releases.get(satisfying[0]!)!;
  const has = best.artifacts.map((a) => `${a.language} ${a.platform}`).join(', ');
  throw new LibraryError(
    `${module}: no artifact for ${language} on ${platform} in any version that satisfies ${describe(list)}; ${satisfying[0]} has ${has} (${available.source}). ` +
      `Publish one built for ${platform}, or host ${module} on a node of another language or machine.`,
  );
}

async function availableFor(input: ResolveInput, module: string, list: Constraint[]): Promise<Available> {
  try {
    return await input.available(module);
  } catch (err) {
    if (err instanceof LibraryError) err.message += `\n  (wanted: ${describe(list)})`;
    throw err;
  }
}

function describe(list: Constraint[]): string {
  return list.map((c) => `"${c.range}" (${c.from})`).join(' and ');
}

function same(a: Map<string, Chosen>, b: Map<string, Chosen>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (!w || w.version !== v.version || w.artifact.sha256 !== v.artifact.sha256) return false;
  }
  return true;
}
