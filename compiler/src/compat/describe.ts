// The compatibility tables of docs/ir.md: every function, event and type described as member
// key → member text, split into members a peer must have and members it may lack. They encode the
// compatibility rules of docs/idl.md as data, so that a runtime decides whether a peer built from
// another version can be called (docs/wire.md §2.2) by comparing strings, and `interopc breaking`
// compares the same entries (./compare.ts). Both sides of every rule live here.

import { canonicalType } from '../frontend/fingerprint.js';
import type {
  CompatEntry,
  CompatTable,
  EventDecl,
  Field,
  FunctionDecl,
  Module,
  TypeDecl,
  TypeRef,
} from '../ir/types.js';

type NamedDecl = Exclude<TypeDecl, { kind: 'alias' }>;

/** A record without a prototype, so that a member named `__proto__` is an ordinary key. */
function record(): Record<string, string> {
  return Object.create(null) as Record<string, string>;
}

function newEntry(): CompatEntry {
  return { must: record(), may: record() };
}

/** Keys in code-point order, so every table prints the same whatever the declaration order. */
function sortedRecord(r: Record<string, string>): Record<string, string> {
  const out = record();
  for (const k of Object.keys(r).sort(compareCodePoints)) out[k] = r[k]!;
  return out;
}

function sorted(e: CompatEntry): CompatEntry {
  const out: CompatEntry = { must: sortedRecord(e.must), may: sortedRecord(e.may) };
  if (e.uses) out.uses = e.uses;
  return out;
}

/**
 * A field or parameter a reader cannot make up when it is missing: a struct or union by value
 * (docs/idl.md: a missing struct- or union-typed field that is not optional is INVALID_ARGUMENT).
 * Every other type has a default or a zero value, so a peer may lack the field.
 */
export function isRequiredType(t: TypeRef): boolean {
  return t.kind === 'ref' && (t.declKind === 'struct' || t.declKind === 'union');
}

/** `#id` → `name:type` and `.name` → `#id` for each field (or parameter). */
function addFields(entry: CompatEntry, fields: Field[]): void {
  for (const f of fields) {
    const side = isRequiredType(f.type) ? entry.must : entry.may;
    side[`#${f.id}`] = `${f.name}:${canonicalType(f.type)}`;
    side[`.${f.name}`] = `#${f.id}`;
  }
}

export function describeType(d: NamedDecl): CompatEntry {
  const entry = newEntry();
  switch (d.kind) {
    case 'struct':
    case 'error':
      addFields(entry, d.fields);
      break;
    case 'enum':
      // A reader keeps a value it does not know, so a peer may lack members; the ones both have
      // must agree on name and value both ways (msgpack sends the value, JSON the name).
      for (const m of d.members) {
        entry.may[`#${m.value}`] = m.name;
        entry.may[`.${m.name}`] = `#${m.value}`;
      }
      break;
    case 'union':
      // An unknown case is INVALID_ARGUMENT for its reader: both sides need the same cases.
      for (const c of d.cases) {
        entry.must[`#${c.id}`] = c.type ? `${c.name}:${canonicalType(c.type)}` : c.name;
        entry.must[`.${c.name}`] = `#${c.id}`;
      }
      break;
  }
  return sorted(entry);
}

export function describeFunction(f: FunctionDecl, uses: string[]): CompatEntry {
  const entry = newEntry();
  entry.must['kind'] = f.kind;
  if (f.result) entry.must['result'] = canonicalType(f.result);
  // A stream's items travel encoded as their type alone: the stream parameter's id and name are
  // not on the wire (docs/wire.md §1.5).
  if (f.input) entry.must['input'] = canonicalType(f.input.type);
  if (f.output) entry.must['output'] = canonicalType(f.output);
  addFields(entry, f.params);
  // A caller that does not know a thrown error type still gets it, as APPLICATION_ERROR with
  // the type's name: a peer may lack it.
  for (const t of f.throws) entry.may[`!${canonicalType(t)}`] = canonicalType(t);
  return sorted({ ...entry, uses });
}

export function describeEvent(e: EventDecl, uses: string[]): CompatEntry {
  const entry = newEntry();
  if (e.payload) entry.must['payload'] = canonicalType(e.payload);
  return sorted({ ...entry, uses });
}

/** Declarations by qualified name, over every module of a bundle. */
function declIndex(modules: readonly Module[]): Map<string, NamedDecl> {
  const index = new Map<string, NamedDecl>();
  for (const m of modules) for (const d of m.types) if (d.kind !== 'alias') index.set(`${m.name}.${d.name}`, d);
  return index;
}

/** The qualified names of every declared type reachable from `roots`, sorted. An explicit stack,
 * not recursion: a chain of thousands of structs (each holding the next) must not overflow. */
function typesUsed(roots: readonly TypeRef[], index: ReadonlyMap<string, NamedDecl>): string[] {
  const seen = new Set<string>();
  const todo: TypeRef[] = [...roots];
  for (let t = todo.pop(); t !== undefined; t = todo.pop()) {
    switch (t.kind) {
      case 'scalar':
        break;
      case 'list':
        todo.push(t.element);
        break;
      case 'map':
        todo.push(t.key, t.value);
        break;
      case 'optional':
        todo.push(t.inner);
        break;
      case 'ref': {
        const name = `${t.module}.${t.name}`;
        if (seen.has(name)) break;
        seen.add(name);
        const d = index.get(name);
        if (d === undefined) throw new Error(`type '${name}' is not in the bundle`);
        if (d.kind === 'struct' || d.kind === 'error') for (const f of d.fields) todo.push(f.type);
        if (d.kind === 'union') for (const c of d.cases) if (c.type) todo.push(c.type);
      }
    }
  }
  return [...seen].sort(compareCodePoints);
}

function functionRoots(f: FunctionDecl): TypeRef[] {
  return [
    ...f.params.map((p) => p.type),
    ...(f.result ? [f.result] : []),
    ...(f.input ? [f.input.type] : []),
    ...(f.output ? [f.output] : []),
    ...f.throws,
  ];
}

function eventRoots(e: EventDecl): TypeRef[] {
  return e.payload ? [e.payload] : [];
}

/** The compatibility table of `module`; `index` must hold every type of the bundle. */
function compatTable(module: Module, index: ReadonlyMap<string, NamedDecl>): CompatTable {
  const functions: CompatTable['functions'] = Object.create(null);
  const events: CompatTable['events'] = Object.create(null);
  const used = new Set<string>();
  for (const f of [...module.functions].sort((a, b) => compareCodePoints(a.name, b.name))) {
    const uses = typesUsed(functionRoots(f), index);
    uses.forEach((u) => used.add(u));
    functions[f.name] = describeFunction(f, uses);
  }
  for (const e of [...module.events].sort((a, b) => compareCodePoints(a.name, b.name))) {
    const uses = typesUsed(eventRoots(e), index);
    uses.forEach((u) => used.add(u));
    events[e.name] = describeEvent(e, uses);
  }
  const types: CompatTable['types'] = Object.create(null);
  for (const name of [...used].sort(compareCodePoints)) types[name] = describeType(index.get(name)!);
  return { functions, events, types };
}

/** Fills in `compat` on every module of a bundle. */
export function assignCompat(modules: Module[]): void {
  const index = declIndex(modules);
  for (const m of modules) m.compat = compatTable(m, index);
}

export function compareCodePoints(a: string, b: string): number {
  // Names are ASCII, where UTF-16 order and code point order agree.
  return a < b ? -1 : a > b ? 1 : 0;
}
