// The codec layer: canonical JSON and msgpack primitives used by generated code, and the glue that
// turns per-type functions into the runtime's PayloadCodec.

export { ByteWriter } from './byte-writer.js';
export { MsgpackWriter } from './msgpack-writer.js';
export { MsgpackReader } from './msgpack-reader.js';
export { JsonWriter, jsonKey } from './json-writer.js';
export { JsonReader } from './json-reader.js';
export { ProtobufWriter } from './protobuf-writer.js';
export { ProtobufReader } from './protobuf-reader.js';
export { FlatbuffersWriter } from './flatbuffers-writer.js';
export { FlatbuffersReader } from './flatbuffers-reader.js';
export { CodecError, invalid, exhausted, withPath, finishError } from './errors.js';
export { sortedEntries, mapEntries, mapEntryError, putUnique, parseIntKey, parseBigIntKey, type KeyOrder } from './maps.js';
export { formatF32, formatF64 } from './floats.js';
export { compareUtf8, utf8Bytes } from './utf8.js';
export { I64_MIN, I64_MAX, U64_MAX, INT_RANGE, type IntKind } from './ints.js';
export {
  checkBool,
  checkI8,
  checkI16,
  checkI32,
  checkI64,
  checkU8,
  checkU16,
  checkU32,
  checkU64,
  checkF32,
  checkF64,
  checkString,
  checkBytes,
  checkList,
  checkMap,
  checkObject,
} from './checks.js';
export {
  defineCodec,
  encodeMsgpackWith,
  encodeJsonWith,
  encodeProtobufWith,
  encodeFlatbuffersWith,
  decodeFlatbuffersWith,
  DEFAULT_DECODE_LIMITS,
  emptyStruct,
  type CodecParts,
  type TypeCodec,
} from './define.js';
export { enumCodec, type EnumCodec } from './enum.js';
export { missingField, throwMissing, duplicate } from './errors.js';
export { mismatch } from './ints.js';
export { DynamicCodecs, DynamicApplicationError, describeType } from './dynamic.js';
export type * from './ir-types.js';
