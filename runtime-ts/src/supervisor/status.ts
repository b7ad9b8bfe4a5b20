// What `interop status` shows: the supervisor rewrites this document in its run directory on
// every state change, and the CLI reads it (and asks each ready node for live health).

export type NodeState =
  | 'pending' // not started yet (waiting for the nodes it links to)
  | 'starting' // process started, not yet answering health on its control channel
  | 'ready' // answering health
  | 'backoff' // exited unexpectedly, waiting to be restarted
  | 'exited' // finished with code 0 and is not restarted
  | 'failed' // restart cap reached, or could not be started
  | 'stopping'
  | 'stopped'
  | 'plugin'; // spawned by its parent node over stdio, not by the supervisor

export type AppState = 'preparing' | 'starting' | 'ready' | 'stopping' | 'stopped' | 'failed';

export interface NodeStatus {
  name: string;
  language: string;
  modules: string[];
  state: NodeState;
  pid?: number;
  restarts: number;
  /** Control endpoint, e.g. `unix:/tmp/interop-1000/demo-4242/hub.control.sock`. */
  control?: string;
  /** Addresses this node listens on for its incoming links. */
  listen: string[];
  pluginOf?: string;
  /** How the last run ended, e.g. "code 1" or "signal SIGKILL". */
  lastExit?: string;
  /** When the current process started (ms since epoch). */
  startedAt?: number;
}

export interface AppStatus {
  app: string;
  config: string;
  supervisorPid: number;
  state: AppState;
  startedAt: number;
  runDir: string;
  nodes: NodeStatus[];
  /** Why the application failed, when it did. */
  failure?: string;
}
