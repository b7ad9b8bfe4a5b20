// Our generated client stub for bench.shapes, bound to the runtime's DirectInvoker (same process:
// no encoding, no frames; value checks, deadline, cancellation and error mapping as over a
// connection). Also the invoker's call with the value checks (docs/wire.md §3.4) switched off, to
// measure what they cost.
import type { Results } from '../harness/results.js';
import type { ShapeName } from '../shapes/data.js';
import { ECHO_OF, loadGeneratedTs } from '../harness/ours-ts.js';
import { loadRuntime } from '../harness/runtime-ts.js';
import { haveTs, OURS } from '../rpc/ours-ts.js';

export interface DirectContender {
  name: string;
  /** Metric key: "stub" for ours, "plain" for the baseline. */
  key: string;
  call(v: unknown): Promise<unknown>;
}

interface Codec {
  validate(v: unknown): void;
}
interface FunctionDescriptor {
  params: Codec;
  result: Codec;
}
interface Invoker {
  call(module: unknown, fn: FunctionDescriptor, args: unknown[]): Promise<unknown>;
}

export async function ourDirect(results: Results, shape: ShapeName): Promise<DirectContender[]> {
  if (!haveTs(results)) return [];
  const gen = (await loadGeneratedTs())!;
  const rt = await loadRuntime();
  const echo = ECHO_OF[shape];
  const hosted = { descriptor: gen.ShapesModule, handlers: { [echo]: async (v: unknown) => v } };
  const services = new rt.ServiceTable('bench-direct', [hosted]);
  const invoker = new rt.DirectInvoker(hosted, services.hub, rt.DEFAULT_LIMITS) as unknown as Invoker;
  const stub = new gen.ShapesClient(invoker);
  const module = gen.ShapesModule as { functions: Record<string, FunctionDescriptor> };
  const fn = module.functions[echo]!;
  const unchecked = { ...fn, params: { ...fn.params, validate() {} }, result: { ...fn.result, validate() {} } };
  return [
    { name: `${OURS} stub → DirectInvoker`, key: 'stub', call: (v) => stub[echo](v) },
    { name: 'DirectInvoker.call, value checks on', key: 'checked', call: (v) => invoker.call(module, fn, [v]) },
    { name: 'DirectInvoker.call, value checks off', key: 'unchecked', call: (v) => invoker.call(module, unchecked, [v]) },
  ];
}
