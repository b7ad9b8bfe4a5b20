// `interop`: run and supervise applications, and look into running nodes. Parses arguments with
// yargs and hands over to one file per command. Exit codes (docs/cli.md): 0 ok, 1 the application
// or the call failed, 2 usage error or bad config, 3 internal error.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { callCommand } from './call-command.js';
import { echoCommand } from './echo-command.js';
import { emitCommand } from './emit-command.js';
import { healthProbe } from './control-probe.js';
import { inspectCommand } from './inspect-command.js';
import { libraryOptions, registerLibraryCommands, toLibraryOptions } from './library-commands.js';
import { runCommand } from './run-command.js';
import { statusCommand } from './status-command.js';

// yargs' ESM build lays out help with a wrap that cuts words in two ("nod|es"); its CommonJS build
// wraps at spaces, so the CLI loads that one.
const yargs = createRequire(import.meta.url)('yargs') as typeof import('yargs').default;
/** The version of the package this file is in: runtime-ts here, @interop/cli from its bundle (dist/cli/). */
function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Each command's required positionals, to name the missing ones in a usage error. */
const REQUIRED: Record<string, string[]> = {
  run: ['config'], status: [], inspect: ['endpoint'], call: ['endpoint', 'target'], echo: ['endpoint', 'target'], emit: ['address', 'target'], pack: [], publish: ['archives'], fetch: ['config'], host: [],
};

/** yargs' "Not enough non-option arguments: got 1, need at least 2" as "missing <target>". */
function usageMessage(command: string | undefined, msg: string): string {
  const m = /^Not enough non-option arguments: got (\d+)/.exec(msg);
  const required = command !== undefined ? REQUIRED[command] : undefined;
  if (!m || !required) return msg;
  return `missing ${required.slice(Number(m[1])).map((p) => `<${p}>`).join(' and ')}`;
}

/**
 * Nobody reads our output any more (e.g. `interop run app.json | head`): behave as on SIGTERM, so
 * `run` still stops its nodes cleanly and the other commands end quietly.
 */
let watchingStdout = false;
function stopWhenStdoutCloses(): void {
  if (watchingStdout) return;
  watchingStdout = true;
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
  const parser = registerLibraryCommands(yargs(argv), (c) => (code = c), () => failed)
    .scriptName('interop')
    .usage('$0 <command> [options]\n\nStart and supervise interop applications, and talk to their running nodes.')
    .command(
      'run <config>',
      'Start every node of an application and supervise it until it ends (or Ctrl-C)',
      (y) =>
        libraryOptions(y)
          .positional('config', { type: 'string', describe: 'The application config (app.json, see docs/config.md)' })
          .option('prepare', { type: 'boolean', default: true, describe: 'Run the config\'s "prepare" commands first (--no-prepare skips them)' })
          .example('$0 run examples/greenhouse/app.json', 'run the example application')
          .example('$0 run --no-prepare app.json', 'start without regenerating code'),
      async (a) => {
        if (!failed) code = await runCommand({ config: a.config!, prepare: a.prepare, probe: healthProbe, library: toLibraryOptions(a, 'run') });
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
        if (!failed) code = await statusCommand({ ...(a.app !== undefined ? { app: a.app } : {}), watch: a.watch, json: a.json, probe: healthProbe });
      },
    )
    .command(
      'inspect <endpoint>',
      'Print a running node\'s manifest: its modules, types, functions and events',
      (y) =>
        y
          .positional('endpoint', { type: 'string', describe: 'unix:/path, tcp://host:port, or a node name of a running app' })
          .option('json', { type: 'boolean', default: false, describe: 'Print the raw manifest as JSON' })
          .example('$0 inspect hub', 'the node "hub" of the running application')
          .example('$0 inspect unix:/tmp/chat.ctl', 'any control endpoint'),
      async (a) => {
        if (!failed) code = await inspectCommand({ endpoint: a.endpoint!, json: a.json });
      },
    )
    .command(
      'call <endpoint> <target> [args]',
      'Call a function from the shell, driven by the node\'s manifest (like grpcurl)',
      (y) =>
        y
          .positional('endpoint', { type: 'string', describe: 'A data endpoint (unix:/path, tcp://host:port) or a node name of a running app' })
          .positional('target', { type: 'string', describe: 'module.function, e.g. example.chat.post' })
          .positional('args', { type: 'string', default: '{}', describe: 'JSON: an object by parameter name, or an array in order' })
          .option('codec', { choices: ['json', 'msgpack'] as const, default: 'json' as const, describe: 'Codec for the call' })
          .option('timeout', { type: 'number', default: 10_000, describe: 'Deadline in ms' })
          .example('$0 call hub greenhouse.climate.summary', 'node "hub" of the running application; no arguments')
          .example(`$0 call unix:/tmp/chat.sock example.chat.post '{"text":"hi"}'`, 'arguments by name')
          .epilog('ENDPOINT is a data endpoint: an address the node listens on ("listen" in its config). Its control endpoint serves only the manifest and health.'),
      async (a) => {
        if (!failed) code = await callCommand({ endpoint: a.endpoint!, target: a.target!, args: a.args, codec: a.codec, timeoutMs: a.timeout });
      },
    )
    .command(
      'echo <endpoint> <target>',
      'Print a running node\'s events as they come, one JSON document per line (like ros2 topic echo)',
      (y) =>
        y
          .positional('endpoint', { type: 'string', describe: 'A data endpoint (unix:/path, tcp://host:port) or a node name of a running app' })
          .positional('target', { type: 'string', describe: 'module.event, e.g. example.chat.message_posted' })
          .option('count', { type: 'number', describe: 'Stop after this many events' })
          .option('codec', { choices: ['json', 'msgpack'] as const, default: 'json' as const, describe: 'Codec the events come in' })
          .option('timeout', { type: 'number', default: 10_000, describe: 'Deadline in ms for reaching the node' })
          .example('$0 echo hub greenhouse.climate.alert', 'node "hub" of the running application, until Ctrl-C')
          .example('$0 echo tcp://127.0.0.1:7100 example.chat.message_posted --count 3', 'the next three events, then exit'),
      async (a) => {
        if (!failed) code = await echoCommand({ endpoint: a.endpoint!, target: a.target!, codec: a.codec, timeoutMs: a.timeout, ...(a.count !== undefined ? { count: a.count } : {}) });
      },
    )
    .command(
      'emit <address> <target> [payload]',
      'Send one event: serve its module on ADDRESS, wait for a subscriber, publish once (like ros2 topic pub --once)',
      (y) =>
        y
          .positional('address', { type: 'string', describe: 'Where to listen (unix:/path, tcp://host:port, ws://host:port): the subscribers connect here' })
          .positional('target', { type: 'string', describe: 'module.event, e.g. example.chat.message_posted' })
          .positional('payload', { type: 'string', describe: 'The event\'s payload as JSON (none for an event without one)' })
          // Not `array: true`, which would swallow the positionals: repeat the option instead.
          .option('schema', { type: 'string', describe: 'The .interop file declaring the module (or a manifest JSON from interopc manifest / interop inspect --json); repeat for several' })
          .option('timeout', { type: 'number', default: 30_000, describe: 'How long to wait for a subscriber, in ms' })
          .example(`$0 emit unix:/tmp/chat.sock example.chat.message_posted '{"id":"1","text":"hi"}' --schema chat.interop`, 'a subscriber linked to unix:/tmp/chat.sock gets one event')
          .epilog('Exit codes: 0 sent, 1 nobody subscribed in time (or the address or schema could not be used), 2 usage error: unknown module or event, a payload that is not JSON or not a value of the event\'s type.'),
      async (a) => {
        if (!failed) {
          code = await emitCommand({
            address: a.address!, target: a.target!, schemas: a.schema === undefined ? [] : ([] as string[]).concat(a.schema), timeoutMs: a.timeout,
            ...(a.payload !== undefined ? { payload: a.payload } : {}),
          });
        }
      },
    )
    .demandCommand(1, 'Give a command: run, status, inspect, call, echo, emit, pack, publish, fetch or host')
    .recommendCommands()
    .strict()
    .version(version())
    .help()
    .alias('h', 'help')
    .epilog('Exit codes: 0 ok, 1 the application or the call failed, 2 usage error or bad config, 3 internal error.')
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .exitProcess(false)
    // With exitProcess(false), yargs still runs the command's handler after a validation failure,
    // and may report several failures of one command line: the first one is printed, and the
    // handlers check `failed` so that a usage error is never followed by a run.
    .fail((msg, e) => {
      if (failed) return;
      failed = true;
      if (e) {
        process.stderr.write(`interop: internal error: ${e.stack ?? e.message}\n`);
        code = 3;
      } else {
        const known = argv[0] !== undefined && argv[0] in REQUIRED ? argv[0] : undefined;
        const command = known ? `interop ${known}` : 'interop';
        process.stderr.write(`${command}: ${usageMessage(known, msg)}\nRun '${command} --help' for usage.\n`);
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
