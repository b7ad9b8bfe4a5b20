// Our stdio plugin: a TypeScript plugin serving bench.shapes, spawned by a TypeScript parent.
import type { Results } from '../harness/results.js';
import type { RttContender } from '../harness/rtt.js';
import { tsChild } from '../harness/child.js';
import { processCpuNs } from '../harness/cpu.js';
import { loadRuntime } from '../harness/runtime-ts.js';
import { haveTs, OURS } from '../rpc/ours-ts.js';
import { typedValue } from '../shapes/typed.js';

export interface StartupContender {
  name: string;
  /** Spawns, waits for the first answer, stops the child; returns the child's CPU time so far. */
  start(): Promise<{ cpuNs: number }>;
}

export function ourStdioStartup(results: Results): StartupContender[] {
  if (!haveTs(results)) return [];
  return [{
    name: `${OURS} plugin (spawn, handshake, first call)`,
    async start() {
      const { startPlugin } = await import('./ts-ours-parent.js');
      const { plugin, conn, stub } = await startPlugin(await loadRuntime());
      await stub.echoSmall(typedValue('small'));
      const cpuNs = processCpuNs(plugin.pid!);
      await conn.close();
      await plugin.shutdown(500);
      return { cpuNs };
    },
  }];
}

export function ourStdioRtt(results: Results): RttContender[] {
  if (!haveTs(results)) return [];
  return [{ name: OURS, client: () => tsChild('bench/stdio/ts-ours-parent.ts', ['client']) }];
}
