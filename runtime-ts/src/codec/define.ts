// Glue between per-type encode/decode functions (generated, or built from the IR by dynamic.ts)
// and the runtime's PayloadCodec interface: writer pooling, reader set-up, trailing-byte checks and
// error messages that name the type and the path.

import { ErrorCode, InteropError } from '../errors.js';
import type { CodecName, DecodeLimits, PayloadCodec } from '../module.js';
import { finishError } from './errors.js';
import { FlatbuffersReader } from './flatbuffers-reader.js';
import { FlatbuffersWriter } from './flatbuffers-writer.js';
import { JsonReader } from './json-reader.js';
import { JsonWriter } from './json-writer.js';
import { MsgpackReader } from './msgpack-reader.js';
import { MsgpackWriter } from './msgpack-writer.js';
import { ProtobufReader } from './protobuf-reader.js';
import { ProtobufWriter } from './protobuf-writer.js';

/** The functions that make up a type's codec; generated code calls them directly. */
export interface CodecParts<T> {
  /** Throws what an encoder would throw for `v`, without writing anything (docs/wire.md §3.4). */
  check(v: T): void;
  encodeMsgpack(w: MsgpackWriter, v: T): void;
  decodeMsgpack(r: MsgpackReader): T;
  encodeJson(w: JsonWriter, v: T): void;
  decodeJson(r: JsonReader): T;
  /** The protobuf message of the value (a non-message value in a `{ value = 1 }` wrapper); ADR 0028. */
  encodeProtobuf?(w: ProtobufWriter, v: T): void;
  /** Reads the fields of the current message up to its end. */
  decodeProtobuf?(r: ProtobufReader): T;
  /**
   * Writes the FlatBuffers table of the value (a non-table value in its `{ value }` wrapper table)
   * and the objects it refers to; returns the table's position (docs/wire.md §3.6).
   */
  encodeFlatbuffers?(w: FlatbuffersWriter, v: T): number;
  /** Reads the table at `t` (-1: an empty table). */
  decodeFlatbuffers?(r: FlatbuffersReader, t: number): T;
}

/** A type's codec: usable as a payload codec, and by other types' codecs (across modules). */
export interface TypeCodec<T> extends PayloadCodec<T>, CodecParts<T> {
  /** Shown at the start of error messages, e.g. "Message" in "Message.tags[3]: expected string". */
  readonly typeName: string;
}

/** The defaults of docs/wire.md §5, for callers that have no config at hand. */
export const DEFAULT_DECODE_LIMITS: DecodeLimits = Object.freeze({ maxDepth: 64 });

// One pooled writer per codec. An encode never calls user code, so the only way to re-enter is
// an encode inside an encode, which gets a fresh writer instead of clobbering the pooled one.
let msgpackPool: MsgpackWriter | undefined = new MsgpackWriter();
let jsonPool: JsonWriter | undefined = new JsonWriter();
let protobufPool: ProtobufWriter | undefined;
let flatbuffersPool: FlatbuffersWriter | undefined;

export function encodeFlatbuffersWith<T>(encode: (w: FlatbuffersWriter, v: T) => number, value: T): Uint8Array {
  const w = flatbuffersPool ?? new FlatbuffersWriter();
  flatbuffersPool = undefined;
  try {
    // Positions count from the value's start (w.start); alignment is relative to it.
    const root = w.root();
    w.patch(root, encode(w, value));
    return w.finish();
  } finally {
    w.reset();
    flatbuffersPool = w;
  }
}

export function decodeFlatbuffersWith<T>(decode: (r: FlatbuffersReader, t: number) => T, bytes: Uint8Array, limits: DecodeLimits): T {
  const r = new FlatbuffersReader(bytes, limits);
  return decode(r, r.root());
}

export function encodeProtobufWith<T>(encode: (w: ProtobufWriter, v: T) => void, value: T): Uint8Array {
  const w = protobufPool ?? new ProtobufWriter();
  protobufPool = undefined;
  try {
    encode(w, value);
    return w.finish();
  } finally {
    w.reset();
    protobufPool = w;
  }
}

export function encodeMsgpackWith<T>(encode: (w: MsgpackWriter, v: T) => void, value: T): Uint8Array {
  const w = msgpackPool ?? new MsgpackWriter();
  msgpackPool = undefined;
  try {
    encode(w, value);
    return w.finish();
  } finally {
    w.reset();
    msgpackPool = w;
  }
}

export function encodeJsonWith<T>(encode: (w: JsonWriter, v: T) => void, value: T): Uint8Array {
  const w = jsonPool ?? new JsonWriter();
  jsonPool = undefined;
  try {
    encode(w, value);
    return w.finish();
  } finally {
    w.reset();
    jsonPool = w;
  }
}

export function defineCodec<T>(typeName: string, parts: CodecParts<T>): TypeCodec<T> {
  const { check, encodeMsgpack, decodeMsgpack, encodeJson, decodeJson, encodeProtobuf, decodeProtobuf, encodeFlatbuffers, decodeFlatbuffers } = parts;
  return {
    typeName,
    check,
    encodeMsgpack,
    decodeMsgpack,
    encodeJson,
    decodeJson,
    ...(encodeProtobuf && decodeProtobuf ? { encodeProtobuf, decodeProtobuf } : {}),
    ...(encodeFlatbuffers && decodeFlatbuffers ? { encodeFlatbuffers, decodeFlatbuffers } : {}),
    validate(value: T): void {
      try {
        check(value);
      } catch (e) {
        throw finishError(e, typeName);
      }
    },
    encode(value: T, codec: CodecName): Uint8Array {
      try {
        if (codec === 'msgpack') return encodeMsgpackWith(encodeMsgpack, value);
        if (codec === 'json') return encodeJsonWith(encodeJson, value);
        if (codec === 'protobuf' && encodeProtobuf) return encodeProtobufWith(encodeProtobuf, value);
        if (codec === 'flatbuffers' && encodeFlatbuffers) return encodeFlatbuffersWith(encodeFlatbuffers, value);
      } catch (e) {
        throw finishError(e, typeName);
      }
      throw unsupported(codec);
    },
    decode(bytes: Uint8Array, codec: CodecName, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): T {
      try {
        if (codec === 'msgpack') {
          const r = new MsgpackReader(bytes, limits);
          const v = decodeMsgpack(r);
          r.finish();
          return v;
        }
        if (codec === 'json') {
          const r = new JsonReader(bytes, limits);
          const v = decodeJson(r);
          r.finish();
          return v;
        }
        if (codec === 'protobuf' && decodeProtobuf) return decodeProtobuf(new ProtobufReader(bytes, limits));
        if (codec === 'flatbuffers' && decodeFlatbuffers) return decodeFlatbuffersWith(decodeFlatbuffers, bytes, limits);
      } catch (e) {
        throw finishError(e, typeName);
      }
      throw unsupported(codec);
    },
  };
}

const EMPTY_JSON = new TextEncoder().encode('{}');
/** An empty table at the root (docs/wire.md §3.6): root offset 8, a 4-byte vtable, the table's soffset. */
const EMPTY_FLATBUFFERS = Uint8Array.of(8, 0, 0, 0, 4, 0, 4, 0, 4, 0, 0, 0);

/** The canonical bytes of a struct with no field (parameters of a function without any): no bytes in protobuf. */
export function emptyStruct(codec: CodecName): Uint8Array {
  if (codec === 'json') return EMPTY_JSON;
  if (codec === 'protobuf') return new Uint8Array(0);
  return codec === 'flatbuffers' ? EMPTY_FLATBUFFERS : Uint8Array.of(0x80);
}

function unsupported(codec: string): InteropError {
  return new InteropError(ErrorCode.PROTOCOL_ERROR, `unsupported codec '${codec}'`);
}
