// What `interop inspect` and `interop call` accept as ENDPOINT: an address (unix:/path,
// tcp://host:port, ws://, wss://, http://, https://), or the name of a node of a running
// application (`hub`, or `app/hub` when several applications run), looked up in the supervisor's
// status file.

import { findRuns, pidAlive } from '../supervisor/run-dir.js';
import { parseTcp, unixPath } from '../transport/socket.js';
import { parseWebAddress } from '../transport/web/address.js';

/** An ENDPOINT that names nothing usable: a usage error (exit code 2), printed as is. */
export class EndpointError extends Error {}

/**
 * `control` gives a node's control endpoint (manifest and health only); `data` its own data
 * socket, where its modules are served too (what `interop call` needs).
 */
export function resolveEndpoint(endpoint: string, kind: 'control' | 'data' = 'control'): string {
  if (/^(unix:|tcp:\/\/|wss?:\/\/|https?:\/\/)/.test(endpoint)) {
    try {
      if (endpoint.startsWith('unix:')) unixPath(endpoint);
      else if (endpoint.startsWith('tcp://')) parseTcp(endpoint);
      else parseWebAddress(endpoint);
    } catch (err) {
      throw new EndpointError((err as Error).message);
    }
    return endpoint;
  }
  const [appName, nodeName] = endpoint.includes('/') ? endpoint.split('/', 2) : [undefined, endpoint];
  const found = liveRuns()
    .filter((r) => appName === undefined || r.status.app === appName)
    .flatMap((r) => r.status.nodes.filter((n) => n.name === nodeName).map((node) => ({ app: r.status.app, node })));
  if (found.length > 1) {
    throw new EndpointError(`"${endpoint}" names a node in several running applications (${found.map((m) => m.app).join(', ')}): write app/node`);
  }
  const match = found[0];
  if (match === undefined) {
    throw new EndpointError(`"${endpoint}" is not an address (unix:/path, tcp://host:port, ws://host:port, http://host:port) nor a node of a running application (see \`interop status\`)`);
  }
  const { node } = match;
  if (node.control === undefined) {
    // A stdio plugin has no socket: only its parent talks to it, over the plugin's stdin and stdout.
    const parent = `"${node.pluginOf ?? '?'}"`;
    throw new EndpointError(
      `"${node.name}" is a stdio plugin of node ${parent}: it has no endpoint of its own, only ${parent} talks to it (over its stdin and stdout). ` +
        `To reach ${node.modules.join(', ') || 'its modules'} from the shell, link it with "transport": "unix" (or "tcp") instead of "stdio" ` +
        `in ${match.app}'s app config, or call ${parent}, which uses it.`,
    );
  }
  return (kind === 'data' ? node.listen[0] : undefined) ?? node.control;
}

export function liveRuns(): ReturnType<typeof findRuns> {
  return findRuns().filter((r) => pidAlive(r.status.supervisorPid));
}
