// A node is ready when it answers `interop.control.health` on its control endpoint (docs/wire.md
// §7). Until then the supervisor polls: a node needs a moment to bind its sockets.

export interface Health {
  node: string;
  status: string;
  uptime_ms?: number;
  connections?: number;
  modules?: string[];
  counters?: Record<string, number>;
}

/** Asks one control endpoint for health once; rejects when it does not answer in `timeoutMs`. */
export type HealthProbe = (endpoint: string, timeoutMs: number) => Promise<Health>;

export interface WaitOptions {
  timeoutMs: number;
  /** Stops waiting (e.g. the process exited). */
  signal: AbortSignal;
  intervalMs?: number;
}

/** Resolves with the first healthy answer; rejects on timeout or abort, with the last error seen. */
export async function waitUntilHealthy(probe: HealthProbe, endpoint: string, options: WaitOptions): Promise<Health> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 100;
  let lastError: unknown;
  while (!options.signal.aborted) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    try {
      const health = await probe(endpoint, Math.min(left, 2_000));
      if (health.status === 'ok') return health;
      lastError = new Error(`health status is "${health.status}"`);
    } catch (err) {
      lastError = err;
    }
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())), options.signal);
  }
  if (options.signal.aborted) throw new Error('stopped waiting');
  const why = lastError instanceof Error ? lastError.message : String(lastError ?? 'no answer');
  throw new Error(`no healthy answer on ${endpoint} within ${options.timeoutMs} ms (last: ${why})`);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
