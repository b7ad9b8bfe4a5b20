// One supervised node: its process (as a process group), its readiness, its restarts. The
// application-wide decisions (stop everything when the main node ends or a node fails for good)
// are the Supervisor's; this class only reports them through its hooks.

import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { pipeLines, type OutputSink } from './prefixed-output.js';
import { groupAlive, signalGroup, signalLeader, spawnGroup } from './process-group.js';
import { waitUntilHealthy, type HealthProbe } from './readiness.js';
import { RestartBudget } from './restart-policy.js';
import { nodeEnvironment, type NodePlan } from './run-plan.js';
import type { NodeState, NodeStatus } from './status.js';

export interface ManagedNodeHooks {
  sink: OutputSink;
  log: (message: string) => void;
  probe: HealthProbe;
  readyTimeoutMs: number;
  shutdownGraceMs: number;
  /** Liveness checks once ready: every healthIntervalMs (0: none), kill after unhealthyAfter misses. */
  healthIntervalMs: number;
  unhealthyAfter: number;
  onChange: () => void;
  /** The main node exited with code 0: the application is done. */
  onFinished: (node: string) => void;
  /** The restart cap was reached: the application has failed. */
  onFailed: (node: string, why: string) => void;
}

export class ManagedNode {
  private state: NodeState;
  private child: ChildProcess | undefined;
  private childExited: Promise<void> = Promise.resolve();
  private readyAbort: AbortController | undefined;
  private liveness: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly budget: RestartBudget;
  private lastExit: string | undefined;
  private startedAt: number | undefined;
  private stopRequested = false;
  private readyWaiters: Array<(ready: boolean) => void> = [];

  constructor(readonly plan: NodePlan, private readonly configFile: string, private readonly hooks: ManagedNodeHooks) {
    this.state = plan.servesStdio ? 'plugin' : 'pending';
    this.budget = new RestartBudget(plan.node.restart);
  }

  get name(): string {
    return this.plan.node.name;
  }

  /** Starts the node; true once it answers health (after restarts if need be), false if it never will. */
  startAndWait(): Promise<boolean> {
    const ready = new Promise<boolean>((resolve) => this.readyWaiters.push(resolve));
    this.launch();
    return ready;
  }

  async stop(): Promise<void> {
    this.stopRequested = true;
    clearTimeout(this.restartTimer);
    clearInterval(this.liveness);
    this.settleWaiters(false);
    const child = this.child;
    if (child?.pid === undefined) {
      if (this.state !== 'plugin' && this.state !== 'failed' && this.state !== 'exited') this.setState('stopped');
      return;
    }
    this.setState('stopping');
    // The node first, alone: it stops its own plugins in order (GOODBYE, stdin closed, SIGTERM).
    // Then its whole group, for a wrapper that does not pass signals on; then SIGKILL.
    const half = Math.floor(this.hooks.shutdownGraceMs / 2);
    signalLeader(child.pid, 'SIGTERM');
    if (!(await within(this.childExited, half))) {
      signalGroup(child.pid, 'SIGTERM');
      if (!(await within(this.childExited, this.hooks.shutdownGraceMs - half))) {
        this.hooks.log(`${this.name} did not stop within ${this.hooks.shutdownGraceMs} ms: SIGKILL`);
        signalGroup(child.pid, 'SIGKILL');
        await within(this.childExited, 5_000);
      }
    }
    // The leader is gone; anything it left in its group (a plugin, a wrapper's child) goes too.
    if (groupAlive(child.pid)) signalGroup(child.pid, 'SIGKILL');
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child?.pid !== undefined) signalGroup(this.child.pid, signal);
  }

  status(): NodeStatus {
    const { node } = this.plan;
    return {
      name: node.name,
      language: node.language,
      modules: node.modules,
      state: this.state,
      ...(this.child?.pid !== undefined ? { pid: this.child.pid } : {}),
      restarts: this.budget.total,
      ...(this.plan.control !== undefined ? { control: this.plan.control } : {}),
      listen: this.plan.listen,
      ...(node.pluginOf !== undefined ? { pluginOf: node.pluginOf } : {}),
      ...(this.lastExit !== undefined ? { lastExit: this.lastExit } : {}),
      ...(this.startedAt !== undefined && this.child !== undefined ? { startedAt: this.startedAt } : {}),
    };
  }

  private launch(): void {
    if (this.stopRequested) return;
    const { node } = this.plan;
    // A node killed hard leaves its socket files behind; binding again would fail with EADDRINUSE.
    for (const address of [this.plan.control, ...this.plan.listen]) {
      if (address?.startsWith('unix:')) rmSync(address.slice('unix:'.length), { force: true });
    }
    const child = spawnGroup({
      command: node.command,
      cwd: node.cwd,
      env: { ...nodeEnvironment(node), INTEROP_NODE_CONFIG: this.configFile },
    });
    this.child = child;
    this.startedAt = Date.now();
    this.childExited = new Promise((resolve) => {
      let handled = false;
      const onEnd = (how: string, code: number | null): void => {
        if (handled) return;
        handled = true;
        resolve();
        this.onExit(child, how, code);
      };
      child.once('exit', (code, signal) => onEnd(signal !== null ? `signal ${signal}` : `code ${code}`, code));
      // No 'exit' follows a failed spawn (e.g. the program does not exist).
      child.once('error', (err) => {
        if (child.pid === undefined) onEnd(`could not start ${JSON.stringify(node.command[0])}: ${err.message}`, null);
      });
    });
    if (child.stdout) pipeLines(child.stdout, node.name, 'stdout', this.hooks.sink);
    if (child.stderr) pipeLines(child.stderr, node.name, 'stderr', this.hooks.sink);
    this.setState('starting');
    if (child.pid !== undefined) this.awaitReady(child);
  }

  private awaitReady(child: ChildProcess): void {
    const abort = new AbortController();
    this.readyAbort = abort;
    waitUntilHealthy(this.hooks.probe, this.plan.control!, { timeoutMs: this.hooks.readyTimeoutMs, signal: abort.signal }).then(
      (health) => {
        if (this.child !== child || this.state !== 'starting') return;
        this.setState('ready');
        const restarted = this.budget.total > 0 ? `, after ${this.budget.total} restart(s)` : '';
        this.hooks.log(`${this.name} ready (pid ${child.pid}, modules: ${(health.modules ?? this.plan.node.modules).join(', ') || 'none'}${restarted})`);
        this.settleWaiters(true);
        this.watchHealth(child);
      },
      (err: Error) => {
        if (abort.signal.aborted || this.child !== child) return; // it exited; onExit handles that
        this.hooks.log(`${this.name} is not answering: ${err.message}; killing it`);
        signalGroup(child.pid!, 'SIGKILL');
      },
    );
  }

  /**
   * A process can be alive and still useless (a deadlock, a busy loop): a ready node that stops
   * answering health is killed, and restarted like any crash.
   */
  private watchHealth(child: ChildProcess): void {
    const { healthIntervalMs, unhealthyAfter } = this.hooks;
    if (healthIntervalMs <= 0) return;
    let misses = 0;
    let checking = false;
    this.liveness = setInterval(() => {
      if (checking) return;
      checking = true;
      this.hooks.probe(this.plan.control!, Math.min(healthIntervalMs, 2_000)).then(
        (health) => (misses = health.status === 'ok' ? 0 : misses + 1),
        () => (misses += 1),
      ).finally(() => {
        checking = false;
        if (misses < unhealthyAfter || this.child !== child || this.state !== 'ready') return;
        this.hooks.log(`${this.name} stopped answering health (${misses} checks in a row): killing it`);
        clearInterval(this.liveness);
        signalGroup(child.pid!, 'SIGKILL');
      });
    }, healthIntervalMs);
    this.liveness.unref();
  }

  private onExit(child: ChildProcess, how: string, code: number | null): void {
    if (this.child !== child) return;
    clearInterval(this.liveness);
    this.child = undefined;
    this.lastExit = how;
    this.readyAbort?.abort();
    if (child.pid !== undefined && groupAlive(child.pid)) signalGroup(child.pid, 'SIGKILL');
    if (this.stopRequested) {
      this.setState('stopped');
      return;
    }
    if (this.plan.node.main && code === 0) {
      this.setState('exited');
      this.hooks.log(`${this.name} finished (code 0)`);
      this.hooks.onFinished(this.name);
      return;
    }
    const delay = this.budget.next(Date.now());
    if (delay === undefined) {
      const { maxRestarts, windowMs } = this.plan.node.restart;
      const why = `exited (${how}) after ${maxRestarts} restart(s) within ${windowMs} ms`;
      this.setState('failed');
      this.hooks.log(`${this.name} ${why}: giving up`);
      this.settleWaiters(false);
      this.hooks.onFailed(this.name, why);
      return;
    }
    this.setState('backoff');
    this.hooks.log(`${this.name} exited (${how}); restart #${this.budget.total} in ${delay} ms`);
    this.restartTimer = setTimeout(() => this.launch(), delay);
  }

  private settleWaiters(ready: boolean): void {
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const resolve of waiters) resolve(ready);
  }

  private setState(state: NodeState): void {
    this.state = state;
    this.hooks.onChange();
  }
}

/** True when `promise` settled within `ms`. */
async function within(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const result = await Promise.race([promise.then(() => true), timeout]);
  clearTimeout(timer);
  return result;
}
