// Mixed versions (docs/wire.md §2.2): the compatibility tables peers exchange in the handshake,
// and the rule that decides, per function and event, whether this side can use the peer's
// version of a module. The tables are computed by the compiler into the IR (docs/ir.md); this
// file only checks their shape and compares strings.

import { compareUtf8 } from '../codec/utf8.js';
import { ErrorCode, InteropError } from '../errors.js';

export interface CompatEntry {
  must: Record<string, string>;
  may: Record<string, string>;
  /** Functions and events: the qualified names of the types they use. */
  uses?: string[];
}

export interface CompatTable {
  functions: Record<string, CompatEntry>;
  events: Record<string, CompatEntry>;
  types: Record<string, CompatEntry>;
}

const has = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function protocolError(message: string): InteropError {
  return new InteropError(ErrorCode.PROTOCOL_ERROR, message);
}

function texts(value: unknown, where: string): Record<string, string> {
  if (!isObject(value)) throw protocolError(`${where}: expected an object of strings`);
  for (const [k, v] of Object.entries(value)) if (typeof v !== 'string') throw protocolError(`${where}.${k}: expected a string`);
  return value as Record<string, string>;
}

function entry(value: unknown, where: string, withUses: boolean): CompatEntry {
  if (!isObject(value)) throw protocolError(`${where}: expected an object`);
  const out: CompatEntry = { must: texts(value['must'], `${where}.must`), may: texts(value['may'], `${where}.may`) };
  if (withUses) {
    const uses = value['uses'];
    if (!Array.isArray(uses) || !uses.every((u) => typeof u === 'string')) throw protocolError(`${where}.uses: expected an array of strings`);
    out.uses = uses as string[];
  }
  return out;
}

function entries(value: unknown, where: string, withUses: boolean): Record<string, CompatEntry> {
  if (!isObject(value)) throw protocolError(`${where}: expected an object`);
  const out = Object.create(null) as Record<string, CompatEntry>;
  for (const [k, v] of Object.entries(value)) out[k] = entry(v, `${where}.${k}`, withUses);
  return out;
}

/** Checks a table received from a peer: PROTOCOL_ERROR when its shape is wrong. */
export function parseCompatTable(value: unknown, where: string): CompatTable {
  if (!isObject(value)) throw protocolError(`${where}: expected an object`);
  const table: CompatTable = {
    functions: entries(value['functions'], `${where}.functions`, true),
    events: entries(value['events'], `${where}.events`, true),
    types: entries(value['types'], `${where}.types`, false),
  };
  for (const [kind, group] of [['functions', table.functions], ['events', table.events]] as const) {
    for (const [name, e] of Object.entries(group)) {
      for (const t of e.uses!) if (!has(table.types, t)) throw protocolError(`${where}.${kind}.${name}.uses: type ${t} is not in types`);
    }
  }
  return table;
}

/** The compatibility table a descriptor's IR carries, if any (hand-made descriptors have none). */
export function compatOf(ir: unknown): CompatTable | undefined {
  return isObject(ir) && isObject(ir['compat']) ? (ir['compat'] as unknown as CompatTable) : undefined;
}

const quoted = (text: string | undefined): string => (text === undefined ? 'absent' : JSON.stringify(text));

function textOf(e: CompatEntry, key: string): string | undefined {
  if (has(e.must, key)) return e.must[key];
  return has(e.may, key) ? e.may[key] : undefined;
}

/**
 * The first member, in code-point order of the keys (which UTF-8 byte order is), on which two entries disagree: a key both
 * have with different texts, or a key only one has in its `must`. Undefined when compatible.
 */
export function firstDifference(ours: CompatEntry, theirs: CompatEntry): string | undefined {
  const keys = new Set([...Object.keys(ours.must), ...Object.keys(ours.may), ...Object.keys(theirs.must), ...Object.keys(theirs.may)]);
  for (const key of [...keys].sort(compareUtf8)) {
    const a = textOf(ours, key);
    const b = textOf(theirs, key);
    const differs = a !== undefined && b !== undefined ? a !== b : a !== undefined ? has(ours.must, key) : has(theirs.must, key);
    if (differs) return `${key} is ${quoted(a)} here, ${quoted(b)} on the peer`;
  }
  return undefined;
}

/**
 * Whether this side can call function (or subscribe to event) `name` of `module` on a peer whose
 * version of the module differs: undefined when it can, else the error the call fails with
 * (UNIMPLEMENTED for a function the peer lacks, NOT_FOUND for an event, SCHEMA_MISMATCH naming
 * the first declaration that differs). The messages are the same in every runtime.
 */
export function verdict(kind: 'function' | 'event', module: string, name: string, ours: CompatTable, theirs: CompatTable): InteropError | undefined {
  const group = kind === 'function' ? 'functions' : 'events';
  const what = `${module}.${name}`;
  if (!has(theirs[group], name)) {
    const code = kind === 'function' ? ErrorCode.UNIMPLEMENTED : ErrorCode.NOT_FOUND;
    return new InteropError(code, `${what}: the peer's version of ${module} has no ${kind} ${name}`);
  }
  if (!has(ours[group], name)) return new InteropError(ErrorCode.SCHEMA_MISMATCH, `${what}: not in this side's compatibility table`);
  const mine = ours[group][name]!;
  const peer = theirs[group][name]!;
  const mismatch = (decl: string, difference: string) =>
    new InteropError(ErrorCode.SCHEMA_MISMATCH, `${what}: incompatible with the peer's version: ${decl} ${difference}`);
  const own = firstDifference(mine, peer);
  if (own !== undefined) return mismatch(what, own);
  const theirUses = new Set(peer.uses ?? []);
  for (const t of [...(mine.uses ?? [])].sort(compareUtf8)) {
    if (!theirUses.has(t) || !has(ours.types, t)) continue;
    const difference = firstDifference(ours.types[t]!, theirs.types[t]!);
    if (difference !== undefined) return mismatch(t, difference);
  }
  return undefined;
}
