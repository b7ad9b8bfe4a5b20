// HELLO / WELCOME payloads (docs/wire.md §2): canonical JSON objects, and the checks both sides
// run on them before any call is made.

import { ErrorCode, InteropError } from '../errors.js';
import type { CodecName } from '../module.js';
import { canonicalJson } from './canonical-json.js';
import { parseCompatTable, type CompatTable } from './compat.js';

export const PROTOCOL_VERSIONS: readonly number[] = [1];

export interface Hello {
  codecs: CodecName[];
  /** Module name → compatibility table (docs/wire.md §2.2), for every offered module that has one. */
  compat: Record<string, CompatTable>;
  node: string;
  /** Module name → fingerprint, for the modules this side serves on the connection. */
  offers: Record<string, string>;
  protocol: number[];
  token?: string;
  /** Module name → fingerprint, for the modules this side will call. */
  wants: Record<string, string>;
}

export interface Welcome {
  codecs: CodecName[];
  /** Tables of the offered modules that HELLO wants with a different fingerprint. */
  compat: Record<string, CompatTable>;
  node: string;
  offers: Record<string, string>;
  protocol: number;
  wants: Record<string, string>;
}

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function encodeHandshake(payload: Hello | Welcome): Uint8Array {
  return utf8.encode(canonicalJson(payload));
}

function protocolError(message: string): InteropError {
  return new InteropError(ErrorCode.PROTOCOL_ERROR, message);
}

function parseObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(strictUtf8.decode(bytes));
  } catch {
    throw protocolError(`${what}: payload is not JSON`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw protocolError(`${what}: payload is not a JSON object`);
  return doc as Record<string, unknown>;
}

function stringMap(value: unknown, field: string): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw protocolError(`${field}: expected an object`);
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw protocolError(`${field}.${k}: expected a fingerprint string`);
    out[k] = v;
  }
  return out;
}

function compatTables(value: unknown, field: string): Record<string, CompatTable> {
  if (value === undefined) return Object.create(null) as Record<string, CompatTable>;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw protocolError(`${field}: expected an object`);
  const out = Object.create(null) as Record<string, CompatTable>;
  for (const [k, v] of Object.entries(value)) out[k] = parseCompatTable(v, `${field}.${k}`);
  return out;
}

function codecList(value: unknown, field: string): CodecName[] {
  if (!Array.isArray(value)) throw protocolError(`${field}: expected an array of codec names`);
  // Names this runtime does not know are ignored: a newer peer may list more codecs.
  return value.filter((c): c is CodecName => c === 'json' || c === 'msgpack' || c === 'protobuf' || c === 'flatbuffers');
}

export function decodeHello(bytes: Uint8Array): Hello {
  const o = parseObject(bytes, 'HELLO');
  const protocol = o['protocol'];
  if (!Array.isArray(protocol) || !protocol.every((v) => Number.isInteger(v))) throw protocolError('HELLO.protocol: expected an array of integers');
  if (o['token'] !== undefined && typeof o['token'] !== 'string') throw protocolError('HELLO.token: expected a string');
  const hello: Hello = {
    codecs: codecList(o['codecs'], 'HELLO.codecs'),
    compat: compatTables(o['compat'], 'HELLO.compat'),
    node: typeof o['node'] === 'string' ? o['node'] : '',
    offers: stringMap(o['offers'], 'HELLO.offers'),
    protocol: protocol as number[],
    wants: stringMap(o['wants'], 'HELLO.wants'),
  };
  if (typeof o['token'] === 'string') hello.token = o['token'];
  return hello;
}

export function decodeWelcome(bytes: Uint8Array): Welcome {
  const o = parseObject(bytes, 'WELCOME');
  if (!Number.isInteger(o['protocol'])) throw protocolError('WELCOME.protocol: expected an integer');
  return {
    codecs: codecList(o['codecs'], 'WELCOME.codecs'),
    compat: compatTables(o['compat'], 'WELCOME.compat'),
    node: typeof o['node'] === 'string' ? o['node'] : '',
    offers: stringMap(o['offers'], 'WELCOME.offers'),
    protocol: o['protocol'] as number,
    wants: stringMap(o['wants'], 'WELCOME.wants'),
  };
}

/** The highest version both sides speak, or undefined. */
export function chooseProtocol(offered: readonly number[], supported: readonly number[] = PROTOCOL_VERSIONS): number | undefined {
  const common = offered.filter((v) => supported.includes(v));
  return common.length === 0 ? undefined : Math.max(...common);
}

/** The reserved control module needs no fingerprint and is always offered (docs/wire.md §7). */
export const CONTROL_MODULE = 'interop.control';

/** Added to NOT_FOUND when a module is wanted on a control endpoint (the same words in every runtime). */
export const CONTROL_ENDPOINT_HINT =
  'this is a control endpoint, which serves only interop.control (manifest, health); call the node at one of its data endpoints (the "listen" addresses of its config)';

/**
 * Checks a peer's `wants` against our `offers`: a wanted module not offered is NOT_FOUND, the
 * error to send. A different fingerprint is no refusal: each call is judged on its own with the
 * compatibility tables (docs/wire.md §2.2).
 */
export function checkWants(wants: Record<string, string>, offers: Record<string, string>): InteropError | undefined {
  for (const name of Object.keys(wants)) {
    if (name === CONTROL_MODULE || Object.prototype.hasOwnProperty.call(offers, name)) continue;
    return new InteropError(ErrorCode.NOT_FOUND, `module ${name} is not offered on this connection`);
  }
  return undefined;
}

/** The modules of `offers` whose tables a WELCOME carries: wanted with a different fingerprint. */
export function differingWants(wants: Record<string, string>, offers: Record<string, string>): string[] {
  return Object.keys(wants).filter((name) => Object.prototype.hasOwnProperty.call(offers, name) && offers[name] !== wants[name]);
}
