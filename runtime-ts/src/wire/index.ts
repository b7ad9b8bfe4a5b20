// Public surface of the wire layer (frames, limits, error envelope, handshake payloads).
export * from './limits.js';
export * from './frame.js';
export * from './decoder.js';
export * from './envelope.js';
export * from './handshake.js';
export { canonicalJson, jsonString } from './canonical-json.js';
