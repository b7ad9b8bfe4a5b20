// How the HTTP transport names things (docs/transports.md, "HTTP"): error codes as statuses (the
// mapping of google.rpc.Code, which Connect and gRPC gateways use), codecs as content types, and
// the paths and headers of the well-known requests.

import { ErrorCode } from '../../errors.js';
import type { CodecName } from '../../module.js';

const STATUS_OF_CODE: Record<number, number> = {
  [ErrorCode.CANCELLED]: 499,
  [ErrorCode.UNKNOWN]: 500,
  [ErrorCode.INVALID_ARGUMENT]: 400,
  [ErrorCode.DEADLINE_EXCEEDED]: 504,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.PERMISSION_DENIED]: 403,
  [ErrorCode.RESOURCE_EXHAUSTED]: 429,
  [ErrorCode.UNIMPLEMENTED]: 501,
  [ErrorCode.INTERNAL]: 500,
  [ErrorCode.UNAVAILABLE]: 503,
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.SCHEMA_MISMATCH]: 409,
  [ErrorCode.APPLICATION_ERROR]: 422,
  [ErrorCode.PROTOCOL_ERROR]: 400,
};

/** The HTTP status of an ERROR's code. */
export function statusOfCode(code: number): number {
  return STATUS_OF_CODE[code] ?? 500;
}

/** The code for an HTTP answer that carries no error envelope (a proxy's page, say). */
export function codeOfStatus(status: number): number {
  if (status === 401) return ErrorCode.UNAUTHENTICATED;
  if (status === 403) return ErrorCode.PERMISSION_DENIED;
  if (status === 404) return ErrorCode.NOT_FOUND;
  if (status === 413) return ErrorCode.RESOURCE_EXHAUSTED;
  if (status === 429 || status === 502 || status === 503 || status === 504) return ErrorCode.UNAVAILABLE;
  return ErrorCode.UNKNOWN;
}

export const JSON_TYPE = 'application/json';
export const MSGPACK_TYPE = 'application/msgpack';
export const PROTOBUF_TYPE = 'application/x-protobuf';
export const FLATBUFFERS_TYPE = 'application/x-flatbuffers';

/**
 * The codec of a request body's Content-Type, or undefined for one it cannot be. No type, and the
 * form type `curl -d` sends, read as JSON, so that the shell needs no header.
 */
export function codecOfContentType(contentType: string | undefined): CodecName | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === '' || type === JSON_TYPE || type === 'application/x-www-form-urlencoded' || type === 'text/plain') return 'json';
  if (type === MSGPACK_TYPE || type === 'application/x-msgpack' || type === 'application/vnd.msgpack') return 'msgpack';
  if (type === PROTOBUF_TYPE || type === 'application/protobuf' || type === 'application/proto') return 'protobuf';
  if (type === FLATBUFFERS_TYPE) return 'flatbuffers';
  return undefined;
}

export function contentTypeOf(codec: CodecName): string {
  return codec === 'json' ? JSON_TYPE : codec === 'protobuf' ? PROTOBUF_TYPE : codec === 'flatbuffers' ? FLATBUFFERS_TYPE : MSGPACK_TYPE;
}

/** Paths the HTTP transport serves besides /<module>/<member>. */
export const WELL_KNOWN = '/.well-known/interop';
export const HELLO_PATH = `${WELL_KNOWN}/hello`;
export const PING_PATH = `${WELL_KNOWN}/ping`;
export const MANIFEST_PATH = `${WELL_KNOWN}/manifest`;
export const HEALTH_PATH = `${WELL_KNOWN}/health`;

/**
 * Why a stream function cannot be called over HTTP (ADR 0023: a stream needs a connection either
 * side can write to at any time): the listener answers a POST to one with it (501), and a client
 * dialing http:// fails a stream with it (UNIMPLEMENTED) before sending anything.
 */
export function streamsNotOverHttp(target: string): string {
  return `${target} is a stream function: streams are not carried over HTTP; call it over ws:// (or another transport)`;
}

/** The caller's remaining deadline in ms, as the REQUEST frame's timeout_ms. */
export const TIMEOUT_HEADER = 'interop-timeout-ms';

/** "/example.chat/post" → target "example.chat.post"; undefined for another shape. */
export function targetOfPath(path: string): string | undefined {
  const m = /^\/([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\/([A-Za-z_][A-Za-z0-9_]*|\*)$/.exec(path);
  return m ? `${m[1]}.${m[2]}` : undefined;
}

/** The path of a target: "example.chat.post" → "/example.chat/post". */
export function pathOfTarget(target: string): string {
  const dot = target.lastIndexOf('.');
  return `/${target.slice(0, dot)}/${target.slice(dot + 1)}`;
}
