// The four web schemes as transports (docs/transports.md): ws:// and wss:// dial a WebSocket,
// http:// and https:// speak HTTP requests; every one of them listens with the same web listener,
// which takes both WebSocket connections and HTTP requests.

import { DEFAULT_LIMITS } from '../../wire/limits.js';
import type { Transport } from '../types.js';
import { parseWebAddress } from './address.js';
import { dialWebSocket } from './dial-ws.js';
import { dialHttp } from './http-client.js';
import { listenWeb } from './listener.js';

function webTransport(scheme: 'ws' | 'wss' | 'http' | 'https'): Transport {
  return {
    scheme,
    connect(address, options) {
      const a = parseWebAddress(address);
      return a.scheme === 'ws' || a.scheme === 'wss' ? dialWebSocket(a, address, options) : dialHttp(a, address, options);
    },
    listen(address, accept, options) {
      const a = parseWebAddress(address);
      if (a.path !== '') throw new Error(`listen address "${address}": a listener takes scheme://host:port, without a path`);
      return listenWeb(a, accept, options ?? { limits: DEFAULT_LIMITS });
    },
  };
}

export const wsTransport = webTransport('ws');
export const wssTransport = webTransport('wss');
export const httpTransport = webTransport('http');
export const httpsTransport = webTransport('https');
