// How errors cross a call (docs/wire.md §4): a handler's declared error travels as
// APPLICATION_ERROR with its type and fields and is re-raised as the same class; anything else
// becomes INTERNAL. Shared by connections and by the direct invoker, so both behave alike.

import { ApplicationError, ErrorCode, InteropError } from '../errors.js';
import type { CodecName, DecodeLimits, FunctionDescriptor, ModuleDescriptor } from '../module.js';
import type { ErrorEnvelope } from '../wire/envelope.js';

/** The declared error descriptor for `error`, when `fn` may throw it. */
export function declaredError(module: ModuleDescriptor, fn: FunctionDescriptor, error: unknown) {
  if (!(error instanceof ApplicationError)) return undefined;
  if (!fn.throws.includes(error.errorType)) return undefined;
  return Object.prototype.hasOwnProperty.call(module.errors, error.errorType) ? module.errors[error.errorType] : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The error a caller sees for a handler failure that is not a declared error. */
export function internalError(fn: FunctionDescriptor, error: unknown): InteropError {
  return new InteropError(ErrorCode.INTERNAL, `${fn.name}: handler failed: ${describe(error)}`, { cause: error });
}

/**
 * The error a caller sees when a handler returned a value that is not of the result type
 * (docs/wire.md §3.4): the handler is at fault, so INTERNAL, with what the check found.
 */
export function invalidResult(fn: FunctionDescriptor, error: unknown): InteropError {
  return new InteropError(ErrorCode.INTERNAL, `${fn.name}: the handler returned an invalid result: ${describe(error)}`, { cause: error });
}

/** The error a caller sees when a stream's handler sent an item that is not of the item type (§3.4). */
export function invalidItem(fn: FunctionDescriptor, error: unknown): InteropError {
  return new InteropError(ErrorCode.INTERNAL, `${fn.name}: the handler sent an invalid item: ${describe(error)}`, { cause: error });
}

/** The error a caller sees when a handler raised a declared error whose fields do not fit its type. */
export function invalidDeclaredError(fn: FunctionDescriptor, type: string, error: unknown): InteropError {
  return new InteropError(ErrorCode.INTERNAL, `${fn.name}: the handler raised an invalid ${type}: ${describe(error)}`, { cause: error });
}

/**
 * A handler that throws InteropError CANCELLED cancels its exchange: the caller gets CANCELLED
 * (docs/wire.md §6), not INTERNAL.
 */
function cancelledByHandler(error: unknown): error is InteropError {
  return error instanceof InteropError && !(error instanceof ApplicationError) && error.code === ErrorCode.CANCELLED;
}

/**
 * What an in-process caller gets for a handler's exception: a declared error as itself (once its
 * fields pass the checks its encoding would make, docs/wire.md §3.4), CANCELLED as itself,
 * anything else INTERNAL.
 */
export function handlerError(module: ModuleDescriptor, fn: FunctionDescriptor, error: unknown): InteropError {
  if (cancelledByHandler(error)) return error;
  const declared = declaredError(module, fn, error);
  if (declared === undefined) return internalError(fn, error);
  try {
    declared.codec.validate(error as ApplicationError); // what encoding the ERROR's detail would refuse
  } catch (invalid) {
    return invalidDeclaredError(fn, declared.name, invalid);
  }
  return error as ApplicationError;
}

/** Envelope for a handler's exception, in the request's codec. */
export function envelopeForHandlerError(module: ModuleDescriptor, fn: FunctionDescriptor, error: unknown, codec: CodecName): ErrorEnvelope {
  if (cancelledByHandler(error)) return { code: ErrorCode.CANCELLED, message: error.message };
  const declared = declaredError(module, fn, error);
  if (declared) {
    try {
      const detail = declared.codec.encode(error as ApplicationError, codec);
      return { code: ErrorCode.APPLICATION_ERROR, message: (error as Error).message, type: declared.name, detail };
    } catch (encodeError) {
      const invalid = invalidDeclaredError(fn, declared.name, encodeError);
      return { code: invalid.code, message: invalid.message };
    }
  }
  const internal = internalError(fn, error);
  return { code: internal.code, message: internal.message };
}

/** The exception a caller raises for a received envelope. */
export function errorFromEnvelope(module: ModuleDescriptor | undefined, env: ErrorEnvelope, codec: CodecName, limits: DecodeLimits): InteropError {
  if (env.code === ErrorCode.APPLICATION_ERROR && env.type !== undefined && module) {
    const declared = Object.prototype.hasOwnProperty.call(module.errors, env.type) ? module.errors[env.type] : undefined;
    if (declared && env.detail) {
      try {
        const error = declared.codec.decode(env.detail, codec, limits);
        if (env.message !== '' && error.message !== env.message) error.message = env.message;
        return error;
      } catch (decodeError) {
        return new InteropError(ErrorCode.APPLICATION_ERROR, `${env.type}: ${env.message} (detail does not decode: ${describe(decodeError)})`);
      }
    }
    return new InteropError(ErrorCode.APPLICATION_ERROR, `${env.type}: ${env.message}`);
  }
  return new InteropError(env.code === 0 ? ErrorCode.UNKNOWN : env.code, env.message);
}

export function unavailable(message: string): InteropError {
  return new InteropError(ErrorCode.UNAVAILABLE, message);
}

/** `error` as an InteropError: itself if it is one, else wrapped with `code`. */
export function asInterop(error: unknown, code: number): InteropError {
  if (error instanceof InteropError) return error;
  return new InteropError(code, error instanceof Error ? error.message : String(error), { cause: error });
}
