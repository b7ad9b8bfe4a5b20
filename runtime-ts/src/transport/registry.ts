// Transports by URL scheme. unix, shm, tcp, ws(s) and http(s) are built in; users register their own
// buses here and then name them in config addresses ("mybus://…").

import { shmTransport } from './shm.js';
import { tcpTransport, unixTransport } from './socket.js';
import { schemeOf, type Transport } from './types.js';
import { httpsTransport, httpTransport, wssTransport, wsTransport } from './web/transports.js';

const transports = new Map<string, Transport>([unixTransport, shmTransport, tcpTransport, wsTransport, wssTransport, httpTransport, httpsTransport].map((t) => [t.scheme, t]));

export function registerTransport(transport: Transport): void {
  if (transport.scheme === 'stdio' || transport.scheme === 'direct') throw new Error(`scheme "${transport.scheme}" is reserved`);
  transports.set(transport.scheme, transport);
}

export function transportFor(address: string): Transport {
  const scheme = schemeOf(address);
  const t = transports.get(scheme);
  if (!t) throw new Error(`no transport for "${scheme}:" (address ${address}); known: ${[...transports.keys()].join(', ')}`);
  return t;
}
