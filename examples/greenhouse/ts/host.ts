// Starts this process as an interop node from the node config that `interop run` hands over in
// INTEROP_NODE_CONFIG. When the config hosts greenhouse.climate here, the program loads it the way
// a package host would (climate-module.ts); otherwise it hosts nothing and reaches climate wherever
// the config says. That is why moving climate to another node is a config edit, not a code change,
// and why this program runs even where climate's code is not present (app-library.json).

import { loadNodeConfig, Node, type NodeConfig, type NodeStartOptions } from '@interop/runtime';
import { AdvisorModule } from './gen/greenhouse.advisor.js';
import { ClimateModule } from './gen/greenhouse.climate.js';
import { FilterModule } from './gen/greenhouse.filter.js';
import { SensorsModule } from './gen/greenhouse.sensors.js';

export async function startNode(): Promise<Node> {
  const config = loadNodeConfig();
  const options: NodeStartOptions = { uses: [SensorsModule, AdvisorModule, ClimateModule, FilterModule] };
  let node: Node | undefined;
  if (config.modules?.includes(ClimateModule.name)) {
    const { create } = await import('./climate-module.js');
    const climate = create({
      get node() {
        return node!;
      },
      config,
      log: (line) => console.log(line),
    });
    options.implementations = [[climate.module, climate.handlers]];
  }
  node = await Node.start(config, options);
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
