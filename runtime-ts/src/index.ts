// Public API of @interop/runtime. Each part of the runtime appends its exports here.

export * from './errors.js';
export type * from './module.js';

// Codecs: canonical JSON and msgpack primitives, used by generated code (runtime-ts/src/codec).
export * from './codec/index.js';

// Frames, limits, error envelope, handshake (runtime-ts/src/wire).
export * from './wire/index.js';
// Connections, node host, node config (runtime-ts/src/node).
export { Connection, type ConnectionOptions } from './node/connection.js';
export type { HandshakeOptions, PeerInfo } from './node/handshake-flow.js';
export { ServiceTable, type HostedModule, type LocalServices, type Counters } from './node/services.js';
export { EventHub, EventQueue } from './node/events.js';
export { PolledSubscription } from './node/polling.js';
export { Node, type NodeStartOptions } from './node/node.js';
export type { PackageHost, ModulePackage, CreateModule } from './node/package-module.js';
export { loadNodeConfig, checkNodeConfig, ConfigError, CONFIG_ENV, type NodeConfig, type ConnectConfig, type PluginConfig, type ConfigIssue } from './node/config.js';
// Transports (runtime-ts/src/transport): the interface users implement, and the built-in ones.
export { schemeOf, type ByteChannel, type ChannelHandlers, type Transport, type Listener, type ListenOptions, type ConnectOptions, type WebConfig, type TlsConfig } from './transport/types.js';
export { registerTransport, transportFor } from './transport/registry.js';
export { unixTransport, tcpTransport } from './transport/socket.js';
export { wsTransport, wssTransport, httpTransport, httpsTransport } from './transport/web/transports.js';
export { StreamChannel } from './transport/stream-channel.js';
export { parentChannel, PLUGIN_FDS_ENV, PluginProcess, pluginFds, stdioChannel, type PluginChannel, type PluginOptions } from './transport/stdio.js';
export { DirectInvoker, HubPublisher } from './transport/direct.js';
// Control channel client (runtime-ts/src/control).
export { fetchManifest, fetchHealth, ControlModule, type Manifest, type Health, type ControlClientOptions } from './control/control.js';
