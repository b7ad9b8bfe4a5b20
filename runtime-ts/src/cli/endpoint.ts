// What `interop inspect` and `interop call` accept as ENDPOINT: an address (unix:/path,
// tcp://host:port), or the name of a node of a running application (`hub`, or `app/hub` when
// several applications run), looked up in the supervisor's status file.

import { findRuns, pidAlive } from '../supervisor/run-dir.js';

/**
 * `control` gives a node's control endpoint (manifest and health only); `data` its own data
 * socket, where its modules are served too (what `interop call` needs).
 */
export function resolveEndpoint(endpoint: string, kind: 'control' | 'data' = 'control'): string {
  if (endpoint.startsWith('unix:') || endpoint.startsWith('tcp://')) return endpoint;
  const [appName, nodeName] = endpoint.includes('/') ? endpoint.split('/', 2) : [undefined, endpoint];
  const matches = liveRuns()
    .filter((r) => appName === undefined || r.status.app === appName)
    .flatMap((r) => r.status.nodes.filter((n) => n.name === nodeName && n.control !== undefined).map((n) => ({ app: r.status.app, control: n.control!, data: n.listen[0] })));
  if (matches.length === 1) return (kind === 'data' ? matches[0]!.data : undefined) ?? matches[0]!.control;
  if (matches.length === 0) {
    throw new Error(`"${endpoint}" is not an address (unix:/path or tcp://host:port) nor a node of a running application (see \`interop status\`)`);
  }
  throw new Error(`"${endpoint}" names a node in several running applications (${matches.map((m) => m.app).join(', ')}): write app/node`);
}

export function liveRuns(): ReturnType<typeof findRuns> {
  return findRuns().filter((r) => pidAlive(r.status.supervisorPid));
}
