// Starts a responder and an initiator Connection over a real socket, for runtime tests.

import { join } from 'node:path';
import { Connection, type ConnectionOptions } from '../../runtime-ts/src/node/connection.js';
import { ServiceTable, type HostedModule } from '../../runtime-ts/src/node/services.js';
import { shmTransport } from '../../runtime-ts/src/transport/shm.js';
import { tcpTransport, unixTransport } from '../../runtime-ts/src/transport/socket.js';
import type { Listener } from '../../runtime-ts/src/transport/types.js';
import { DEFAULT_LIMITS, type Limits } from '../../runtime-ts/src/wire/limits.js';
import { tempDir } from '../temp.js';

/** A unix address in a fresh directory, removed after the test file. */
export function tmpSocket(name = 's.sock'): string {
  return `unix:${join(tempDir('interop-'), name)}`;
}

export interface Pair {
  client: Connection;
  server: Connection;
  serverServices: ServiceTable;
  clientServices: ServiceTable;
  listener: Listener;
  address: string;
  /** Every server-side connection accepted (including failed handshakes' errors). */
  accepted: Array<Promise<Connection>>;
  close(): Promise<void>;
}

export interface PairOptions {
  transport?: 'unix' | 'tcp' | 'shm';
  serverHosts?: HostedModule[];
  clientHosts?: HostedModule[];
  serverLimits?: Partial<Limits>;
  clientLimits?: Partial<Limits>;
  server?: Partial<ConnectionOptions>;
  client?: Partial<ConnectionOptions>;
}

export async function startServer(opts: PairOptions = {}) {
  const transport = opts.transport === 'tcp' ? tcpTransport : opts.transport === 'shm' ? shmTransport : unixTransport;
  const serverServices = new ServiceTable('server-node', opts.serverHosts ?? []);
  const accepted: Array<Promise<Connection>> = [];
  const address = opts.transport === 'tcp' ? 'tcp://127.0.0.1:0' : opts.transport === 'shm' ? tmpSocket().replace(/^unix:/, 'shm:') : tmpSocket();
  const listener = await transport.listen(address, (channel) => {
    const p = Connection.open(channel, { role: 'responder', services: serverServices, limits: { ...DEFAULT_LIMITS, ...opts.serverLimits }, ...opts.server });
    p.catch(() => undefined);
    accepted.push(p);
  });
  return { transport, serverServices, accepted, listener };
}

export async function connectClient(address: string, opts: PairOptions = {}, clientServices = new ServiceTable('client-node', opts.clientHosts ?? [])) {
  const transport = address.startsWith('tcp:') ? tcpTransport : address.startsWith('shm:') ? shmTransport : unixTransport;
  return Connection.open(await transport.connect(address), {
    role: 'initiator',
    services: clientServices,
    limits: { ...DEFAULT_LIMITS, ...opts.clientLimits },
    ...opts.client,
  });
}

export async function pair(opts: PairOptions = {}): Promise<Pair> {
  const s = await startServer(opts);
  const clientServices = new ServiceTable('client-node', opts.clientHosts ?? []);
  const client = await connectClient(s.listener.address, opts, clientServices);
  const server = await s.accepted[0]!;
  return {
    client,
    server,
    clientServices,
    serverServices: s.serverServices,
    listener: s.listener,
    address: s.listener.address,
    accepted: s.accepted,
    async close() {
      client.channel.destroy();
      server.channel.destroy();
      await s.listener.close();
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
