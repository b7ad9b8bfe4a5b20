// The control channel (docs/wire.md §7): the reserved module `interop.control`, served on every
// data connection and on a node's control endpoint, and a small client for `interop inspect`.

import { emptyStruct } from '../codec/define.js';
import { ErrorCode, InteropError } from '../errors.js';
import type { CodecName, FunctionDescriptor, ModuleDescriptor, PayloadCodec } from '../module.js';
import { Connection } from '../node/connection.js';
import type { MixedVersion } from '../node/peer-versions.js';
import { ServiceTable } from '../node/services.js';
import { transportFor } from '../transport/registry.js';
import { CONTROL_MODULE } from '../wire/handshake.js';
import { DEFAULT_LIMITS, type WireLimits } from '../wire/limits.js';

export interface Manifest {
  node: string;
  protocol: number;
  limits: WireLimits;
  /** IR bundle (docs/ir.md): the hosted modules (`roots`) and every module they import. */
  bundle: { irVersion: number; modules: unknown[]; roots: string[] };
  /** Modules the node's open connections have in another version on the other side (docs/wire.md §7). */
  mixed_versions: MixedVersion[];
}

/**
 * The IR bundle a node serves (docs/ir.md): the modules in `roots` and, through each
 * descriptor's `imports`, every module they import transitively, each once, imports first.
 */
export function irBundle(roots: ModuleDescriptor[]): Manifest['bundle'] {
  const modules: unknown[] = [];
  const seen = new Set<string>();
  const visit = (d: ModuleDescriptor): void => {
    if (seen.has(d.name)) return;
    seen.add(d.name);
    for (const i of d.imports ?? []) visit(i);
    modules.push(d.ir);
  };
  roots.forEach(visit);
  return { irVersion: 1, modules, roots: roots.map((d) => d.name) };
}

export interface Health {
  node: string;
  status: 'ok' | 'closing';
  uptime_ms: number;
  connections: number;
  modules: string[];
  counters: Record<string, number>;
}

const utf8 = new TextEncoder();
const text = new TextDecoder();

/** Control functions take no parameters: an empty struct in every codec (no bytes in protobuf). */
const noParams: PayloadCodec<unknown[]> = {
  validate: () => undefined,
  encode: (_v, codec: CodecName) => emptyStruct(codec),
  decode: () => [],
};

/** Control results are plain JSON documents in a JSON-codec RESPONSE. */
const jsonDocument: PayloadCodec<unknown> = {
  validate: () => undefined,
  encode: (v) => utf8.encode(JSON.stringify(v)),
  decode: (bytes, codec) => {
    if (codec !== 'json') throw new InteropError(ErrorCode.PROTOCOL_ERROR, 'control results must be JSON');
    try {
      return JSON.parse(text.decode(bytes));
    } catch {
      throw new InteropError(ErrorCode.INVALID_ARGUMENT, 'control result is not JSON');
    }
  },
};

const controlFn = (name: string): FunctionDescriptor => ({ name, kind: 'call', params: noParams, result: jsonDocument, throws: [], method: name });

/** Descriptor of `interop.control` for callers (it needs no fingerprint: always offered). */
export const ControlModule: ModuleDescriptor = {
  name: CONTROL_MODULE,
  version: '1',
  fingerprint: '',
  functions: { manifest: controlFn('manifest'), health: controlFn('health') },
  events: {},
  errors: {},
  ir: null,
};

export interface ControlClientOptions {
  token?: string;
  timeoutMs?: number;
}

/** Connects to any endpoint (control or data), calls one control function, disconnects. */
async function fetchControl(endpoint: string, member: 'manifest' | 'health', options: ControlClientOptions): Promise<unknown> {
  const channel = await transportFor(endpoint).connect(endpoint);
  const limits = { ...DEFAULT_LIMITS, ...(options.timeoutMs !== undefined ? { handshakeTimeoutMs: options.timeoutMs } : {}) };
  const conn = await Connection.open(channel, {
    role: 'initiator',
    services: new ServiceTable('interop-inspect'),
    limits,
    codecs: ['json'],
    ...(options.token !== undefined ? { token: options.token } : {}),
  });
  try {
    return await conn.call(ControlModule, ControlModule.functions[member]!, [], options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {});
  } finally {
    await conn.close('done', 500);
  }
}

export function fetchManifest(endpoint: string, options: ControlClientOptions = {}): Promise<Manifest> {
  return fetchControl(endpoint, 'manifest', options) as Promise<Manifest>;
}

export function fetchHealth(endpoint: string, options: ControlClientOptions = {}): Promise<Health> {
  return fetchControl(endpoint, 'health', options) as Promise<Health>;
}
