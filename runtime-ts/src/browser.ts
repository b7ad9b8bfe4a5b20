// The runtime in a web page (docs/transports.md, "Browsers"): what generated TypeScript imports
// (codecs, errors, module types) and a client over the browser's own WebSocket. It reaches no Node
// built-in: bundlers pick it through the "browser" condition of @interop/runtime's exports, so
// generated code that imports '@interop/runtime' runs in a page unchanged.

import type { CallOptions, CodecName, EventDescriptor, FunctionDescriptor, Invoker, ItemSource, ModuleDescriptor, StreamCall, Subscription } from './module.js';
import { Connection } from './node/connection.js';
import { Link, LinkInvoker } from './node/links.js';
import { ServiceTable, type Counters } from './node/services.js';
import { dialBrowserWebSocket } from './transport/web/websocket-channel.js';
import { DEFAULT_LIMITS, type Limits } from './wire/limits.js';

export * from './errors.js';
export type * from './module.js';
export * from './codec/index.js';
export { Connection } from './node/connection.js';
export { BrowserWebSocketChannel, dialBrowserWebSocket } from './transport/web/websocket-channel.js';
export type { ByteChannel, ChannelHandlers } from './transport/types.js';
export { DEFAULT_LIMITS, type Limits } from './wire/limits.js';

export interface WebSocketClientOptions {
  /** Descriptors of the modules the page calls at this URL (generated `…Module`), announced in HELLO. */
  uses: ModuleDescriptor[];
  /** The node's token, if it has one: it travels in HELLO (a page cannot set WebSocket headers). */
  token?: string;
  /** The codec the page sends in (default msgpack). */
  codec?: CodecName;
  /** The page's name in HELLO, seen by handlers as ctx.peer (default "browser"). */
  node?: string;
  limits?: Partial<Limits>;
}

/** An Invoker for generated clients, over one WebSocket to a node, dialed again after it drops. */
export interface WebSocketClient extends Invoker {
  /** The open connection (dialed now if there is none). */
  connection(): Promise<Connection>;
  /** Counters of this side (dropped events, late responses…), as a node's health has. */
  readonly counters: Counters;
  close(): Promise<void>;
}

/**
 * `new SensorsClient(webSocketClient('ws://127.0.0.1:8080', { uses: [SensorsModule] }))`: the
 * same client API as in a node, with the same errors, deadlines, cancellation and events; a
 * dropped connection is dialed again by the next call, and subscriptions are renewed.
 */
export function webSocketClient(url: string, options: WebSocketClientOptions): WebSocketClient {
  const services = new ServiceTable(options.node ?? 'browser');
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const link = new Link(url, async () =>
    Connection.open(await dialBrowserWebSocket(url), {
      role: 'initiator',
      services,
      limits,
      wants: options.uses,
      ...(options.codec ? { codec: options.codec } : {}),
      ...(options.token !== undefined ? { token: options.token } : {}),
    }),
  );
  const invoker = new LinkInvoker(link, services.counters);
  return {
    call: (module: ModuleDescriptor, fn: FunctionDescriptor, args: unknown[], callOptions?: CallOptions) => invoker.call(module, fn, args, callOptions),
    oneway: (module: ModuleDescriptor, fn: FunctionDescriptor, args: unknown[]) => invoker.oneway(module, fn, args),
    subscribe: (module: ModuleDescriptor, event: EventDescriptor, handler: (payload: unknown) => void | Promise<void>): Promise<Subscription> => invoker.subscribe(module, event, handler),
    stream: (module: ModuleDescriptor, fn: FunctionDescriptor, args: unknown[], input: ItemSource<unknown> | undefined, callOptions?: CallOptions): StreamCall =>
      invoker.stream(module, fn, args, input, callOptions),
    connection: () => link.connection(),
    counters: services.counters,
    close: () => link.close(1000),
  };
}
