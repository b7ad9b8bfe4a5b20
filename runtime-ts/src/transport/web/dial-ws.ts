// Dialing ws:// and wss:// from Node, with the `ws` package. A server that refuses the upgrade
// answers with an HTTP status and an error envelope (docs/transports.md): its code is the code of
// the failed connect, as the ERROR answering a HELLO would be.

import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import { InteropError } from '../../errors.js';
import { decodeEnvelope } from '../../wire/envelope.js';
import { DEFAULT_LIMITS } from '../../wire/limits.js';
import type { ByteChannel, ConnectOptions } from '../types.js';
import { hostPort, type WebAddress } from './address.js';
import { WsChannel } from './ws-channel.js';

export function dialWebSocket(address: WebAddress, description: string, options?: ConnectOptions): Promise<ByteChannel> {
  const limits = options?.limits ?? DEFAULT_LIMITS;
  const url = `${address.scheme}://${hostPort(address.host, address.port)}${address.path || '/'}`;
  const ws = new WebSocket(url, {
    maxPayload: limits.maxFrameBytes + 4,
    perMessageDeflate: false,
    handshakeTimeout: limits.handshakeTimeoutMs,
    ...(options?.ca !== undefined ? { ca: readCa(options.ca) } : {}),
  });
  return new Promise((resolve, reject) => {
    let socket: Socket | undefined;
    const fail = (error: Error) => reject(error);
    ws.on('error', (error: NodeJS.ErrnoException) => fail(new Error(`cannot connect to ${description}: ${why(error)}`, { cause: error })));
    ws.once('upgrade', (res: IncomingMessage) => (socket = res.socket as Socket));
    ws.once('unexpected-response', (req, res: IncomingMessage) => {
      void refusalOf(res).then((error) => {
        req.destroy();
        fail(error ?? new Error(`cannot connect to ${description}: the server answered HTTP ${res.statusCode} ${res.statusMessage ?? ''} instead of accepting a WebSocket (is it an interop node?)`));
      });
    });
    ws.once('open', () => {
      ws.removeAllListeners('error');
      ws.on('error', () => undefined); // the channel reports errors from its start on
      resolve(new WsChannel(description, ws, socket!));
    });
  }).catch((error: unknown) => {
    ws.terminate();
    throw error;
  }) as Promise<ByteChannel>;
}

function readCa(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`ca: cannot read ${path}: ${(error as Error).message}`);
  }
}

/** A failed connect in words: the usual causes name what to check. */
export function why(error: NodeJS.ErrnoException): string {
  if (error.code === 'ECONNREFUSED') return 'nothing listens there (connection refused; is the node running?)';
  if (error.code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || error.code === 'SELF_SIGNED_CERT_IN_CHAIN' || error.code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE') {
    return `its certificate is not trusted (${error.code}): name the certificate authority in the connect entry's "ca"`;
  }
  return error.message;
}

/** The InteropError an HTTP answer's error envelope carries, if it carries one. */
export async function refusalOf(res: IncomingMessage): Promise<InteropError | undefined> {
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      n += chunk.length;
      if (n > 65536) return undefined;
      chunks.push(chunk);
    }
    if (!(res.headers['content-type'] ?? '').startsWith('application/json')) return undefined;
    const env = decodeEnvelope(Buffer.concat(chunks), 'json', DEFAULT_LIMITS.maxDepth);
    return env.code === 0 ? undefined : new InteropError(env.code, env.message);
  } catch {
    return undefined;
  }
}
