// Unix-socket and TCP transports (docs/wire.md §8): `unix:/path/to.sock`, `tcp://host:port`.

import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { StreamChannel } from './stream-channel.js';
import type { ByteChannel, Listener, Transport } from './types.js';

function socketChannel(socket: Socket, description: string): ByteChannel {
  socket.setNoDelay?.(true);
  return new StreamChannel(description, socket, socket);
}

/** A failed connect in words: the usual causes name what to check. */
export function why(error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT') return 'no socket file there (is the node running?)';
  if (error.code === 'ECONNREFUSED') return 'nothing listens there (connection refused; is the node running?)';
  return error.message;
}

function dial(options: { path: string } | { host: string; port: number }, description: string): Promise<ByteChannel> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(options as never);
    const onError = (error: NodeJS.ErrnoException) => reject(Object.assign(new Error(`cannot connect to ${description}: ${why(error)}`), { cause: error }));
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      resolve(socketChannel(socket, description));
    });
  });
}

function serve(server: Server, accept: (channel: ByteChannel) => void, describe: (s: Socket) => string): void {
  server.on('connection', (socket) => {
    // A failing peer socket must never take the listener down.
    socket.on('error', () => undefined);
    accept(socketChannel(socket, describe(socket)));
  });
}

/**
 * Stops accepting. Connections already accepted are left to their Connection (which closes them
 * with GOODBYE); waiting for them here could wait forever.
 */
function closeServer(server: Server): Promise<void> {
  server.close();
  return new Promise((resolve) => setImmediate(resolve));
}

export function unixPath(address: string): string {
  const path = address.replace(/^unix:(\/\/)?/, '');
  if (!path) throw new Error(`bad unix address "${address}": expected unix:/path/to.sock`);
  return path;
}

/** Whether something is listening on the socket file. */
function isLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ path });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/**
 * Makes the socket file's folder (0700) and removes a stale socket file left by a process that
 * died; an address still in use by a running server is an error. For unix: and shm: listeners.
 */
export async function clearStaleSocket(address: string, path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    if (lstatSync(path).isSocket()) {
      if (await isLive(path)) throw new Error(`${address} is in use by a running server`);
      unlinkSync(path); // stale file from a process that died
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

export function removeSocketFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

export const unixTransport: Transport = {
  scheme: 'unix',
  connect(address) {
    return dial({ path: unixPath(address) }, address);
  },
  async listen(address, accept) {
    const path = unixPath(address);
    await clearStaleSocket(address, path);
    const server = createServer();
    serve(server, accept, () => address);
    // Created 0600 from the start (umask), not chmod'ed after a window where others could connect.
    const oldMask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, () => (server.off('error', reject), resolve()));
      });
    } finally {
      process.umask(oldMask);
    }
    chmodSync(path, 0o600);
    return {
      address,
      async close() {
        await closeServer(server);
        removeSocketFile(path);
      },
    } satisfies Listener;
  },
};

export function parseTcp(address: string): { host: string; port: number } {
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]*):(\d{1,5})\/?$/.exec(address);
  if (!m || Number(m[2]) > 65535) throw new Error(`bad tcp address "${address}": expected tcp://host:port`);
  const host = m[1]!.replace(/^\[|\]$/g, '');
  return { host: host === '' ? '127.0.0.1' : host, port: Number(m[2]) };
}

export const tcpTransport: Transport = {
  scheme: 'tcp',
  connect(address) {
    return dial(parseTcp(address), address);
  },
  async listen(address, accept) {
    const { host, port } = parseTcp(address);
    const server = createServer();
    serve(server, accept, (s) => `tcp://${s.remoteAddress}:${s.remotePort}`);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => (server.off('error', reject), resolve()));
    });
    const bound = server.address();
    const actual = bound && typeof bound === 'object' ? `tcp://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}` : address;
    return { address: actual, close: () => closeServer(server) } satisfies Listener;
  },
};
