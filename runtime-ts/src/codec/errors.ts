// Errors raised by the codecs. A decoder deep inside a value only knows what went wrong
// ("expected string"); the callers up the stack add where (".tags", "[3]") as the error passes
// through them, and the top-level codec prefixes the type name. Building the path only on the
// error path keeps the hot path free of bookkeeping beyond one local variable per struct.

import { ErrorCode, InteropError } from '../errors.js';

export class CodecError extends InteropError {
  /** Where in the value the problem is, e.g. ".tags[3]"; grows as the error unwinds. */
  path = '';
  /** What went wrong, without the path. */
  readonly detail: string;
  constructor(code: number, detail: string, options?: { cause?: unknown }) {
    super(code, detail, options);
    this.detail = detail;
  }
}

/** A payload that does not decode or a value that does not fit its type. */
export function invalid(detail: string): CodecError {
  return new CodecError(ErrorCode.INVALID_ARGUMENT, detail);
}

/** A limit from docs/wire.md §5 was exceeded. */
export function exhausted(detail: string): CodecError {
  return new CodecError(ErrorCode.RESOURCE_EXHAUSTED, detail);
}

/** A required field (struct- or union-typed, so without a zero value) is missing. */
export function missingField(segment: string): CodecError {
  const err = invalid('missing required field');
  err.path = segment;
  return err;
}

/** missingField as an expression (a protobuf map entry or wrapper without its struct value). */
export function throwMissing(segment: string): never {
  throw missingField(segment);
}

/** A struct field or map key seen twice. */
export function duplicate(what: string): CodecError {
  return invalid(`duplicate ${what}`);
}

/**
 * Prepends a path segment to an error on its way up. Anything that is not already a codec error
 * (a TypeError from a plain-JS caller passing `undefined` where a list belongs, say) becomes one,
 * so the caller always gets an InteropError with a path.
 */
export function withPath(e: unknown, segment: string): CodecError {
  const err = e instanceof CodecError ? e : toCodecError(e);
  err.path = segment + err.path;
  return err;
}

function toCodecError(e: unknown): CodecError {
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    return new CodecError(ErrorCode.RESOURCE_EXHAUSTED, 'value nested too deeply', { cause: e });
  }
  if (e instanceof InteropError) return new CodecError(e.code, e.message, { cause: e });
  const message = e instanceof Error ? e.message : String(e);
  return new CodecError(ErrorCode.INVALID_ARGUMENT, message, { cause: e });
}

/** The error a top-level encode/decode throws: `Message.tags[3]: expected string`. */
export function finishError(e: unknown, typeName: string): InteropError {
  const err = withPath(e, '');
  err.message = `${typeName}${err.path}: ${err.detail}`;
  return err;
}
