// Typed errors shared by every part of the runtime. Codes are the table in docs/wire.md §4.1.

export const ErrorCode = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
  SCHEMA_MISMATCH: 100,
  APPLICATION_ERROR: 101,
  PROTOCOL_ERROR: 102,
} as const;

export type ErrorCodeName = keyof typeof ErrorCode;
export type ErrorCodeValue = (typeof ErrorCode)[ErrorCodeName];

const namesByCode = new Map<number, ErrorCodeName>(
  Object.entries(ErrorCode).map(([name, code]) => [code, name as ErrorCodeName]),
);

export function errorCodeName(code: number): string {
  return namesByCode.get(code) ?? `CODE_${code}`;
}

/** Every error the runtime raises or receives from a peer. */
export class InteropError extends Error {
  readonly code: number;
  constructor(code: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = `InteropError(${errorCodeName(code)})`;
  }
}

/**
 * Base class of the error types declared in a schema (`error NotFound { … }`). Generated classes
 * extend it; a handler throws one and the caller receives an instance of the same class.
 */
export abstract class ApplicationError extends InteropError {
  /** Qualified IDL name, e.g. "example.chat.NotFound": travels in the error envelope. */
  abstract readonly errorType: string;
  constructor(message: string) {
    super(ErrorCode.APPLICATION_ERROR, message);
  }
}
