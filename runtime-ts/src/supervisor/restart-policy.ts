// Restart with exponential backoff and a cap: a node may be restarted at most `maxRestarts` times
// within any `windowMs`; one more crash inside the window and it is declared failed. A node that
// stays up longer than the window therefore earns its budget back.

import type { RestartPolicy } from './app-config.js';

export class RestartBudget {
  private readonly recent: number[] = [];
  /** Every restart so far, for `interop status`; never reset. */
  total = 0;

  constructor(private readonly policy: RestartPolicy) {}

  /**
   * Called when the node has exited unexpectedly. Returns the delay before the next start, or
   * undefined when the cap is reached and the node must be declared failed.
   */
  next(now: number): number | undefined {
    while (this.recent.length > 0 && now - this.recent[0]! > this.policy.windowMs) this.recent.shift();
    if (this.recent.length >= this.policy.maxRestarts) return undefined;
    const attempt = this.recent.length; // 0 for the first restart in the window
    this.recent.push(now);
    this.total += 1;
    return Math.min(this.policy.backoffMaxMs, this.policy.backoffInitialMs * 2 ** attempt);
  }
}
