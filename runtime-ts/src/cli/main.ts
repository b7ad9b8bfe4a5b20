// `interop`: run and supervise applications, and look into running nodes. Parses arguments with
// yargs and hands over to one file per command. Exit codes (docs/cli.md): 0 ok, 1 the application
// or the call failed, 2 usage error or bad config, 3 internal error.

import yargs from 'yargs';
import { callCommand } from './call-command.js';
import { healthProbe } from './control-probe.js';
import { inspectCommand } from './inspect-command.js';
import { runCommand } from './run-command.js';
import { statusCommand } from './status-command.js';

/**
 * Nobody reads our output any more (e.g. `interop run app.json | head`): behave as on SIGTERM, so
 * `run` still stops its nodes cleanly and the other commands end quietly.
 */
function stopWhenStdoutCloses(): void {
  let closed = false;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' || closed) return;
    closed = true;
    process.kill(process.pid, 'SIGTERM');
  });
}

export async function main(argv: string[]): Promise<number> {
  stopWhenStdoutCloses();
  let code = 0;
  let failed = false;
  const parser = yargs(argv)
    .scriptName('interop')
    .usage('$0 <command> [options]\n\nStart and supervise interop applications, and talk to their running nodes.')
    .command(
      'run <config>',
      'Start every node of an application and supervise it until it ends (or Ctrl-C)',
      (y) =>
        y
          .positional('config', { type: 'string', demandOption: true, describe: 'The application config (app.json, see docs/config.md)' })
          .option('prepare', { type: 'boolean', default: true, describe: 'Run the config\'s "prepare" commands first (--no-prepare skips them)' })
          .example('$0 run examples/greenhouse/app.json', 'run the example application')
          .example('$0 run --no-prepare app.json', 'start without regenerating code'),
      async (a) => {
        code = await runCommand({ config: a.config, prepare: a.prepare, probe: healthProbe });
      },
    )
    .command(
      'status [app]',
      'Show running applications: each node, its modules, state, pid and restart count',
      (y) =>
        y
          .positional('app', { type: 'string', describe: 'Only this application (by name)' })
          .option('watch', { alias: 'w', type: 'boolean', default: false, describe: 'Redraw every second' })
          .option('json', { type: 'boolean', default: false, describe: 'Print the status documents as JSON' })
          .example('$0 status', 'every running application')
          .example('$0 status -w greenhouse', 'a live view of one application'),
      async (a) => {
        code = await statusCommand({ ...(a.app !== undefined ? { app: a.app } : {}), watch: a.watch, json: a.json, probe: healthProbe });
      },
    )
    .command(
      'inspect <endpoint>',
      'Print a running node\'s manifest: its modules, types, functions and events',
      (y) =>
        y
          .positional('endpoint', { type: 'string', demandOption: true, describe: 'unix:/path, tcp://host:port, or a node name of a running app' })
          .option('json', { type: 'boolean', default: false, describe: 'Print the raw manifest as JSON' })
          .example('$0 inspect hub', 'the node "hub" of the running application')
          .example('$0 inspect unix:/tmp/chat.ctl', 'any control endpoint'),
      async (a) => {
        code = await inspectCommand({ endpoint: a.endpoint, json: a.json });
      },
    )
    .command(
      'call <endpoint> <target> [args]',
      'Call a function from the shell, driven by the node\'s manifest (like grpcurl)',
      (y) =>
        y
          .positional('endpoint', { type: 'string', demandOption: true, describe: 'unix:/path, tcp://host:port, or a node name of a running app' })
          .positional('target', { type: 'string', demandOption: true, describe: 'module.function, e.g. example.chat.post' })
          .positional('args', { type: 'string', default: '{}', describe: 'JSON: an object by parameter name, or an array in order' })
          .option('codec', { choices: ['json', 'msgpack'] as const, default: 'json' as const, describe: 'Codec for the call' })
          .option('timeout', { type: 'number', default: 10_000, describe: 'Deadline in ms' })
          .example('$0 call hub greenhouse.climate.summary', 'no arguments')
          .example(`$0 call unix:/tmp/chat.ctl example.chat.post '{"text":"hi"}'`, 'arguments by name'),
      async (a) => {
        code = await callCommand({ endpoint: a.endpoint, target: a.target, args: a.args, codec: a.codec, timeoutMs: a.timeout });
      },
    )
    .demandCommand(1, 'Give a command: run, status, inspect or call')
    .recommendCommands()
    .strict()
    .help()
    .alias('h', 'help')
    .epilog('Exit codes: 0 ok, 1 the application or the call failed, 2 usage error or bad config, 3 internal error.')
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((msg, e) => {
      failed = true;
      if (e) {
        process.stderr.write(`interop: internal error: ${e.stack ?? e.message}\n`);
        code = 3;
      } else {
        process.stderr.write(`interop: ${msg}\nRun 'interop --help' or 'interop <command> --help' for usage.\n`);
        code = 2;
      }
    });
  try {
    await parser.parseAsync();
  } catch (e) {
    if (!failed) {
      process.stderr.write(`interop: internal error: ${(e as Error).stack ?? String(e)}\n`);
      return 3;
    }
  }
  return code;
}
