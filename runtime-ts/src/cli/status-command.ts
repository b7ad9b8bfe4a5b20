// `interop status [APP]`: every running application (or one), each node with its modules, state,
// pid, restart count and uptime, from the supervisor's status file, plus what each ready node says
// about itself on its control channel (live connections and counters). `--watch` redraws every second.

import type { HealthProbe } from '../supervisor/readiness.js';
import type { AppStatus } from '../supervisor/status.js';
import { liveRuns } from './endpoint.js';
import { describeStatus, table } from './tables.js';

export interface StatusArgs {
  app?: string;
  watch: boolean;
  json: boolean;
  probe: HealthProbe;
}

export async function statusCommand(args: StatusArgs): Promise<number> {
  if (!args.watch) {
    const text = await render(args);
    process.stdout.write(text.text + '\n');
    return text.found ? 0 : 1;
  }
  for (;;) {
    const text = await render(args);
    process.stdout.write(`\x1b[2J\x1b[H${text.text}\n\n(refreshing every second; Ctrl-C to quit)\n`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function render(args: StatusArgs): Promise<{ text: string; found: boolean }> {
  const runs = liveRuns().filter((r) => args.app === undefined || r.status.app === args.app);
  if (runs.length === 0) {
    return { text: args.app ? `no running application named "${args.app}"` : 'no running interop application', found: false };
  }
  if (args.json) return { text: JSON.stringify(runs.map((r) => r.status), null, 2), found: true };
  const parts = await Promise.all(runs.map(async (r) => `${describeStatus(r.status)}\n${await liveHealth(r.status, args.probe)}`));
  return { text: parts.join('\n\n'), found: true };
}

async function liveHealth(status: AppStatus, probe: HealthProbe): Promise<string> {
  const rows = [['NODE', 'HEALTH', 'CONNECTIONS', 'COUNTERS']];
  for (const node of status.nodes) {
    if (node.control === undefined || node.state !== 'ready') continue;
    try {
      const h = await probe(node.control, 1000);
      const counters = Object.entries(h.counters ?? {}).filter(([, v]) => v !== 0).map(([k, v]) => `${k}=${v}`);
      rows.push([node.name, h.status, String(h.connections ?? '-'), counters.join(' ') || '-']);
    } catch (err) {
      rows.push([node.name, `no answer (${(err as Error).message})`, '-', '-']);
    }
  }
  return rows.length > 1 ? `  live, from each node's control channel:\n${table(rows, '    ')}` : '';
}
