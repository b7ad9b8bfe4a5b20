// The node configs (docs/config.md, "Node config") the runner hands to a combination's server and
// client through INTEROP_NODE_CONFIG. Servers and clients are ordinary nodes: nothing in them is
// special to the conformance suite except which module they host or call.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Combination } from './plan.js';

export const MODULE = 'interop.conformance';

export interface NodeConfig {
  node: string;
  modules: string[];
  stdio?: boolean;
  listen: string[];
  connect: Array<{ address: string; codec: string; modules: string[] }>;
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
  opts: { address?: string; serverCommand?: string[]; repoRoot: string },
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
  write(serverPath, { node: 'conformance-server', modules: [MODULE], ...base, listen: [address] });
  write(clientPath, {
    node: 'conformance-client',
    modules: [],
    ...base,
    connect: [{ address, codec: combo.codec, modules: [MODULE] }],
  });
  return { serverConfig: serverPath, clientConfig: clientPath, address };
}
