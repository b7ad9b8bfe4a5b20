// Web addresses (docs/transports.md, "WebSocket and HTTP"): ws://, wss://, http://, https://.
// `ws://:8080` (no host) is loopback, as for tcp://.
// A listener's address is scheme://host:port (port 0 picks a free one); a dialed address may add a
// path, for a node behind a reverse proxy that forwards that prefix.

export type WebScheme = 'ws' | 'wss' | 'http' | 'https';

export interface WebAddress {
  scheme: WebScheme;
  /** wss:// and https://. */
  tls: boolean;
  /** Without brackets for IPv6. */
  host: string;
  port: number;
  /** "" or a prefix starting with "/" and not ending with it. */
  path: string;
}

const FORM = /^(wss?|https?):\/\/(\[[0-9a-fA-F:.]+\]|[^/:[\]]*):(\d{1,5})(\/[^?#]*)?$/;

export function parseWebAddress(address: string): WebAddress {
  const m = FORM.exec(address);
  if (!m || Number(m[3]) > 65535) {
    throw new Error(`bad address "${address}": expected ws://host:port, wss://, http:// or https:// with an explicit port (e.g. ws://127.0.0.1:8080)`);
  }
  const scheme = m[1]!.toLowerCase() as WebScheme;
  return {
    scheme,
    tls: scheme === 'wss' || scheme === 'https',
    host: m[2]!.replace(/^\[|\]$/g, '') || '127.0.0.1', // as tcp://: loopback unless the address names a host
    port: Number(m[3]),
    path: (m[4] ?? '').replace(/\/+$/, ''),
  };
}

/** host:port as in a URL (IPv6 in brackets). */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export function formatWebAddress(a: WebAddress): string {
  return `${a.scheme}://${hostPort(a.host, a.port)}${a.path}`;
}
