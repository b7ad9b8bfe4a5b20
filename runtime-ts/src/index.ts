// Public API of @interop/runtime. Each part of the runtime appends its exports here.

export * from './errors.js';
export type * from './module.js';

// Codecs: canonical JSON and msgpack primitives, used by generated code (runtime-ts/src/codec).
export * from './codec/index.js';
