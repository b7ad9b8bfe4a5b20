// The two versions `interopc breaking` compares, each given as a .interop file (with its
// imports), a manifest (the bundle `interopc manifest` prints, or the document `interop inspect
// --json` prints), or a file at a git revision: `git:REV:PATH`, or `git:REV` for the other
// version's path at REV. Imports of a git version are read from the same revision.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { compile } from '../frontend/compile.js';
import type { Diagnostic } from '../frontend/diagnostic.js';
import type { Bundle, Span } from '../ir/types.js';
import type { Version } from './breaking.js';

/** A version that cannot be read: `usage` for a bad spec, else an I/O problem. */
export class InputError extends Error {
  constructor(
    message: string,
    readonly usage = false,
  ) {
    super(message);
  }
}

export interface LoadedVersion {
  /** Absent when the version has errors (in `diagnostics`). */
  version?: Version;
  diagnostics: Diagnostic[];
  /** Source texts by shown file name, for the carets. */
  sources: Map<string, string>;
}

/** The path a `git:REV` spec stands for when `spec` is the other version: its .interop path. */
export function sourcePathOf(spec: string): string | undefined {
  if (spec.endsWith('.json')) return undefined;
  if (!spec.startsWith('git:')) return spec;
  const rest = spec.slice('git:'.length);
  return rest.includes(':') ? rest.slice(rest.indexOf(':') + 1) : undefined;
}

export function loadVersion(spec: string, include: string[], otherPath: string | undefined): LoadedVersion {
  if (spec.startsWith('git:')) {
    const rest = spec.slice('git:'.length);
    const colon = rest.indexOf(':');
    const rev = colon < 0 ? rest : rest.slice(0, colon);
    const file = colon < 0 ? otherPath : rest.slice(colon + 1);
    if (rev === '' || file === undefined || file === '') {
      throw new InputError(`'${spec}': write git:REV:PATH, or git:REV when the other version names a .interop file`, true);
    }
    return compiled(file, include, gitReader(rev), (name) => `git:${rev}:${name}`);
  }
  if (spec.endsWith('.json')) return manifest(spec);
  return compiled(spec, include, undefined, (name) => name);
}

function compiled(file: string, include: string[], readFile: ((p: string) => string | undefined) | undefined, show: (name: string) => string): LoadedVersion {
  const r = compile([file], { includeDirs: include, ...(readFile ? { readFile } : {}) });
  const relabel = (s: Span): Span => ({ ...s, file: show(s.file) });
  const sources = new Map([...r.sources].map(([name, text]) => [show(name), text]));
  const diagnostics = r.diagnostics.map((d) => ({ ...d, span: relabel(d.span), ...(d.related ? { related: d.related.map((x) => ({ ...x, span: relabel(x.span) })) } : {}) }));
  if (!r.bundle) {
    if (diagnostics.some((d) => d.code === 'E0200')) throw new InputError(`cannot read '${show(path.normalize(file))}'`);
    return { diagnostics, sources };
  }
  return { version: { bundle: r.bundle, file: show }, diagnostics, sources };
}

/** Reads files as they are at `rev`, paths relative to the working directory as usual. */
function gitReader(rev: string): (p: string) => string | undefined {
  const git = (args: string[], cwd?: string) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}), maxBuffer: 1 << 28 });
  let top: string;
  try {
    top = git(['rev-parse', '--show-toplevel']).trim();
  } catch {
    throw new InputError(`git:${rev}: not inside a git repository`);
  }
  try {
    git(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
  } catch {
    throw new InputError(`git:${rev}: no such revision`);
  }
  return (p) => {
    const rel = path.relative(top, path.resolve(p));
    if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
    try {
      return git(['show', `${rev}:${rel.split(path.sep).join('/')}`], top);
    } catch {
      return undefined;
    }
  };
}

function manifest(file: string): LoadedVersion {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`cannot read the manifest '${file}': ${(e as Error).message}`);
  }
  const bundle = (isObject(doc) && isObject(doc['bundle']) ? doc['bundle'] : doc) as Partial<Bundle>;
  const ok =
    isObject(bundle) && bundle.irVersion === 1 && Array.isArray(bundle.roots) && Array.isArray(bundle.modules) &&
    bundle.modules.every((m) => isObject(m) && typeof m.name === 'string' && Array.isArray(m.types) && Array.isArray(m.functions) && Array.isArray(m.events));
  if (!ok) {
    throw new InputError(`'${file}' is not a manifest: expected the bundle \`interopc manifest\` prints (irVersion 1) or the document \`interop inspect --json\` prints`);
  }
  return { version: { bundle: bundle as Bundle, file: (name) => `${file}:${name}` }, diagnostics: [], sources: new Map() };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
