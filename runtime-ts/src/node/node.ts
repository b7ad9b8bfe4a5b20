// The node host: one OS process hosting modules, as its node config says (docs/config.md). It
// serves its modules on its listen endpoints (and on stdin/stdout when it is a plugin), serves
// interop.control, and hands out Invokers that go direct for hosted modules and over the
// configured connection or plugin for the others. Moving a module is a config edit.

import { ErrorCode, InteropError } from '../errors.js';
import type { CodecName, Invoker, ModuleDescriptor, Publisher } from '../module.js';
import { DirectInvoker, HubPublisher } from '../transport/direct.js';
import { transportFor } from '../transport/registry.js';
import { parentChannel, PluginProcess, pluginFds } from '../transport/stdio.js';
import type { ByteChannel, Listener, ListenOptions } from '../transport/types.js';
import { limitsToWire, type Limits } from '../wire/limits.js';
import { irBundle, type Health, type Manifest } from '../control/control.js';
import { ListenerSlots, refuseConnection } from './admission.js';
import { ConfigError, configLimits, loadNodeConfig, unknownMemberCodecs, type ConnectConfig, type NodeConfig, type PluginConfig } from './config.js';
import { Connection } from './connection.js';
import { MultiLink } from './endpoints.js';
import { Link, LinkInvoker, type Route } from './links.js';
import type { MixedVersion } from './peer-versions.js';
import { bump, ServiceTable } from './services.js';

export interface NodeStartOptions {
  /** Implementations this process can host: [descriptor, handler object]. */
  implementations?: Array<[ModuleDescriptor, object]>;
  /** Descriptors of modules this node will call, announced in handshakes (invoker() adds more). */
  uses?: ModuleDescriptor[];
  /** Debug log (dropped frames, failed handshakes); silent by default. */
  debug?: (message: string) => void;
  /** Grace period for GOODBYE and plugin shutdown when closing (default 2000 ms). */
  shutdownGraceMs?: number;
}

const PARENT = 'stdio:parent';

export class Node {
  readonly config: NodeConfig;
  readonly limits: Limits;
  readonly services: ServiceTable;
  /** Bound data endpoints (with real ports when port 0 was configured). */
  readonly endpoints: string[] = [];
  controlEndpoint: string | undefined;
  private readonly startedAt = Date.now();
  private readonly listeners: Listener[] = [];
  private readonly connections = new Set<Connection>();
  private readonly links = new Map<string, Route>();
  private readonly linkOf = new Map<string, Route>();
  private readonly plugins = new Set<PluginProcess>();
  private readonly known = new Map<string, ModuleDescriptor>();
  private readonly invokers = new Map<string, Invoker>();
  private parent: Promise<Connection> | undefined;
  private closing: Promise<void> | undefined;
  private resolveDone!: () => void;
  /** Resolves when the node has closed (for a plugin: also when its parent went away). */
  readonly done: Promise<void> = new Promise((r) => (this.resolveDone = r));

  private constructor(
    config: NodeConfig,
    private readonly options: NodeStartOptions,
  ) {
    this.config = config;
    this.limits = configLimits(config);
    const implementations = new Map((options.implementations ?? []).map(([d, h]) => [d.name, { descriptor: d, handlers: h }]));
    // Without a `modules` list the node hosts every implementation it was given.
    const hostedNames = config.modules ?? [...implementations.keys()];
    const missing = hostedNames.filter((m) => !implementations.has(m));
    if (missing.length > 0) {
      throw new InteropError(ErrorCode.NOT_FOUND, `node ${config.node}: config hosts ${missing.join(', ')} but no implementation was passed to Node.start`);
    }
    this.services = new ServiceTable(config.node, hostedNames.map((m) => implementations.get(m)!));
    this.services.controlProvider = (member) => (member === 'manifest' ? this.manifest() : member === 'health' ? this.health() : undefined);
    for (const d of [...(options.uses ?? []), ...[...implementations.values()].map((h) => h.descriptor)]) this.known.set(d.name, d);
    const unknown = unknownMemberCodecs(config, (m) => this.known.get(m));
    if (unknown.length > 0) throw new ConfigError(`node ${config.node}`, unknown);
  }

  /** Starts a node from a config object, a path, inline JSON, or INTEROP_NODE_CONFIG. */
  static async start(config?: NodeConfig | string, options: NodeStartOptions = {}): Promise<Node> {
    const node = new Node(loadNodeConfig(config), options);
    try {
      await node.startServing();
    } catch (error) {
      await node.close();
      throw error;
    }
    return node;
  }

  private get graceMs(): number {
    return this.options.shutdownGraceMs ?? 2000;
  }

  private async startServing(): Promise<void> {
    const c = this.config;
    for (const link of c.connect ?? []) {
      const dial = (address: string) => this.dial(address, link);
      if (link.address !== undefined) this.linkFor(link.address, link.modules, () => new Link(link.address!, () => dial(link.address!)));
      else {
        const endpoints = link.endpoints!;
        const key = `${link.policy ?? 'failover'}:${endpoints.join(',')}`;
        this.linkFor(key, link.modules, () => new MultiLink(key, endpoints, link.policy ?? 'failover', dial, new Set(link.idempotent ?? []), this.limits.defaultDeadlineMs));
      }
    }
    for (const p of c.plugins ?? []) {
      const key = `${p.channel ?? 'stdio'}:${JSON.stringify([p.command, p.cwd ?? ''])}`;
      const link = this.linkFor(key, p.modules, () => new Link(key, () => this.spawn(p)));
      // Plugins start with the node, so a broken plugin shows at start-up; a failure is retried on first use.
      await link.connection().catch((e: unknown) => this.options.debug?.(`plugin ${p.command.join(' ')}: ${String(e)}`));
    }
    for (const address of c.listen ?? []) this.endpoints.push(await this.listen(address, false));
    if (c.control) this.controlEndpoint = await this.listen(c.control, true);
    if (c.stdio) this.serveStdio();
  }

  private linkFor(key: string, modules: string[], make: () => Route): Route {
    let link = this.links.get(key);
    if (!link) this.links.set(key, (link = make()));
    for (const m of modules) this.linkOf.set(m, link);
    return link;
  }

  /** Descriptors this node will call over a link serving `modules` (announced as `wants`). */
  private wantsFor(modules: string[] | undefined): ModuleDescriptor[] {
    const hosted = (name: string) => this.services.module(name) !== undefined;
    return [...this.known.values()].filter((d) => (modules ? modules.includes(d.name) : !hosted(d.name) && !this.linkOf.has(d.name)));
  }

  private connectionOptions(role: 'initiator' | 'responder') {
    return { role, services: this.services, limits: this.limits, ...(this.options.debug ? { debug: this.options.debug } : {}) };
  }

  private track(conn: Connection): Connection {
    this.connections.add(conn);
    conn.onClose(() => this.connections.delete(conn));
    return conn;
  }

  private async dial(address: string, link: ConnectConfig): Promise<Connection> {
    const { ca, token } = link;
    const channel = await transportFor(address).connect(address, { limits: this.limits, ...(ca !== undefined ? { ca } : {}), ...(this.config.shm ? { shm: this.config.shm } : {}) });
    return this.track(
      await Connection.open(channel, {
        ...this.connectionOptions('initiator'),
        wants: this.wantsFor(link.modules),
        ...linkCodecs(link),
        ...(token !== undefined ? { token } : {}),
      }),
    );
  }

  private async spawn(p: NonNullable<NodeConfig['plugins']>[number]): Promise<Connection> {
    const plugin = new PluginProcess({ command: p.command, ...(p.env ? { env: p.env } : {}), ...(p.cwd !== undefined ? { cwd: p.cwd } : {}), ...(p.channel ? { channel: p.channel } : {}) });
    this.plugins.add(plugin);
    void plugin.exited.then(() => this.plugins.delete(plugin));
    try {
      const conn = await Connection.open(plugin.channel, {
        ...this.connectionOptions('initiator'),
        wants: this.wantsFor(p.modules),
        ...linkCodecs(p),
        ...(p.token !== undefined ? { token: p.token } : {}),
      });
      return this.track(conn);
    } catch (error) {
      void plugin.shutdown(0);
      throw error;
    }
  }

  /** Listens on `address`, admitting at most max_connections at once (docs/wire.md §5.1); the bound address. */
  private async listen(address: string, controlOnly: boolean): Promise<string> {
    const slots = new ListenerSlots(this.limits.maxConnections);
    const options: ListenOptions = {
      limits: this.limits,
      ...(this.config.web ? { web: this.config.web } : {}),
      ...(this.config.tls ? { tls: this.config.tls } : {}),
      ...(this.config.shm ? { shm: this.config.shm } : {}),
      count: (counter) => bump(this.services.counters, counter),
    };
    const listener = await transportFor(address).listen(address, (channel) => {
      if (!slots.take()) {
        bump(this.services.counters, 'rejected_connections');
        this.options.debug?.(`refused a connection from ${channel.description}: ${slots.refusal}`);
        return refuseConnection(channel, slots.refusal);
      }
      this.accept(channel, { controlOnly, closeWhenIdle: true }).then(
        (conn) => conn.onClose(() => slots.release()),
        () => slots.release(),
      );
    }, options);
    this.listeners.push(listener);
    slots.address = listener.address;
    return listener.address;
  }

  private accept(channel: ByteChannel, opts: { controlOnly?: boolean; parent?: boolean; closeWhenIdle?: boolean }): Promise<Connection> {
    const p = Connection.open(channel, {
      ...this.connectionOptions('responder'),
      ...(opts.closeWhenIdle ? { closeWhenIdle: true } : {}),
      ...(opts.controlOnly ? { offerModules: false, codecs: ['json' as const] } : {}),
      ...(opts.parent ? { wants: this.wantsFor(undefined) } : {}),
      ...(this.config.token !== undefined ? { requiredToken: this.config.token } : {}),
    }).then(
      (conn) => this.track(conn),
      (error: unknown) => {
        bump(this.services.counters, 'rejected_handshakes');
        this.options.debug?.(`handshake from ${channel.description} failed: ${String(error)}`);
        throw error;
      },
    );
    p.catch(() => undefined);
    return p;
  }

  private serveStdio(): void {
    const fds = pluginFds();
    // On stdin/stdout, stdout carries frames: anything printed there would corrupt the stream.
    // Over the descriptors of INTEROP_PLUGIN_FDS, stdout is the plugin's to print on.
    if (!fds) console.log = console.info = console.debug = console.error;
    this.parent = this.accept(parentChannel(fds), { parent: true });
    const parentLink = new Link(PARENT, () => this.parent!);
    this.links.set(PARENT, parentLink);
    this.parent.then(
      (conn) => conn.onClose(() => void this.close()),
      () => void this.close(),
    );
  }

  /** The plugin processes running now (for supervision and tests). */
  get pluginProcesses(): PluginProcess[] {
    return [...this.plugins];
  }

  /** An Invoker for `module`: direct when hosted here, else over its configured link. */
  invoker(module: ModuleDescriptor): Invoker {
    const cached = this.invokers.get(module.name);
    if (cached) return cached;
    if (!this.known.has(module.name)) this.known.set(module.name, module);
    let invoker: Invoker;
    const hosted = this.services.module(module.name);
    if (hosted) invoker = new DirectInvoker(hosted, this.services.hub, this.limits, this.services.counters);
    else {
      const link = this.linkOf.get(module.name) ?? (this.config.stdio ? this.links.get(PARENT) : undefined);
      if (!link) {
        throw new InteropError(ErrorCode.NOT_FOUND, `node ${this.config.node}: module ${module.name} is neither hosted here nor reached by the config (add it to "modules", "connect" or "plugins")`);
      }
      invoker = new LinkInvoker(link, this.services.counters);
    }
    this.invokers.set(module.name, invoker);
    return invoker;
  }

  /** Publishes events of a hosted module to local and remote subscribers. */
  publisher(module: ModuleDescriptor): Publisher {
    if (!this.services.module(module.name)) throw new InteropError(ErrorCode.NOT_FOUND, `node ${this.config.node} does not host ${module.name}: only the hosting node publishes its events`);
    return new HubPublisher(this.services.hub, this.services.counters);
  }

  manifest(): Manifest {
    return {
      node: this.config.node,
      protocol: 1,
      limits: limitsToWire(this.limits),
      bundle: irBundle(this.services.hosted().map((h) => h.descriptor)),
      mixed_versions: this.mixedVersions(),
    };
  }

  /** The open connections' modules that the two sides have in different versions (docs/wire.md §7). */
  private mixedVersions(): MixedVersion[] {
    const offers = this.services.offers();
    const all = [...this.connections].filter((c) => c.phase === 'open').flatMap((c) => c.versions.report(c.options.wants ?? [], offers));
    const key = (m: MixedVersion) => `${m.peer}\u0000${m.module}\u0000${m.role}`;
    return all.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }

  health(): Health {
    return {
      node: this.config.node,
      status: this.closing ? 'closing' : 'ok',
      uptime_ms: Date.now() - this.startedAt,
      connections: this.connections.size,
      modules: this.services.hosted().map((h) => h.descriptor.name),
      counters: { ...this.services.counters },
    };
  }

  /** Stops accepting, says GOODBYE on every connection, lets calls finish, stops plugins. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all(this.listeners.map((l) => l.close()));
      await Promise.all([...this.links.values()].map((l) => l.close(this.graceMs)));
      await Promise.all([...this.connections].map((c) => c.close('node closing', this.graceMs)));
      await Promise.all([...this.plugins].map((p) => p.shutdown(this.graceMs)));
      if (this.config.stdio) process.stdin.destroy();
      this.resolveDone();
    })();
    return this.closing;
  }
}

/** The handshake options of a link's `codec` and `member_codecs`. */
function linkCodecs(link: ConnectConfig | PluginConfig): { codec?: CodecName; memberCodecs?: Record<string, CodecName> } {
  return { ...(link.codec ? { codec: link.codec } : {}), ...(link.member_codecs ? { memberCodecs: link.member_codecs } : {}) };
}
