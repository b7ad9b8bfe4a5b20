// The health document's counters (docs/wire.md §7): exactly the same keys in every runtime, all
// present from the start. runtime-python/tests/test_health_counters.py asserts the same list.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchHealth } from '../../runtime-ts/src/control/control.js';
import { Node } from '../../runtime-ts/src/node/node.js';
import { COUNTER_NAMES } from '../../runtime-ts/src/node/services.js';
import { REPO } from '../ts/generated.js';
import { calcHandlers, calcModule } from './fixtures.js';
import { tmpSocket } from './harness.js';

const EXPECTED = [
  'requests_served',
  'handler_errors',
  'event_handler_errors',
  'rejected_requests',
  'rejected_frames',
  'rejected_connections',
  'rejected_handshakes',
  'idle_timeouts',
  'frame_timeouts',
  'late_responses',
  'late_cancels',
  'late_stream_frames',
  'dropped_oneways',
  'dropped_events',
  'unsolicited_events',
  'undecodable_events',
  'unencodable_events',
  'paused_reads',
];

const calc = calcModule();
const nodes: Node[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});

/** The counter names of the table in docs/wire.md §7, in order. */
function documented(): string[] {
  const doc = readFileSync(join(REPO, 'docs/wire.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## 7.'), doc.indexOf('## 8.'));
  const table = section.slice(section.indexOf('| counter | counts |'));
  return [...table.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]!);
}

describe('health counters', () => {
  it('the runtime, the test and docs/wire.md §7 list the same counters, in the same order', () => {
    expect([...COUNTER_NAMES]).toEqual(EXPECTED);
    expect(documented()).toEqual(EXPECTED);
  });

  it('a node reports exactly these keys, all present, locally and over the control channel', async () => {
    const node = await Node.start({ node: 'calc-node', modules: ['test.calc'], listen: [tmpSocket()] }, { implementations: [[calc, calcHandlers()]], shutdownGraceMs: 100 });
    nodes.push(node);
    const local = node.health().counters;
    expect(Object.keys(local).sort()).toEqual([...EXPECTED].sort());
    expect(Object.values(local).every((v) => v === 0)).toBe(true);
    // Exercise a few paths, then ask over a connection: still exactly these keys.
    const client = await Node.start({ node: 'app', connect: [{ address: node.endpoints[0]!, modules: ['test.calc'] }] }, { uses: [calc], shutdownGraceMs: 100 });
    nodes.push(client);
    const inv = client.invoker(calc);
    expect(await inv.call(calc, calc.functions['add']!, [1, 2])).toBe(3);
    await inv.call(calc, calc.functions['fail']!, ['plain']).catch(() => undefined);
    const health = await fetchHealth(node.endpoints[0]!);
    expect(Object.keys(health.counters).sort()).toEqual([...EXPECTED].sort());
    expect(health.counters['requests_served']).toBe(1);
    expect(health.counters['handler_errors']).toBe(1);
  });
});
