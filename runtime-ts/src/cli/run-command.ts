// `interop run app.json`: load and check the config, show what will run, start and supervise it
// until the main node finishes, a node fails for good, or Ctrl-C / SIGTERM; then print a summary.
// Exit code 0 when the application ended by itself, 1 when it failed, 2 for a bad config; stopped
// by a signal, it cleans up and then dies of that same signal.

import os from 'node:os';
import type { LibraryOptions } from '../library/app-packages.js';
import { AppConfigError, loadAppConfig } from '../supervisor/app-config.js';
import type { HealthProbe } from '../supervisor/readiness.js';
import { Supervisor } from '../supervisor/supervisor.js';
import { describeApp, summary } from './tables.js';

export interface RunArgs {
  config: string;
  prepare: boolean;
  probe: HealthProbe;
  /** How the application's packages are resolved (docs/library.md). */
  library?: LibraryOptions;
}

export async function runCommand(args: RunArgs): Promise<number> {
  let app;
  try {
    app = loadAppConfig(args.config);
  } catch (err) {
    if (err instanceof AppConfigError) {
      process.stderr.write(`interop run: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  process.stdout.write(`interop run: ${describeApp(app)}\n`);
  const supervisor = new Supervisor(app, { probe: args.probe, skipPrepare: !args.prepare, ...(args.library ? { library: args.library } : {}) });

  let signals = 0;
  let stoppedBy: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    stoppedBy ??= signal;
    if (signals === 1) void supervisor.stop(`${signal} received`);
    else {
      process.stdout.write(`interop run: ${signal} again: killing every node now\n`);
      supervisor.forceKill();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  try {
    await supervisor.start();
  } catch {
    // The reason is in the result below: start() has already stopped everything.
  }
  const result = await supervisor.done;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('SIGHUP', onSignal);
  process.stdout.write(`\n${summary(result.status, result.reason)}\n`);
  if (stoppedBy !== undefined && result.ok) {
    // Everything is cleaned up; now end the way a signalled program does, so that a calling shell
    // script (scripts/example.sh) stops too instead of going on to its next command.
    process.kill(process.pid, stoppedBy);
    return 128 + (os.constants.signals[stoppedBy] ?? 15);
  }
  return result.ok ? 0 : 1;
}
