// The module fingerprint: "sha256:" + the hex SHA-256 of the canonical JSON of the module's
// wire-relevant form. docs/ir.md specifies the form so that any language can recompute it.
// Excluded on purpose: docs, spans, annotations, constants, defaults, version, file and import
// paths, declaration order, aliases (they are expanded where used).

import { createHash } from 'node:crypto';
import type { Field, Module, TypeDecl, TypeRef } from '../ir/types.js';

/** `u64`, `list<map<string,example.chat.Mood>>`, `optional<example.common.Time>`: no spaces. */
export function canonicalType(t: TypeRef): string {
  switch (t.kind) {
    case 'scalar':
      return t.name;
    case 'list':
      return `list<${canonicalType(t.element)}>`;
    case 'map':
      return `map<${canonicalType(t.key)},${canonicalType(t.value)}>`;
    case 'optional':
      return `optional<${canonicalType(t.inner)}>`;
    case 'ref':
      return `${t.module}.${t.name}`;
  }
}

/** JSON with object keys sorted (by code point) at every level and no whitespace. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort(compareCodePoints);
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The wire-relevant form of a module. `importFingerprints` gives the fingerprint of every module
 * this one may reference; only the ones it actually references are included.
 */
export function canonicalForm(module: Module, importFingerprints: ReadonlyMap<string, string>): object {
  const referenced = new Set<string>();
  const type = (t: TypeRef): string => {
    collectModules(t, referenced);
    return canonicalType(t);
  };
  const fields = (fs: Field[]) =>
    [...fs].sort((a, b) => a.id - b.id).map((f) => ({ id: f.id, name: f.name, type: type(f.type) }));

  const types = module.types
    .filter((d): d is Exclude<TypeDecl, { kind: 'alias' }> => d.kind !== 'alias')
    .sort((a, b) => compareCodePoints(a.name, b.name))
    .map((d) => {
      switch (d.kind) {
        case 'struct':
        case 'error':
          return { kind: d.kind, name: d.name, fields: fields(d.fields) };
        case 'enum':
          return {
            kind: d.kind,
            name: d.name,
            members: [...d.members]
              .sort((a, b) => a.value - b.value || compareCodePoints(a.name, b.name))
              .map((m) => ({ name: m.name, value: m.value })),
          };
        case 'union':
          return {
            kind: d.kind,
            name: d.name,
            cases: [...d.cases]
              .sort((a, b) => a.id - b.id)
              .map((c) => ({ id: c.id, name: c.name, type: c.type ? type(c.type) : null })),
          };
      }
    });

  const functions = [...module.functions]
    .sort((a, b) => compareCodePoints(a.name, b.name))
    .map((f) => ({
      kind: f.kind,
      name: f.name,
      params: fields(f.params),
      result: f.result ? type(f.result) : null,
      throws: f.throws.map(type).sort(compareCodePoints),
      // Only streams carry these keys, so the form of calls and oneway functions is unchanged.
      ...(f.kind === 'stream'
        ? { input: f.input ? fields([f.input])[0]! : null, output: f.output ? type(f.output) : null }
        : {}),
    }));

  const events = [...module.events]
    .sort((a, b) => compareCodePoints(a.name, b.name))
    .map((e) => ({ name: e.name, payload: e.payload ? type(e.payload) : null }));

  referenced.delete(module.name);
  const imports = [...referenced].sort(compareCodePoints).map((name) => {
    const fingerprint = importFingerprints.get(name);
    if (fingerprint === undefined) throw new Error(`fingerprint of module '${name}' is not known yet`);
    return { module: name, fingerprint };
  });

  return { module: module.name, types, functions, events, imports };
}

export function fingerprint(module: Module, importFingerprints: ReadonlyMap<string, string>): string {
  const json = canonicalJson(canonicalForm(module, importFingerprints));
  return `sha256:${createHash('sha256').update(json, 'utf8').digest('hex')}`;
}

/** Fills in `fingerprint` on modules given in topological order (imports first). */
export function assignFingerprints(modules: Module[]): void {
  const known = new Map<string, string>();
  for (const m of modules) {
    m.fingerprint = fingerprint(m, known);
    known.set(m.name, m.fingerprint);
  }
}

function collectModules(t: TypeRef, into: Set<string>): void {
  switch (t.kind) {
    case 'scalar':
      return;
    case 'list':
      return collectModules(t.element, into);
    case 'map':
      collectModules(t.key, into);
      return collectModules(t.value, into);
    case 'optional':
      return collectModules(t.inner, into);
    case 'ref':
      into.add(t.module);
  }
}

function compareCodePoints(a: string, b: string): number {
  // Identifiers are ASCII, where UTF-16 order and code point order agree.
  return a < b ? -1 : a > b ? 1 : 0;
}
