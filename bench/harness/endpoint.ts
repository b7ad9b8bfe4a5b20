// Where a benchmark server listens: a fresh Unix socket path or loopback TCP with a free port.
import net from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Net = 'unix' | 'tcp';

export function unixPath(name: string): string {
  return join(mkdtempSync(join(tmpdir(), 'interop-bench-')), `${name}.sock`);
}

/** Listens on a fresh Unix socket or a free loopback port; answers "unix:PATH" or "tcp:PORT". */
export function listen(server: net.Server, kind: string, name: string): Promise<string> {
  return new Promise((resolve) => {
    if (kind === 'unix') {
      const path = unixPath(name);
      server.listen(path, () => resolve(`unix:${path}`));
    } else server.listen(0, '127.0.0.1', () => resolve(`tcp:${(server.address() as net.AddressInfo).port}`));
  });
}

export function connect(address: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = address.startsWith('unix:')
      ? net.connect(address.slice(5))
      : net.connect(Number(address.slice(4)), '127.0.0.1');
    s.setNoDelay(true);
    s.once('connect', () => resolve(s)).once('error', reject);
  });
}
