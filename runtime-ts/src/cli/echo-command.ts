// `interop echo ENDPOINT module.event`: prints a running node's events as they come, one JSON
// document per line (canonical JSON, docs/wire.md §3.1), like `ros2 topic echo`. Driven by the
// node's manifest alone, as `interop call` is. Ends after --count events, on Ctrl-C or SIGTERM,
// or when the node goes away (exit 1).

import { DynamicCodecs, type IrModule } from '../codec/dynamic.js';
import { fetchManifest } from '../control/control.js';
import type { CodecName } from '../module.js';
import { Connection } from '../node/connection.js';
import { ServiceTable } from '../node/services.js';
import { transportFor } from '../transport/registry.js';
import { DEFAULT_LIMITS } from '../wire/limits.js';
import { describeError, UsageError } from './call-command.js';
import { EndpointError, resolveEndpoint } from './endpoint.js';

export interface EchoArgs {
  endpoint: string;
  target: string;
  codec: CodecName;
  timeoutMs: number;
  /** Stop after this many events. */
  count?: number;
}

const text = new TextDecoder();

export async function echoCommand(args: EchoArgs): Promise<number> {
  try {
    if (args.count !== undefined && (!Number.isSafeInteger(args.count) || args.count < 1)) {
      throw new UsageError(`--count: expected a whole number of events (at least 1), got ${String(args.count)}`);
    }
    const endpoint = resolveEndpoint(args.endpoint, 'data');
    const dot = args.target.lastIndexOf('.');
    if (dot <= 0) throw new UsageError(`"${args.target}" is not module.event (e.g. example.chat.message_posted)`);
    const [moduleName, eventName] = [args.target.slice(0, dot), args.target.slice(dot + 1)];

    const manifest = await fetchManifest(endpoint, { timeoutMs: args.timeoutMs });
    const irModules = manifest.bundle.modules as IrModule[];
    const served = manifest.bundle.roots ?? irModules.map((m) => m.name);
    if (!served.includes(moduleName)) throw new UsageError(`node "${manifest.node}" does not serve ${moduleName}; it serves: ${served.join(', ') || 'no modules'}`);
    const module = new DynamicCodecs(irModules).moduleDescriptor(moduleName);
    const event = module.events[eventName];
    if (event === undefined) {
      throw new UsageError(`${moduleName} has no event "${eventName}"; its events: ${Object.keys(module.events).join(', ') || 'none'}`);
    }

    const conn = await Connection.open(await transportFor(endpoint).connect(endpoint), {
      role: 'initiator',
      services: new ServiceTable('interop-echo'),
      limits: DEFAULT_LIMITS,
      codecs: [args.codec],
      wants: [module],
    });
    let seen = 0;
    let finish: (code: number) => void = () => {};
    const finished = new Promise<number>((resolve) => (finish = resolve));
    await conn.subscribe(module, event, (payload) => {
      // An event without a payload prints as null.
      process.stdout.write(`${event.payload ? JSON.stringify(JSON.parse(text.decode(event.payload.encode(payload, 'json')))) : 'null'}\n`);
      if (++seen === args.count) finish(0);
    });
    // On stderr, so that the events alone go to stdout: a script may wait for this line.
    process.stderr.write(`interop echo: subscribed to ${args.target} at ${endpoint}\n`);
    conn.onClose((reason) => {
      process.stderr.write(`interop echo: the node closed the connection (${reason})\n`);
      finish(1);
    });
    const stop = () => finish(0);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      return await finished;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await conn.close('done', 500);
    }
  } catch (err) {
    process.stderr.write(`interop echo: ${describeError(err)}\n`);
    return err instanceof UsageError || err instanceof EndpointError ? 2 : 1;
  }
}
