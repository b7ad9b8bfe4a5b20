// Starts this process as an interop node from the node config that `interop run` hands over in
// INTEROP_NODE_CONFIG. The program offers every TypeScript module implementation it has (here
// greenhouse.climate); the config decides which ones this node hosts and how it reaches the rest.
// That is why moving climate to another node is a config edit, not a code change.

import { Node, type NodeConfig } from '@interop/runtime';
import { createClimate } from './climate.js';
import { AdvisorClient, AdvisorModule } from './gen/greenhouse.advisor.js';
import { ClimateModule, ClimatePublisher } from './gen/greenhouse.climate.js';
import { FilterModule } from './gen/greenhouse.filter.js';
import { SensorsClient, SensorsModule } from './gen/greenhouse.sensors.js';

export async function startNode(): Promise<Node> {
  let node: Node | undefined;
  const climate = createClimate(
    () => ({
      sensors: new SensorsClient(node!.invoker(SensorsModule)),
      advisor: new AdvisorClient(node!.invoker(AdvisorModule)),
      events: new ClimatePublisher(node!.publisher(ClimateModule)),
    }),
    (line) => console.log(line),
  );
  node = await Node.start(undefined, {
    implementations: [[ClimateModule, climate]],
    uses: [SensorsModule, AdvisorModule, ClimateModule, FilterModule],
  });
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
