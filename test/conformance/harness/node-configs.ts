// The node configs (docs/config.md, "Node config") the runner hands to a combination's server and
// client through INTEROP_NODE_CONFIG. Servers and clients are ordinary nodes: nothing in them is
// special to the conformance suite except which module they host or call.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Combination } from './plan.js';

export const MODULE = 'interop.conformance';

export interface NodeConfig {
  node: string;
  modules: string[];
  stdio?: boolean;
  listen: string[];
  tls?: { cert: string; key: string };
  connect: Array<{ address: string; codec: string; modules: string[]; ca?: string }>;
  plugins: Array<{ command: string[]; cwd?: string; env?: Record<string, string>; codec: string; modules: string[] }>;
}

export interface ComboConfigs {
  /** Config file of the server process; absent for direct (the client hosts the module itself). */
  serverConfig?: string;
  clientConfig: string;
  /** The address the server listens on (unix/tcp), to wait for before starting the client. */
  address?: string;
}

/**
 * Writes the combination's config files into `dir` and returns their paths. `address` is the
 * listening address for unix/tcp; `serverCommand` is spawned by the client for stdio.
 */
export function writeComboConfigs(
  dir: string,
  combo: Combination,
  opts: { address?: string; tls?: { cert: string; key: string }; serverCommand?: string[]; repoRoot: string },
): ComboConfigs {
  const serverPath = join(dir, 'server.node.json');
  const clientPath = join(dir, 'client.node.json');
  const write = (path: string, cfg: NodeConfig) => writeFileSync(path, JSON.stringify(cfg, null, 2) + '\n');
  const base = { listen: [], connect: [], plugins: [] };

  if (combo.transport === 'direct') {
    write(clientPath, { node: 'conformance-client', modules: [MODULE], ...base });
    return { clientConfig: clientPath };
  }
  if (combo.transport === 'stdio') {
    write(serverPath, { node: 'conformance-server', modules: [MODULE], stdio: true, ...base });
    write(clientPath, {
      node: 'conformance-client',
      modules: [],
      ...base,
      plugins: [{
        command: opts.serverCommand!,
        cwd: opts.repoRoot,
        env: { INTEROP_NODE_CONFIG: serverPath },
        codec: combo.codec,
        modules: [MODULE],
      }],
    });
    return { serverConfig: serverPath, clientConfig: clientPath };
  }
  const address = opts.address!;
  // wss, https: the server's certificate is self-signed, so the client trusts it as its own `ca`.
  const tls = opts.tls ? { tls: opts.tls } : {};
  const ca = opts.tls ? { ca: opts.tls.cert } : {};
  write(serverPath, { node: 'conformance-server', modules: [MODULE], ...base, listen: [address], ...tls });
  write(clientPath, {
    node: 'conformance-client',
    modules: [],
    ...base,
    connect: [{ address, codec: combo.codec, modules: [MODULE], ...ca }],
  });
  return { serverConfig: serverPath, clientConfig: clientPath, address };
}

/** A self-signed certificate for 127.0.0.1 and localhost (a P-256 key, one day), written into `dir`. */
export function selfSignedPair(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  return { cert, key };
}
