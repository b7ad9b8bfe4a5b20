// `interop call ENDPOINT module.function '<json>'`: calls a function from the shell, driven by the
// node's manifest alone (like grpcurl with reflection). The manifest's IR gives a dynamic codec
// for the parameters and the result; the arguments are canonical JSON (docs/wire.md §3.1: 64-bit
// integers as strings, enums by name, bytes as base64), by parameter name or as an array.

import { DynamicApplicationError, DynamicCodecs, type IrModule } from '../codec/dynamic.js';
import { fetchManifest } from '../control/control.js';
import { errorCodeName, InteropError } from '../errors.js';
import type { CodecName, FunctionDescriptor, ModuleDescriptor } from '../module.js';
import { Connection } from '../node/connection.js';
import { ServiceTable } from '../node/services.js';
import { transportFor } from '../transport/registry.js';
import { DEFAULT_LIMITS } from '../wire/limits.js';
import { parseJsonText } from '../json-text.js';
import { EndpointError, resolveEndpoint } from './endpoint.js';

export interface CallArgs {
  endpoint: string;
  target: string;
  args: string;
  codec: CodecName;
  timeoutMs: number;
}

const utf8 = new TextEncoder();
const text = new TextDecoder();

/** A problem with what the user typed: printed as is, exit code 2. */
export class UsageError extends Error {}

export async function callCommand(args: CallArgs): Promise<number> {
  try {
    if (!Number.isSafeInteger(args.timeoutMs) || args.timeoutMs < 1) {
      throw new UsageError(`--timeout: expected a whole number of milliseconds (at least 1), got ${String(args.timeoutMs)}`);
    }
    const endpoint = resolveEndpoint(args.endpoint, 'data');
    const dot = args.target.lastIndexOf('.');
    if (dot <= 0) throw new UsageError(`"${args.target}" is not module.function (e.g. greenhouse.sensors.read)`);
    const [moduleName, fnName] = [args.target.slice(0, dot), args.target.slice(dot + 1)];

    const manifest = await fetchManifest(endpoint, { timeoutMs: args.timeoutMs });
    const irModules = manifest.bundle.modules as IrModule[];
    // The bundle carries the served modules (roots) and the modules they import (IR only).
    const served = manifest.bundle.roots ?? irModules.map((m) => m.name);
    if (!served.includes(moduleName)) {
      const why = irModules.some((m) => m.name === moduleName) ? ' (its IR is in the manifest only because a served module imports it)' : '';
      throw new UsageError(`node "${manifest.node}" does not serve ${moduleName}${why}; it serves: ${served.join(', ') || 'no modules'}`);
    }
    const module = new DynamicCodecs(irModules).moduleDescriptor(moduleName);
    const fn = module.functions[fnName];
    if (fn === undefined) {
      throw new UsageError(`${moduleName} has no function "${fnName}"; its functions: ${Object.keys(module.functions).join(', ')}`);
    }
    const missing = missingTypes(irModules, irFunction(module, fnName));
    if (missing.length > 0) {
      throw new Error(`${args.target} uses ${missing.join(', ')}, but the manifest of node "${manifest.node}" only carries the IR of ${irModules.map((m) => m.name).join(', ')}: without the imported modules' IR these types cannot be encoded`);
    }
    const values = parseArguments(fn, irFunction(module, fnName), args.args);
    if (fn.input) {
      throw new UsageError(`${args.target} takes a stream of items (${fn.output ? 'a bidirectional' : 'a client'} stream), which interop call cannot send; call it from code (docs/ts.md "Streams")`);
    }

    const conn = await Connection.open(await transportFor(endpoint).connect(endpoint), {
      role: 'initiator',
      services: new ServiceTable('interop-call'),
      limits: DEFAULT_LIMITS,
      codecs: [args.codec],
      wants: [module],
    });
    try {
      if (fn.kind === 'oneway') {
        conn.oneway(module, fn, values);
        process.stdout.write(`sent (one-way: no reply)\n`);
        return 0;
      }
      if (fn.kind === 'stream') {
        // A server stream: each item as it arrives, one JSON document per item.
        for await (const item of conn.stream(module, fn, values, undefined, { timeoutMs: args.timeoutMs })) {
          process.stdout.write(`${prettyJson(fn.output!.encode(item, 'json'))}\n`);
        }
        return 0;
      }
      const result = await conn.call(module, fn, values, { timeoutMs: args.timeoutMs });
      process.stdout.write(`${fn.result ? prettyJson(fn.result.encode(result, 'json')) : '(no result)'}\n`);
      return 0;
    } finally {
      await conn.close('done', 500);
    }
  } catch (err) {
    process.stderr.write(`interop call: ${describeError(err)}\n`);
    return err instanceof UsageError || err instanceof EndpointError ? 2 : 1;
  }
}

type IrFunction = IrModule['functions'][number];
type IrType = IrFunction['params'][number]['type'];

function irFunction(module: ModuleDescriptor, name: string): IrFunction {
  return (module.ir as IrModule).functions.find((f) => f.name === name)!;
}

/** Qualified names of the declared types a function needs (transitively) that the manifest lacks. */
function missingTypes(modules: IrModule[], fn: IrFunction): string[] {
  const decls = new Map<string, IrModule['types'][number]>(modules.flatMap((m) => m.types.map((d) => [`${m.name}.${d.name}`, d] as [string, typeof d])));
  const missing = new Set<string>();
  const seen = new Set<string>();
  const visit = (t: IrType | undefined): void => {
    if (t === undefined) return;
    if (t.kind === 'list') visit(t.element);
    else if (t.kind === 'optional') visit(t.inner);
    else if (t.kind === 'map') (visit(t.key), visit(t.value));
    else if (t.kind === 'ref') {
      const name = `${t.module}.${t.name}`;
      if (seen.has(name)) return;
      seen.add(name);
      const d = decls.get(name);
      if (d === undefined) missing.add(name);
      else if (d.kind === 'alias') visit(d.type);
      else if (d.kind === 'struct' || d.kind === 'error') d.fields.forEach((f) => visit(f.type));
      else if (d.kind === 'union') d.cases.forEach((c) => visit(c.type));
    }
  };
  fn.params.forEach((p) => visit(p.type));
  visit(fn.result);
  visit(fn.input?.type);
  visit(fn.output);
  fn.throws.forEach(visit);
  return [...missing];
}

/** Arguments as JSON, checked and converted by the parameters' own decoder (so errors name the field). */
function parseArguments(fn: FunctionDescriptor, ir: { params: Array<{ name: string }> }, raw: string): unknown[] {
  const names = ir.params.map((p) => p.name);
  let parsed: unknown;
  try {
    parsed = parseJsonText(raw);
  } catch (err) {
    throw new UsageError(`arguments are not JSON: ${(err as Error).message}`);
  }
  let json = raw;
  if (Array.isArray(parsed)) {
    if (parsed.length > names.length) throw new UsageError(`${fn.name} takes ${names.length} argument(s) (${names.join(', ')}), got ${parsed.length}`);
    json = JSON.stringify(Object.fromEntries(parsed.map((v, i) => [names[i], v])));
  } else if (parsed === null || typeof parsed !== 'object') {
    throw new UsageError(`arguments must be a JSON object by parameter name (${names.join(', ') || 'none'}) or an array`);
  } else {
    const unknown = Object.keys(parsed).filter((k) => !names.includes(k));
    if (unknown.length > 0) throw new UsageError(`${fn.name} has no parameter ${unknown.map((k) => `"${k}"`).join(', ')}; its parameters: ${names.join(', ') || 'none'}`);
  }
  try {
    return fn.params.decode(utf8.encode(json), 'json', { maxDepth: DEFAULT_LIMITS.maxDepth });
  } catch (err) {
    throw new UsageError(`bad arguments for ${fn.name}: ${(err as Error).message}`);
  }
}

function prettyJson(bytes: Uint8Array): string {
  // Canonical JSON carries 64-bit integers as strings, so parsing it again loses nothing.
  return JSON.stringify(JSON.parse(text.decode(bytes)), null, 2);
}

export function describeError(err: unknown): string {
  if (err instanceof DynamicApplicationError) {
    return `${err.errorType} ${JSON.stringify(err.detail, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}${err.message !== err.errorType ? `: ${err.message}` : ''}`;
  }
  if (err instanceof InteropError) return `${errorCodeName(err.code)}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
