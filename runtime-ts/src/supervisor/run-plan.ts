// From an app config to a concrete plan: every address filled in (socket files in the run
// directory, free loopback ports), a control endpoint per supervised node, what each node listens
// on, connects to and spawns, and the order to start nodes in. The plan is pure data; node-config.ts
// renders each node's part as the node config that the node reads from INTEROP_NODE_CONFIG.

import net from 'node:net';
import type { AppConfig, AppNode, LinkCodec } from './app-config.js';

export interface ConnectPlan {
  node: string;
  address: string;
  codec: LinkCodec;
  memberCodecs?: Record<string, LinkCodec>;
  /** The modules reachable over this link: everything the target node hosts. */
  modules: string[];
}

export interface PluginPlan {
  node: string;
  command: string[];
  cwd: string;
  env: Record<string, string>;
  codec: LinkCodec;
  memberCodecs?: Record<string, LinkCodec>;
  modules: string[];
}

export interface NodePlan {
  node: AppNode;
  /** Absent for a stdio plugin: it serves `interop.control` on its stdio connection instead. */
  control?: string;
  listen: string[];
  connect: ConnectPlan[];
  plugins: PluginPlan[];
  /** Set for a stdio plugin. */
  servesStdio: boolean;
}

export interface RunPlan {
  nodes: Map<string, NodePlan>;
  /** Supervised nodes (not plugins) in groups: every node of a group can start once the groups before it are ready. */
  startOrder: string[][];
  /** Socket files the nodes will create outside the run directory, removed at shutdown. */
  externalSockets: string[];
}

/**
 * The environment a node runs with, beside its INTEROP_NODE_CONFIG: its own `env`, and for a Python
 * node PYTHONUNBUFFERED=1, since Python holds what it prints to a pipe until it exits and `interop
 * run` is to show each line as it is printed (the node's `env` may still set it otherwise).
 */
export function nodeEnvironment(node: AppNode): Record<string, string> {
  return { ...(node.language === 'python' ? { PYTHONUNBUFFERED: '1' } : {}), ...node.env };
}

/** `file(name)` gives a path in the run directory. */
export async function makeRunPlan(app: AppConfig, file: (name: string) => string): Promise<RunPlan> {
  const addressOf = new Map<string, string>(); // "to|transport" -> address
  const externalSockets: string[] = [];
  for (const link of app.links) {
    if (link.transport === 'stdio') continue;
    const key = `${link.to}|${link.transport}`;
    if (addressOf.has(key)) continue;
    let address = link.address;
    if (address === undefined) {
      if (link.transport === 'unix') address = `unix:${file(`${link.to}.sock`)}`;
      else if (link.transport === 'shm') address = `shm:${file(`${link.to}.shm.sock`)}`; // its set-up socket
      else address = `${link.transport}://127.0.0.1:${await freePort()}`;
    } else if (/^(unix|shm):/.test(address)) externalSockets.push(address.slice(address.indexOf(':') + 1));
    addressOf.set(key, address);
  }

  const plans = new Map<string, NodePlan>();
  const byName = new Map(app.nodes.map((n) => [n.name, n]));
  for (const node of app.nodes) {
    const supervised = node.pluginOf === undefined;
    plans.set(node.name, {
      node,
      ...(supervised ? { control: `unix:${file(`${node.name}.control.sock`)}` } : {}),
      // Every supervised node also listens on a socket of its own in the run directory, so
      // `interop call <node> …` reaches its modules whatever links the config has.
      listen: supervised ? [`unix:${file(`${node.name}.sock`)}`, ...(node.listen ?? [])] : [],
      connect: [],
      plugins: [],
      servesStdio: node.pluginOf !== undefined,
    });
  }
  for (const link of app.links) {
    const from = plans.get(link.from)!;
    const to = byName.get(link.to)!;
    if (link.transport === 'stdio') {
      from.plugins.push({
        node: to.name,
        command: to.command,
        cwd: to.cwd,
        env: { ...nodeEnvironment(to), INTEROP_NODE_CONFIG: file(`${to.name}.node.json`) },
        codec: link.codec,
        ...(link.memberCodecs ? { memberCodecs: link.memberCodecs } : {}),
        modules: to.modules,
      });
      continue;
    }
    const address = addressOf.get(`${link.to}|${link.transport}`)!;
    const target = plans.get(link.to)!;
    if (!target.listen.includes(address)) target.listen.push(address);
    from.connect.push({ node: to.name, address, codec: link.codec, ...(link.memberCodecs ? { memberCodecs: link.memberCodecs } : {}), modules: to.modules });
  }
  return { nodes: plans, startOrder: startOrder(app), externalSockets };
}

/**
 * A node is started once every node it connects to is ready, so its first call finds a listener.
 * Plugins are left out (their parent starts them). A cycle of links cannot be ordered: its nodes
 * start together and rely on the runtime's reconnect.
 */
export function startOrder(app: AppConfig): string[][] {
  const supervised = app.nodes.filter((n) => n.pluginOf === undefined).map((n) => n.name);
  const needs = new Map(supervised.map((n) => [n, new Set<string>()]));
  for (const link of app.links) {
    if (link.transport !== 'stdio' && needs.has(link.from) && needs.has(link.to)) needs.get(link.from)!.add(link.to);
  }
  const done = new Set<string>();
  const groups: string[][] = [];
  while (done.size < supervised.length) {
    let group = supervised.filter((n) => !done.has(n) && [...needs.get(n)!].every((d) => done.has(d)));
    if (group.length === 0) group = supervised.filter((n) => !done.has(n)); // a cycle
    group.forEach((n) => done.add(n));
    groups.push(group);
  }
  return groups;
}

/** A loopback port that was free a moment ago (the node binds it right after). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}
