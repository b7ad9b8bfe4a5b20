// The error envelope of docs/wire.md §4: {1 code u32, 2 message string, 3 type?, 4 detail?}.
// `detail` is the declared error value encoded by the error type's own codec, nested in the
// envelope (not as bytes): the encoder splices its bytes in, the decoder returns its raw span.

import type { CodecName } from '../module.js';
import { JsonScanner, invalid, jsonString } from './json-scan.js';
import { MsgpackReader, MsgpackWriter } from './msgpack-scan.js';

export interface ErrorEnvelope {
  code: number;
  message: string;
  /** Qualified error type name, for APPLICATION_ERROR. */
  type?: string;
  /** The declared error value, already encoded in the envelope's codec. */
  detail?: Uint8Array;
}

const utf8 = new TextEncoder();

export function encodeEnvelope(env: ErrorEnvelope, codec: CodecName): Uint8Array {
  const code = env.code >>> 0;
  if (codec === 'json') {
    let head = `{"code":${code},"message":${jsonString(env.message)}`;
    if (env.type !== undefined) head += `,"type":${jsonString(env.type)}`;
    if (env.detail === undefined) return utf8.encode(head + '}');
    const a = utf8.encode(head + ',"detail":');
    const out = new Uint8Array(a.length + env.detail.length + 1);
    out.set(a, 0);
    out.set(env.detail, a.length);
    out[out.length - 1] = 0x7d; // '}'
    return out;
  }
  const w = new MsgpackWriter();
  w.mapHeader(2 + (env.type !== undefined ? 1 : 0) + (env.detail !== undefined ? 1 : 0));
  w.uint(1).uint(code).uint(2).str(env.message);
  if (env.type !== undefined) w.uint(3).str(env.type);
  if (env.detail !== undefined) w.uint(4).raw(env.detail);
  return w.finish();
}

/** Decodes an envelope; unknown fields are skipped (within max_depth), missing ones take zero values. */
export function decodeEnvelope(bytes: Uint8Array, codec: CodecName, maxDepth: number): ErrorEnvelope {
  const env: ErrorEnvelope = { code: 0, message: '' };
  if (codec === 'json') {
    const s = new JsonScanner(bytes, maxDepth);
    s.object(1, (key) => {
      if (key === 'code') env.code = s.u32();
      else if (key === 'message') env.message = s.string();
      else if (key === 'type') {
        if (s.peek() === 0x6e) s.skipValue(1); // null: absent
        else env.type = s.string();
      } else if (key === 'detail') {
        const raw = s.skipValue(1);
        if (!(raw.length === 4 && raw[0] === 0x6e)) env.detail = raw;
      } else s.skipValue(1);
    });
    s.end();
    return env;
  }
  const r = new MsgpackReader(bytes, maxDepth);
  const n = r.mapHeader(1);
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    const id = r.uint();
    if (seen.has(id)) throw invalid(`error envelope: duplicate field ${id}`);
    seen.add(id);
    if (id === 1) {
      const code = r.uint();
      if (code > 0xffff_ffff) throw invalid('error envelope: code is not a u32');
      env.code = code;
    } else if (id === 2) env.message = r.str();
    else if (id === 3) {
      if (r.isNil()) r.skip(1);
      else env.type = r.str();
    } else if (id === 4) {
      const raw = r.skip(1);
      if (!(raw.length === 1 && raw[0] === 0xc0)) env.detail = raw;
    } else r.skip(1);
  }
  r.end();
  return env;
}
