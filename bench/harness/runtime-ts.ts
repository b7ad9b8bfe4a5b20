// The parts of runtime-ts the benchmarks drive directly (a Connection over a transport, a service
// table), from the same bundle as the generated code (bench/out/js/ours.mjs), with the small slice
// of their types used here. Until the node host lands, this is how our TypeScript side is set up.
import { loadOut } from './peers.js';
import { GEN_TS } from './ours-ts.js';

export interface ByteChannel {
  readonly description: string;
}
export interface Listener {
  readonly address: string;
  close(): Promise<void>;
}
export interface Transport {
  connect(address: string, options?: { limits: Record<string, unknown> }): Promise<ByteChannel>;
  listen(address: string, accept: (channel: ByteChannel) => void, options?: { limits: Record<string, unknown> }): Promise<Listener>;
}
export interface Services {
  readonly hub: { publish(module: unknown, event: unknown, payload: unknown): void };
}
export interface Connection {
  close(reason?: string): Promise<void>;
}
export interface PluginProcess {
  readonly channel: ByteChannel;
  readonly pid: number | undefined;
  shutdown(graceMs?: number): Promise<void>;
}
export interface Runtime {
  PluginProcess: new (options: { command: string[]; env?: Record<string, string> }) => PluginProcess;
  stdioChannel(): ByteChannel;
  DirectInvoker: new (hosted: { descriptor: unknown; handlers: object }, hub: unknown, limits: unknown) => unknown;
  Connection: { open(channel: ByteChannel, options: Record<string, unknown>): Promise<Connection> };
  ServiceTable: new (node: string, hosted?: { descriptor: unknown; handlers: object }[]) => Services;
  unixTransport: Transport;
  tcpTransport: Transport;
  transportFor(address: string): Transport;
  DEFAULT_LIMITS: Record<string, unknown>;
}

export async function loadRuntime(): Promise<Runtime> {
  return loadOut<Runtime>(GEN_TS);
}
