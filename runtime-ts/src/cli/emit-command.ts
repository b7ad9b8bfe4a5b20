// `interop emit ADDRESS module.event '<json>' --schema FILE`: sends one event, like
// `ros2 topic pub --once`, to test a module that listens to another module's events without
// running that other module. Subscribers only ever receive EVENTs on connections where they
// SUBSCRIBEd (docs/wire.md §1.1), so emit stands in for the publisher: it serves the module (from
// its schema) on ADDRESS, waits for a subscriber to the event, publishes it once, and closes
// (docs/adr/0026-interop-emit.md). No frame or handshake of its own: any runtime's subscriber works.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { DynamicCodecs, type IrModule } from '../codec/dynamic.js';
import type { EventDescriptor, ModuleDescriptor } from '../module.js';
import { JsonTextError, parseJsonText } from '../json-text.js';
import { interopc } from '../library/pack.js';
import { Node } from '../node/node.js';
import { DEFAULT_LIMITS } from '../wire/limits.js';
import { describeError, UsageError } from './call-command.js';

export interface EmitArgs {
  /** Where to listen: the address the subscribers connect to. */
  address: string;
  target: string;
  /** The payload as canonical JSON; absent for an event without one. */
  payload?: string;
  /** .interop files (read with interopc manifest) or a manifest as JSON. */
  schemas: string[];
  /** How long to wait for a subscriber. */
  timeoutMs: number;
}

const utf8 = new TextEncoder();
/** How often to look for a subscriber: a SUBSCRIBE shows up as a new sink of the event hub. */
const POLL_MS = 10;

/** A problem running interopc or reading a schema: exit code 1, as a node that cannot be reached. */
class SchemaError extends Error {}

export async function emitCommand(args: EmitArgs): Promise<number> {
  let node: Node | undefined;
  try {
    if (!Number.isSafeInteger(args.timeoutMs) || args.timeoutMs < 1) {
      throw new UsageError(`--timeout: expected a whole number of milliseconds (at least 1), got ${String(args.timeoutMs)}`);
    }
    if (!/^(unix:|tcp:\/\/|wss?:\/\/|https?:\/\/)/.test(args.address)) {
      throw new UsageError(`"${args.address}" is not an address to listen on (unix:/path, tcp://host:port, ws://host:port): emit serves the module there, and its subscribers connect to it`);
    }
    if (args.schemas.length === 0) throw new UsageError('missing --schema: the .interop file (or manifest JSON) that declares the event');
    const dot = args.target.lastIndexOf('.');
    if (dot <= 0) throw new UsageError(`"${args.target}" is not module.event (e.g. example.chat.message_posted)`);
    const [moduleName, eventName] = [args.target.slice(0, dot), args.target.slice(dot + 1)];

    const irModules = loadModules(args.schemas);
    if (!irModules.some((m) => m.name === moduleName)) {
      throw new UsageError(`the schemas do not declare module ${moduleName}; they declare: ${irModules.map((m) => m.name).join(', ') || 'no modules'}`);
    }
    const module = new DynamicCodecs(irModules).moduleDescriptor(moduleName);
    const event = module.events[eventName];
    if (event === undefined) {
      throw new UsageError(`${moduleName} has no event "${eventName}"; its events: ${Object.keys(module.events).join(', ') || 'none'}`);
    }
    const payload = parsePayload(event, args.payload);

    node = await Node.start({ node: 'interop-emit', listen: [args.address] }, { implementations: [[module, {}]] });
    const address = node.endpoints[0]!;
    // On stderr, as echo's "subscribed" line: a script may wait for it before it starts the subscriber.
    process.stderr.write(`interop emit: serving ${moduleName} at ${address}; waiting for a subscriber to ${args.target}\n`);
    const subscribers = await waitForSubscriber(node, module, event, args.timeoutMs);
    if (subscribers === 'stopped') throw new Error(`stopped before anyone subscribed to ${args.target}: nothing was sent`);
    if (subscribers === 0) throw new Error(`nobody subscribed to ${args.target} at ${address} within ${args.timeoutMs} ms (--timeout): nothing was sent`);
    node.publisher(module).publish(module, event, payload);
    process.stderr.write(`interop emit: sent ${args.target} to ${subscribers} subscriber${subscribers === 1 ? '' : 's'}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`interop emit: ${describeError(err)}\n`);
    return err instanceof UsageError ? 2 : 1;
  } finally {
    // GOODBYE goes out after the EVENT: a subscriber gets the event before the connection ends.
    await node?.close();
  }
}

/** The payload, checked by the event type's own decoder (so an error names the field). */
function parsePayload(event: EventDescriptor, raw: string | undefined): unknown {
  const target = `${event.name} event`;
  if (event.payload === undefined) {
    if (raw !== undefined) throw new UsageError(`the ${target} has no payload: give none`);
    return undefined;
  }
  if (raw === undefined) throw new UsageError(`missing <payload>: the ${target} carries a value, as JSON`);
  try {
    parseJsonText(raw);
  } catch (err) {
    if (err instanceof JsonTextError) throw new UsageError(`the payload is not JSON: ${err.message}`);
    throw err;
  }
  try {
    return event.payload.decode(utf8.encode(raw), 'json', { maxDepth: DEFAULT_LIMITS.maxDepth });
  } catch (err) {
    throw new UsageError(`bad payload for the ${target}: ${(err as Error).message}`);
  }
}

/** The IR of every module the schema files declare or import. */
function loadModules(schemas: string[]): IrModule[] {
  const json = schemas.filter((f) => f.endsWith('.json'));
  const sources = schemas.filter((f) => !f.endsWith('.json'));
  const modules: IrModule[] = [];
  for (const file of json) {
    let doc: { modules?: IrModule[]; bundle?: { modules?: IrModule[] } };
    try {
      doc = JSON.parse(readFileSync(file, 'utf8')) as typeof doc;
    } catch (err) {
      throw new SchemaError(`${file}: ${(err as Error).message}`);
    }
    // `interopc manifest` prints the bundle; `interop inspect --json` a document holding it.
    const found = doc.modules ?? doc.bundle?.modules;
    if (!Array.isArray(found)) throw new SchemaError(`${file}: not a manifest (the output of \`interopc manifest\` or \`interop inspect --json\`)`);
    modules.push(...found);
  }
  if (sources.length > 0) {
    const [cmd, ...pre] = interopc();
    const r = spawnSync(cmd!, [...pre, 'manifest', ...sources], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (r.error) throw new SchemaError(`cannot run interopc (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}); set INTEROPC to its path`);
    if (r.status !== 0) throw new SchemaError(`the schemas have errors (interopc manifest):\n${r.stderr.trimEnd()}`);
    modules.push(...(JSON.parse(r.stdout) as { modules: IrModule[] }).modules);
  }
  return modules;
}

/** The number of subscribers once there is one, 0 after `timeoutMs`, 'stopped' on Ctrl-C or SIGTERM. */
async function waitForSubscriber(node: Node, module: ModuleDescriptor, event: EventDescriptor, timeoutMs: number): Promise<number | 'stopped'> {
  let stopped = false;
  const stop = () => (stopped = true);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const n = node.services.hub.subscribers(module.name, event.name);
      if (stopped) return 'stopped';
      if (n > 0 || Date.now() >= deadline) return n;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
