// `interop run`: starts every node of an application, hands each its node config, waits until each
// answers health on its control channel, restarts crashed nodes with backoff up to a cap, and on
// stop() (Ctrl-C, SIGTERM, the main node finishing, or a node failing for good) stops every
// process group and removes every file it created.

import { rmSync } from 'node:fs';
import { applyPackages, describeResolved, resolveAppPackages, type LibraryOptions } from '../library/app-packages.js';
import type { AppConfig } from './app-config.js';
import { ManagedNode } from './managed-node.js';
import { ConsoleSink, type OutputSink } from './prefixed-output.js';
import { prepare } from './prepare.js';
import type { HealthProbe } from './readiness.js';
import { reapStaleRuns, RunDir, runRoot, STATUS_FILE } from './run-dir.js';
import { makeRunPlan, type RunPlan } from './run-plan.js';
import { renderNodeConfig } from './node-config.js';
import type { AppState, AppStatus } from './status.js';

export interface SupervisorOptions {
  probe: HealthProbe;
  sink?: OutputSink;
  /** The supervisor's own messages (default: printed as the "interop" source). */
  log?: (message: string) => void;
  /** Parent of the run directory (default: runRoot()). */
  runRoot?: string;
  /** Skip the app's `prepare` commands. */
  skipPrepare?: boolean;
  /** How the app's `packages` are resolved and fetched (docs/library.md). */
  library?: LibraryOptions;
}

export interface RunResult {
  ok: boolean;
  /** Why the application stopped, in words. */
  reason: string;
  status: AppStatus;
}

export class Supervisor {
  private readonly sink: OutputSink;
  private readonly log: (message: string) => void;
  private state: AppState = 'preparing';
  private failure: string | undefined;
  private runDir: RunDir | undefined;
  private plan: RunPlan | undefined;
  private readonly nodes = new Map<string, ManagedNode>();
  private readonly startedAt = Date.now();
  private stopping: Promise<RunResult> | undefined;
  private resolveDone!: (result: RunResult) => void;
  /** Settles once the application has stopped and cleaned up, for whatever reason. */
  readonly done: Promise<RunResult> = new Promise((resolve) => (this.resolveDone = resolve));
  private readonly onProcessExit = (): void => this.emergencyCleanup();

  constructor(readonly app: AppConfig, private readonly options: SupervisorOptions) {
    const width = Math.max(8, ...app.nodes.map((n) => n.name.length));
    this.sink = options.sink ?? new ConsoleSink(width);
    this.log = options.log ?? ((m) => this.sink.line('interop', m, 'stdout'));
  }

  /** Resolves when every node is ready; rejects (after stopping everything) when that cannot happen. */
  async start(): Promise<void> {
    const { app } = this;
    if (app.packages.size > 0) {
      // Every package module must be on this machine, checked, before anything runs.
      try {
        const resolved = await resolveAppPackages(app, { log: (m) => this.log(m), ...this.options.library });
        applyPackages(app, resolved);
        this.log(describeResolved(resolved));
      } catch (err) {
        await this.stop(`packages: ${(err as Error).message}`, true);
        throw err;
      }
    }
    if (!this.options.skipPrepare && app.prepare.length > 0) {
      this.log(`preparing ${app.name}: ${app.prepare.length} command(s)`);
      try {
        await prepare(app.prepare, app.dir, this.sink);
      } catch (err) {
        await this.stop(`prepare failed: ${(err as Error).message}`, true);
        throw err;
      }
    }
    // Stopped (SIGTERM) while preparing: start nothing.
    const stoppedEarly = this.stopping as Promise<RunResult> | undefined;
    if (stoppedEarly) throw new Error(`application did not start: ${(await stoppedEarly).reason}`);
    for (const line of reapStaleRuns(this.options.runRoot ?? runRoot())) this.log(`cleaned up after a dead supervisor: ${line}`);
    this.runDir = new RunDir(app.name, this.options.runRoot);
    process.on('exit', this.onProcessExit);
    const runDir = this.runDir;
    this.plan = await makeRunPlan(app, (name) => runDir.file(name));
    for (const nodePlan of this.plan.nodes.values()) {
      // Every node gets its config as a file; a plugin's file is passed on by its parent.
      const configFile = runDir.writeJson(`${nodePlan.node.name}.node.json`, renderNodeConfig(nodePlan));
      const managed = new ManagedNode(nodePlan, configFile, {
        sink: this.sink,
        log: this.log,
        probe: this.options.probe,
        readyTimeoutMs: app.readyTimeoutMs,
        shutdownGraceMs: app.shutdownGraceMs,
        healthIntervalMs: app.healthIntervalMs,
        unhealthyAfter: app.unhealthyAfter,
        onChange: () => this.writeStatus(),
        onFinished: (node) => void this.stop(`main node "${node}" finished`, false),
        onFailed: (node, why) => void this.stop(`node "${node}" failed: ${why}`, true),
      });
      this.nodes.set(nodePlan.node.name, managed);
    }
    this.setState('starting');
    this.log(`starting ${app.name}: ${describeOrder(this.plan.startOrder)} (run directory ${runDir.path})`);
    for (const group of this.plan.startOrder) {
      if (this.stopping) break;
      const ready = await Promise.all(group.map((name) => this.nodes.get(name)!.startAndWait()));
      if (ready.includes(false)) break;
    }
    if (this.stopping) {
      const result = await this.stopping;
      throw new Error(`application did not start: ${result.reason}`);
    }
    this.setState('ready');
    this.log(`${app.name} is ready: ${[...this.nodes.values()].filter((n) => !n.plan.servesStdio).length} node(s) answering health`);
  }

  /** Stops every node (SIGTERM, then SIGKILL after the grace period) and removes all files. */
  stop(reason: string, failed = false): Promise<RunResult> {
    this.stopping ??= this.doStop(reason, failed);
    return this.stopping;
  }

  /** A second Ctrl-C: kill every group now rather than waiting for the grace period. */
  forceKill(): void {
    for (const node of this.nodes.values()) node.kill('SIGKILL');
  }

  status(): AppStatus {
    return {
      app: this.app.name,
      config: this.app.file,
      supervisorPid: process.pid,
      state: this.state,
      startedAt: this.startedAt,
      runDir: this.runDir?.path ?? '',
      nodes: [...this.nodes.values()].map((n) => n.status()),
      ...(this.failure !== undefined ? { failure: this.failure } : {}),
    };
  }

  private async doStop(reason: string, failed: boolean): Promise<RunResult> {
    if (failed) this.failure = reason;
    this.setState('stopping');
    this.log(`stopping ${this.app.name}: ${reason}`);
    // Reverse start order: callers go first, so nodes they call see a clean GOODBYE, not a crash.
    const groups = [...(this.plan?.startOrder ?? [])].reverse();
    for (const group of groups) await Promise.all(group.map((name) => this.nodes.get(name)!.stop()));
    for (const socket of this.plan?.externalSockets ?? []) rmSync(socket, { force: true });
    this.setState(failed ? 'failed' : 'stopped');
    const status = this.status();
    this.runDir?.remove();
    process.off('exit', this.onProcessExit);
    const result = { ok: !failed, reason, status };
    this.resolveDone(result);
    return result;
  }

  private setState(state: AppState): void {
    this.state = state;
    this.writeStatus();
  }

  private writeStatus(): void {
    if (this.runDir === undefined || this.state === 'stopped' || this.state === 'failed') return;
    try {
      this.runDir.writeJson(STATUS_FILE, this.status());
    } catch {
      // the run directory is being removed: nothing left to report
    }
  }

  /** Last resort when the supervisor process exits without stop(): no orphan, no leftover file. */
  private emergencyCleanup(): void {
    for (const node of this.nodes.values()) node.kill('SIGKILL');
    for (const socket of this.plan?.externalSockets ?? []) rmSync(socket, { force: true });
    this.runDir?.remove();
  }
}

function describeOrder(groups: string[][]): string {
  return groups.map((g) => g.join(' + ')).join(', then ');
}
