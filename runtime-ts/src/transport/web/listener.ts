// The web listener (docs/transports.md, "WebSocket and HTTP"): one HTTP(S) server that takes
// WebSocket connections (an upgrade request, on any path) and HTTP requests, whatever the scheme
// of its address (ws://, http://, wss://, https://). Before anything reaches the node it checks
// the Host and Origin headers and caps the TCP connections at max_connections; the node then
// applies its own limits to every interop connection, as on any listener.

import { readFileSync } from 'node:fs';
import { STATUS_CODES, createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { ErrorCode } from '../../errors.js';
import { encodeEnvelope, type ErrorEnvelope } from '../../wire/envelope.js';
import { FrameKind } from '../../wire/frame.js';
import type { ByteChannel, Listener, ListenOptions } from '../types.js';
import { formatWebAddress, hostPort, type WebAddress } from './address.js';
import { HttpChannel, type HttpContext } from './http-channel.js';
import { HEALTH_PATH, HELLO_PATH, MANIFEST_PATH, PING_PATH, TIMEOUT_HEADER, WELL_KNOWN, targetOfPath } from './http-mapping.js';
import { isCrossOriginAllowed, refusal, webPolicy } from './security.js';
import { serveStatic } from './static-files.js';
import { WsChannel } from './ws-channel.js';

export async function listenWeb(
  address: WebAddress,
  accept: (channel: ByteChannel) => void,
  options: ListenOptions,
): Promise<Listener> {
  const { limits } = options;
  const count = options.count ?? (() => undefined);
  const policy = webPolicy(options.web, address.host, address.tls);
  const server = makeServer(address, options);
  // Headers of a later request on a kept-alive connection must come as fast as a frame's bytes;
  // a body's time is the frame's (frame_timeout_ms, checked by the node's connection).
  server.headersTimeout = limits.frameTimeoutMs;
  server.requestTimeout = 0;
  // A page's kept-alive connection closes after 3 × idle_timeout_ms. An interop connection is closed
  // by the node's idle check (one to two idle_timeout_ms, counted in idle_timeouts) well before:
  // a whole idle_timeout_ms of margin, so that a loaded machine does not let this close it first.
  server.keepAliveTimeout = Math.min(3 * limits.idleTimeoutMs, 2147483647);
  const websockets = new WebSocketServer({ noServer: true, maxPayload: limits.maxFrameBytes + 4, perMessageDeflate: false });
  const context: HttpContext = { limits, kinds: undefined };
  const channels = new WeakMap<Socket, HttpChannel>();
  const refused = new WeakSet<Socket>();
  const handshakes = new WeakMap<Socket, NodeJS.Timeout>();
  const handshakeDone = (socket: Socket) => clearTimeout(handshakes.get(socket));
  let open = 0;
  let bound = '';
  const overLimit = (): ErrorEnvelope => ({ code: ErrorCode.RESOURCE_EXHAUSTED, message: `listener ${bound} has max_connections (${limits.maxConnections}) connections open` });

  server.on(address.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    socket.on('error', () => undefined); // a failing peer never takes the listener down
    open++;
    socket.once('close', () => open--);
    if (open > limits.maxConnections) {
      refused.add(socket);
      count('rejected_connections');
    }
    // The first request (or upgrade) must come within handshake_timeout_ms, as a HELLO must: a
    // deadline, not an inactivity timeout, so that headers sent a line at a time cannot hold it.
    const handshake = setTimeout(() => {
      count('rejected_handshakes');
      socket.destroy();
    }, limits.handshakeTimeoutMs);
    handshakes.set(socket, handshake);
    socket.once('close', () => clearTimeout(handshake));
  });
  server.on('clientError', (error: Error & { code?: string }, socket: Socket) => {
    // Headers slower than frame_timeout_ms (headersTimeout) are a slow frame; anything else did not parse.
    const slow = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    if (slow) count('frame_timeouts');
    const status = slow ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const envelope: ErrorEnvelope = slow
      ? { code: ErrorCode.RESOURCE_EXHAUSTED, message: `headers not complete within ${limits.frameTimeoutMs} ms (frame_timeout_ms)` }
      : { code: ErrorCode.PROTOCOL_ERROR, message: `bad HTTP request: ${error.message}` };
    if (socket.writable) socket.end(rawResponse(status, envelope));
    socket.destroy();
  });

  const channelOf = (req: IncomingMessage): HttpChannel => {
    const socket = req.socket;
    let channel = channels.get(socket);
    if (!channel) {
      channel = new HttpChannel(`http client ${hostPort(socket.remoteAddress ?? '?', socket.remotePort ?? 0)}`, socket, context);
      channels.set(socket, channel);
      accept(channel);
    }
    return channel;
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handshakeDone(req.socket);
    const answer = (status: number, env: ErrorEnvelope) => {
      const body = encodeEnvelope(env, 'json');
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(body.length) }).end(body);
    };
    if (refused.has(req.socket)) {
      res.setHeader('Connection', 'close');
      return answer(503, overLimit());
    }
    const why = refusal(policy, req.headers.host, req.headers.origin);
    if (why) return answer(why.startsWith('Host') || why.includes('no Host') ? 421 : 403, { code: ErrorCode.PERMISSION_DENIED, message: why });
    const origin = req.headers.origin;
    if (origin !== undefined && isCrossOriginAllowed(policy, origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
    }
    const path = (req.url ?? '/').split('?')[0]!;
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'GET, POST',
        'Access-Control-Allow-Headers': `Content-Type, Authorization, ${TIMEOUT_HEADER}`,
        'Access-Control-Max-Age': '600',
      });
      return void res.end();
    }
    if (path.startsWith(`${WELL_KNOWN}/`)) {
      if (path === HELLO_PATH && method === 'POST') return void channelOf(req).handleHello(req, res);
      if (path === PING_PATH && method === 'POST') return void channelOf(req).serve(req, res, FrameKind.PING, '');
      if (path === MANIFEST_PATH && method === 'GET') return void channelOf(req).serve(req, res, FrameKind.REQUEST, 'interop.control.manifest');
      if (path === HEALTH_PATH && method === 'GET') return void channelOf(req).serve(req, res, FrameKind.REQUEST, 'interop.control.health');
      return answer(404, { code: ErrorCode.NOT_FOUND, message: `${method} ${path}: not a well-known interop request (manifest, health: GET; hello, ping: POST)` });
    }
    const target = targetOfPath(path);
    if (target !== undefined && method === 'POST') return void channelOf(req).post(req, res, target);
    if (target !== undefined && method === 'GET') return void channelOf(req).serve(req, res, FrameKind.SUBSCRIBE, target);
    if ((method === 'GET' || method === 'HEAD') && options.web?.static !== undefined && serveStatic(options.web.static, req, res, path)) return;
    if (target !== undefined) {
      res.setHeader('Allow', 'GET, POST');
      return answer(405, { code: ErrorCode.INVALID_ARGUMENT, message: `${method} ${path}: POST calls a function, GET streams an event` });
    }
    answer(404, { code: ErrorCode.NOT_FOUND, message: `${method} ${path}: nothing here; POST /<module>/<function> calls a function, GET /<module>/<event> streams an event, GET ${MANIFEST_PATH} describes the node` });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    handshakeDone(socket);
    const why = refusal(policy, req.headers.host, req.headers.origin);
    if (refused.has(socket)) return void socket.end(rawResponse(503, overLimit()));
    if (why) return void socket.end(rawResponse(403, { code: ErrorCode.PERMISSION_DENIED, message: why }));
    const badUpgrade =
      channels.has(socket) ? 'open a WebSocket on a connection of its own, not on one that carried HTTP calls'
      : isWebSocket13(req) ? undefined
      : 'not a WebSocket version 13 upgrade';
    if (badUpgrade) {
      count('rejected_handshakes');
      return void socket.end(rawResponse(400, { code: ErrorCode.PROTOCOL_ERROR, message: badUpgrade }));
    }
    websockets.handleUpgrade(req, socket, head, (ws) => {
      accept(new WsChannel(`${address.tls ? 'wss' : 'ws'}://${hostPort(socket.remoteAddress ?? '?', socket.remotePort ?? 0)}`, ws, socket));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => (server.off('error', reject), resolve()));
  });
  const actual = server.address();
  bound = formatWebAddress({ ...address, port: typeof actual === 'object' && actual ? actual.port : address.port, path: '' });
  return {
    address: bound,
    close() {
      // Stops accepting; interop connections are closed by the node (GOODBYE), idle HTTP ones here.
      server.close();
      server.closeIdleConnections();
      return new Promise((resolve) => setImmediate(resolve));
    },
  };
}

/** RFC 6455 §4.2.1: a GET with version 13 and a key of 16 bytes in base64 (checked here, so every refusal has one answer). */
function isWebSocket13(req: IncomingMessage): boolean {
  const key = req.headers['sec-websocket-key'];
  return req.method === 'GET' && req.headers.upgrade?.toLowerCase() === 'websocket' && req.headers['sec-websocket-version'] === '13' && typeof key === 'string' && WS_KEY.test(key);
}
const WS_KEY = /^[+/0-9A-Za-z]{22}==$/;

function makeServer(address: WebAddress, options: ListenOptions): Server {
  // headersTimeout (frame_timeout_ms, below) is checked every connectionsCheckingInterval: often
  // enough that headers trickling in are cut near the limit, not up to 30 s (Node's default) later.
  const connectionsCheckingInterval = Math.max(50, Math.min(1000, Math.floor(options.limits.frameTimeoutMs / 4)));
  if (!address.tls) return createHttpServer({ connectionsCheckingInterval });
  const tls = options.tls;
  if (!tls) throw new Error(`${formatWebAddress(address)} needs a certificate: add "tls": {"cert": "cert.pem", "key": "key.pem"} to the node config`);
  const read = (what: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new Error(`tls.${what}: cannot read ${path}: ${(error as Error).message}`);
    }
  };
  return createHttpsServer({ cert: read('cert', tls.cert), key: read('key', tls.key), handshakeTimeout: options.limits.handshakeTimeoutMs, connectionsCheckingInterval });
}

/** An HTTP response written on a raw socket (an upgrade refused, a request that did not parse). */
function rawResponse(status: number, env: ErrorEnvelope): Buffer {
  const body = encodeEnvelope(env, 'json');
  const head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}
