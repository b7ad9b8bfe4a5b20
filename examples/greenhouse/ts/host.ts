// Starts this process as an interop node from the node config that `interop run` hands over in
// INTEROP_NODE_CONFIG. When the config hosts greenhouse.climate here, the program loads it the way
// a package host would (climate-module.ts); when it hosts greenhouse.dashboard (the web page's
// module), it adds that too (dashboard.ts). Otherwise it hosts nothing and reaches the modules
// wherever the config says. That is why moving climate to another node is a config edit, not a
// code change, and why this program runs even where climate's code is not present (app-library.json).

import { loadNodeConfig, Node, type NodeConfig, type NodeStartOptions } from '@interop/runtime';
import { AdvisorModule } from './gen/greenhouse.advisor.js';
import { ClimateModule } from './gen/greenhouse.climate.js';
import { FilterModule } from './gen/greenhouse.filter.js';
import { SensorsModule } from './gen/greenhouse.sensors.js';

const DASHBOARD = 'greenhouse.dashboard';

export async function startNode(): Promise<Node> {
  const config = loadNodeConfig();
  const options: NodeStartOptions = { uses: [SensorsModule, AdvisorModule, ClimateModule, FilterModule] };
  let node: Node | undefined;
  const implementations: NonNullable<NodeStartOptions['implementations']> = [];
  if (config.modules?.includes(ClimateModule.name)) {
    const { create } = await import('./climate-module.js');
    const climate = create({
      get node() {
        return node!;
      },
      config,
      log: (line) => console.log(line),
    });
    implementations.push([climate.module, climate.handlers]);
  }
  // Loaded only where hosted: its generated code exists only in the layouts that have the page.
  const dashboard = config.modules?.includes(DASHBOARD) ? await import('./dashboard.js') : undefined;
  const web = dashboard?.hostDashboard(() => node!);
  if (web) implementations.push([web.module, web.handlers]);
  node = await Node.start(config, { ...options, implementations });
  // The web page's module relays readings and alerts to the page's subscriptions.
  await web?.handlers.relay();
  // SIGTERM from the supervisor (or Ctrl-C): say GOODBYE on every connection, stop the plugin, exit.
  const stop = (): void => void node!.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return node;
}

/** One line per module, in words: where this node finds it according to its config. */
export function describeRoutes(config: NodeConfig, modules: string[]): string[] {
  return modules.map((m) => {
    if (config.modules?.includes(m)) return `${m}: hosted in this process, so calls are direct function calls (no encoding)`;
    const link = config.connect?.find((c) => c.modules.includes(m));
    if (link) return `${m}: on node "${link.node ?? '?'}" at ${link.address}, ${link.codec ?? 'msgpack'} codec`;
    const plugin = config.plugins?.find((p) => p.modules.includes(m));
    if (plugin) return `${m}: a plugin this node spawns (${plugin.command.join(' ')}), over its stdin/stdout, ${plugin.codec ?? 'msgpack'} codec`;
    return `${m}: not reachable from this node`;
  });
}
