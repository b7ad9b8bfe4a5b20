// Our generated client stub for bench.shapes, bound to the runtime's DirectInvoker (same process:
// no encoding, no frames; deadline, cancellation and error mapping as over a connection).
import type { Results } from '../harness/results.js';
import type { Small } from '../shapes/data.js';
import { loadGeneratedTs } from '../harness/ours-ts.js';
import { loadRuntime } from '../harness/runtime-ts.js';
import { haveTs, OURS } from '../rpc/ours-ts.js';

export interface DirectContender {
  name: string;
  /** Metric key: "stub" for ours, "plain" for the baseline. */
  key: string;
  call(v: Small): Promise<unknown>;
}

export async function ourDirect(results: Results): Promise<DirectContender[]> {
  if (!haveTs(results)) return [];
  const gen = (await loadGeneratedTs())!;
  const rt = await loadRuntime();
  const hosted = { descriptor: gen.ShapesModule, handlers: { echoSmall: async (v: unknown) => v } };
  const services = new rt.ServiceTable('bench-direct', [hosted]);
  const stub = new gen.ShapesClient(new rt.DirectInvoker(hosted, services.hub, rt.DEFAULT_LIMITS));
  return [{ name: `${OURS} stub → DirectInvoker`, key: 'stub', call: (v) => stub.echoSmall(v) }];
}
