// What a client is told when it reaches the wrong thing: a module wanted on a control endpoint,
// and a peer that answers HELLO with HTTP, TLS or other bytes (docs/wire.md §2). The same words as
// the Python runtime: runtime-python/tests/test_node_host.py.

import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, InteropError } from '../../runtime-ts/src/errors.js';
import { Connection } from '../../runtime-ts/src/node/connection.js';
import { Node } from '../../runtime-ts/src/node/node.js';
import { ServiceTable } from '../../runtime-ts/src/node/services.js';
import { transportFor } from '../../runtime-ts/src/transport/registry.js';
import { unixPath } from '../../runtime-ts/src/transport/socket.js';
import { DEFAULT_LIMITS } from '../../runtime-ts/src/wire/limits.js';
import { calcHandlers, calcModule } from './fixtures.js';
import { tmpSocket } from './harness.js';

const calc = calcModule();
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const refusal = (address: string, wants = [calc]) =>
  transportFor(address)
    .connect(address)
    .then((channel) => Connection.open(channel, { role: 'initiator', services: new ServiceTable('client'), limits: DEFAULT_LIMITS, wants }))
    .then(
      () => {
        throw new Error('the handshake succeeded');
      },
      (e: InteropError) => [e.code, e.message],
    );

/** What each kind of peer answers, and what the client says it reached. */
const FOREIGN: Array<[string, Uint8Array, string]> = [
  ['HTTP', new TextEncoder().encode('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'), 'like an HTTP server: "HTTP/1.1 400 Bad Request"'],
  // A TLS alert record (fatal, protocol_version). Many TLS servers close without one instead.
  ['TLS', Uint8Array.of(0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46), 'like a TLS server (interop connections are not TLS)'],
  ['SSH', new TextEncoder().encode('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'), 'with text: "SSH-2.0-OpenSSH_9.2p1 Debian-2"'],
  ['binary', Uint8Array.of(250, 251, 252, 253, 254, 255, ...new Uint8Array(10)), 'with bytes fa fb fc fd fe ff 00 00'],
];

function listen(server: Server, address: string): Promise<void> {
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return new Promise((resolve) => server.listen(unixPath(address), resolve));
}

describe('reaching the wrong thing', () => {
  it('a node without "modules" hosts every implementation it was given', async () => {
    const node = await Node.start({ node: 'server', listen: [tmpSocket()] }, { implementations: [[calc, calcHandlers()]], shutdownGraceMs: 100 });
    cleanups.push(() => node.close());
    expect(node.manifest().bundle.roots).toEqual(['test.calc']);
  });

  it('a module wanted on a control endpoint gets a hint', async () => {
    const node = await Node.start({ node: 'server', control: tmpSocket('c.sock') }, { implementations: [[calc, calcHandlers()]], shutdownGraceMs: 100 });
    cleanups.push(() => node.close());
    expect(await refusal(node.controlEndpoint!)).toEqual([
      ErrorCode.NOT_FOUND,
      'module test.calc is not offered on this connection: this is a control endpoint, which serves only interop.control (manifest, health); call the node at one of its data endpoints (the "listen" addresses of its config)',
    ]);
  });

  it.each(FOREIGN)('a peer answering %s is named', async (_kind, answer, what) => {
    const address = tmpSocket('other.sock');
    await listen(
      createServer((socket) => {
        socket.once('data', () => socket.write(answer));
        socket.on('error', () => undefined);
      }),
      address,
    );
    expect(await refusal(address, [])).toEqual([ErrorCode.PROTOCOL_ERROR, `the peer does not speak the interop protocol: it answered ${what}`]);
  });

  it('a peer that closes without answering is said to', async () => {
    const address = tmpSocket('mute.sock');
    await listen(createServer((socket) => socket.once('data', () => socket.destroy())), address);
    expect(await refusal(address, [])).toEqual([
      ErrorCode.UNAVAILABLE,
      'connection lost during handshake: the peer closed the connection without answering HELLO (so do a process that exited, a node out of file descriptors, and a server of another protocol such as TLS)',
    ]);
  });

  it('a real HTTP server is named', async () => {
    const server = createHttpServer((_req, res) => res.end('hello'));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const [code, message] = await refusal(`tcp://127.0.0.1:${port}`, []);
    expect([code, message]).toEqual([ErrorCode.PROTOCOL_ERROR, 'the peer does not speak the interop protocol: it answered like an HTTP server: "HTTP/1.1 400 Bad Request"']);
  });
});
