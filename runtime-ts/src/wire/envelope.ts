// The error envelope of docs/wire.md §4: {1 code u32, 2 message string, 3 type?, 4 detail?}.
// `detail` is the declared error value encoded by the error type's own codec, nested in the
// envelope (not as bytes): the encoder splices its bytes in, the decoder returns its raw span.
// In protobuf the envelope is the message interop.ErrorEnvelope (docs/wire.md §4) and `detail` the
// error's message as field 4 (length-delimited: a nested message and bytes share one encoding).
// In flatbuffers it is the table interop.ErrorEnvelope (§3.6) and `detail` the error's own
// FlatBuffer, in a vector placed as one of 8-byte scalars so that it is 8-aligned.
// The message is text for people: a lone surrogate in it is written as U+FFFD, never refused.

import { decodeFlatbuffersWith, encodeFlatbuffersWith, encodeJsonWith, encodeMsgpackWith, encodeProtobufWith } from '../codec/define.js';
import type { FlatbuffersReader } from '../codec/flatbuffers-reader.js';
import type { FlatbuffersWriter } from '../codec/flatbuffers-writer.js';
import { duplicate } from '../codec/errors.js';
import { JsonReader } from '../codec/json-reader.js';
import { jsonKey, type JsonWriter } from '../codec/json-writer.js';
import { MsgpackReader } from '../codec/msgpack-reader.js';
import type { MsgpackWriter } from '../codec/msgpack-writer.js';
import { ProtobufReader } from '../codec/protobuf-reader.js';
import type { ProtobufWriter } from '../codec/protobuf-writer.js';
import { wellFormed } from '../codec/utf8.js';
import type { CodecName } from '../module.js';

export interface ErrorEnvelope {
  code: number;
  message: string;
  /** Qualified error type name, for APPLICATION_ERROR. */
  type?: string;
  /** The declared error value, already encoded in the envelope's codec. */
  detail?: Uint8Array;
}

const KEY_CODE = jsonKey('code');
const KEY_MESSAGE = jsonKey('message');
const KEY_TYPE = jsonKey('type');
const KEY_DETAIL = jsonKey('detail');

function writeJson(w: JsonWriter, env: ErrorEnvelope): void {
  w.beginObject();
  w.key(KEY_CODE);
  w.u32(env.code >>> 0);
  w.key(KEY_MESSAGE);
  w.string(wellFormed(env.message));
  if (env.type !== undefined) {
    w.key(KEY_TYPE);
    w.string(wellFormed(env.type));
  }
  if (env.detail !== undefined) {
    w.key(KEY_DETAIL);
    w.rawValue(env.detail);
  }
  w.endObject();
}

function writeMsgpack(w: MsgpackWriter, env: ErrorEnvelope): void {
  w.mapHeader(2 + (env.type !== undefined ? 1 : 0) + (env.detail !== undefined ? 1 : 0));
  w.u32(1);
  w.u32(env.code >>> 0);
  w.u32(2);
  w.string(wellFormed(env.message));
  if (env.type !== undefined) {
    w.u32(3);
    w.string(wellFormed(env.type));
  }
  if (env.detail !== undefined) {
    w.u32(4);
    w.raw(env.detail);
  }
}

// Keys (field number << 3 | wire type): code varint, message, type and detail length-delimited.
const PB_CODE = (1 << 3) | 0;
const PB_MESSAGE = (2 << 3) | 2;
const PB_TYPE = (3 << 3) | 2;
const PB_DETAIL = (4 << 3) | 2;

function writeProtobuf(w: ProtobufWriter, env: ErrorEnvelope): void {
  w.key(PB_CODE);
  w.u32(env.code >>> 0);
  w.key(PB_MESSAGE);
  w.string(wellFormed(env.message));
  if (env.type !== undefined) {
    w.key(PB_TYPE);
    w.string(wellFormed(env.type));
  }
  if (env.detail !== undefined) {
    w.key(PB_DETAIL);
    w.varint(env.detail.length);
    w.raw(env.detail);
  }
}

function writeFlatbuffers(w: FlatbuffersWriter, env: ErrorEnvelope): number {
  // Slots: code (uint), message, type, detail (uoffsets).
  w.has(0, 4);
  w.has(1, 4);
  if (env.type !== undefined) w.has(2, 4);
  if (env.detail !== undefined) w.has(3, 4);
  const t = w.table();
  w.u32(env.code >>> 0);
  const message = w.slot();
  const type = env.type !== undefined ? w.slot() : -1;
  const detail = env.detail !== undefined ? w.slot() : -1;
  w.patch(message, w.string(wellFormed(env.message)));
  if (env.type !== undefined) w.patch(type, w.string(wellFormed(env.type)));
  if (env.detail !== undefined) {
    w.patch(detail, w.vector(env.detail.length, 8));
    w.raw(env.detail);
  }
  return t;
}

function readFlatbuffers(r: FlatbuffersReader, t: number): ErrorEnvelope {
  r.enter(t);
  const code = r.field(t, 0, 4);
  const message = r.field(t, 1, 4);
  const type = r.field(t, 2, 4);
  const detail = r.field(t, 3, 4);
  const env: ErrorEnvelope = { code: code < 0 ? 0 : r.u32(code), message: message < 0 ? '' : r.string(r.deref(message)) };
  if (type >= 0) env.type = r.string(r.deref(type));
  if (detail >= 0) env.detail = r.bytes(r.deref(detail));
  r.leave();
  return env;
}

export function encodeEnvelope(env: ErrorEnvelope, codec: CodecName): Uint8Array {
  if (codec === 'json') return encodeJsonWith(writeJson, env);
  if (codec === 'flatbuffers') return encodeFlatbuffersWith(writeFlatbuffers, env);
  return codec === 'protobuf' ? encodeProtobufWith(writeProtobuf, env) : encodeMsgpackWith(writeMsgpack, env);
}

function decodeProtobuf(bytes: Uint8Array, maxDepth: number): ErrorEnvelope {
  const env: ErrorEnvelope = { code: 0, message: '' };
  const r = new ProtobufReader(bytes, { maxDepth });
  const seen = new Set<number>();
  for (let n = r.field(); n !== 0; n = r.field()) {
    if (n > 4) {
      r.skip();
      continue;
    }
    if (seen.has(n)) throw duplicate(`field ${n}`);
    seen.add(n);
    r.expect(n === 1 ? 0 : 2);
    if (n === 1) env.code = r.uint(0xffff_ffff, 'u32');
    else if (n === 2) env.message = r.string();
    else if (n === 3) env.type = r.string();
    else env.detail = r.bytes();
  }
  return env;
}

/**
 * Decodes an envelope; unknown fields are skipped (checked as any skipped value, within max_depth),
 * missing ones take zero values, a field given twice is INVALID_ARGUMENT.
 */
export function decodeEnvelope(bytes: Uint8Array, codec: CodecName, maxDepth: number): ErrorEnvelope {
  if (codec === 'protobuf') return decodeProtobuf(bytes, maxDepth);
  if (codec === 'flatbuffers') return decodeFlatbuffersWith(readFlatbuffers, bytes, { maxDepth });
  const env: ErrorEnvelope = { code: 0, message: '' };
  const limits = { maxDepth };
  if (codec === 'json') {
    const r = new JsonReader(bytes, limits);
    const seen = new Set<string>();
    r.beginObject();
    for (let key = r.nextKey(); key !== undefined; key = r.nextKey()) {
      if (seen.has(key)) throw duplicate(`key ${JSON.stringify(key)}`);
      seen.add(key);
      if (key === 'code') env.code = r.int(0, 0xffff_ffff, 'u32');
      else if (key === 'message') env.message = r.string();
      else if (key === 'type') {
        if (!r.tryNull()) env.type = r.string(); // null: absent
      } else if (key === 'detail') {
        const raw = r.skipRaw();
        if (!(raw.length === 4 && raw[0] === 0x6e)) env.detail = raw;
      } else r.skip();
    }
    r.finish();
    return env;
  }
  const r = new MsgpackReader(bytes, limits);
  const n = r.mapHeader();
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    const id = r.fieldId();
    if (seen.has(id)) throw duplicate(`field id ${id}`);
    seen.add(id);
    if (id === 1) env.code = r.int(0, 0xffff_ffff, 'u32');
    else if (id === 2) env.message = r.string();
    else if (id === 3) {
      if (!r.tryNil()) env.type = r.string(); // nil: absent
    } else if (id === 4) {
      const raw = r.skipRaw();
      if (!(raw.length === 1 && raw[0] === 0xc0)) env.detail = raw;
    } else r.skip();
  }
  r.exit();
  r.finish();
  return env;
}
