// runtime-ts against the handshake vectors (handshake.json, docs/wire.md §2): each HELLO and
// WELCOME payload decodes and re-encodes to the same bytes, each malformed one is PROTOCOL_ERROR,
// and the comparison rule of §2.2 gives every listed verdict, with its exact message.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCodeName, InteropError } from '../../runtime-ts/src/errors.js';
import { parseCompatTable, verdict } from '../../runtime-ts/src/wire/compat.js';
import { decodeHello, decodeWelcome, encodeHandshake } from '../../runtime-ts/src/wire/handshake.js';

interface Payload {
  name: string;
  kind: 'HELLO' | 'WELCOME';
  json: string;
  code?: string;
}
interface Verdict {
  name: string;
  kind: 'function' | 'event';
  module: string;
  member: string;
  ours: string | object;
  theirs: string | object;
  code: string | null;
  message: string | null;
}
const vectors = JSON.parse(readFileSync(new URL('./handshake.json', import.meta.url), 'utf8')) as {
  tables: Record<string, unknown>;
  payloads: Payload[];
  reject: Payload[];
  verdicts: Verdict[];
};

const utf8 = new TextEncoder();
const decode = (p: Payload) => (p.kind === 'HELLO' ? decodeHello : decodeWelcome)(utf8.encode(p.json));

describe('handshake vectors', () => {
  it.each(vectors.payloads.map((p) => [p.name, p] as const))('%s: decodes and re-encodes byte for byte', (_n, p) => {
    expect(new TextDecoder().decode(encodeHandshake(decode(p)))).toBe(p.json);
  });

  it.each(vectors.reject.map((p) => [p.name, p] as const))('%s: is refused', (_n, p) => {
    let error: unknown;
    try {
      decode(p);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InteropError);
    expect(errorCodeName((error as InteropError).code)).toBe(p.code);
  });

  const table = (t: string | object) => parseCompatTable(typeof t === 'string' ? vectors.tables[t] : t, 'vector');
  it.each(vectors.verdicts.map((v) => [v.name, v] as const))('%s', (_n, v) => {
    const error = verdict(v.kind, v.module, v.member, table(v.ours), table(v.theirs));
    expect(error === undefined ? null : errorCodeName(error.code)).toBe(v.code);
    expect(error === undefined ? null : error.message).toBe(v.message);
  });
});
