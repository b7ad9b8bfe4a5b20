// The example application for real (examples/greenhouse): `prepare` regenerates its code with
// interopc, the generated TypeScript and Python type-check, every node answers health, a node
// killed with SIGKILL is restarted and calls to it succeed again, shutdown leaves no process and
// no file behind, the web page shows live data in Chromium, and the rearranged app-moved.json runs
// on the same code without regenerating.

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { healthProbe } from '../../runtime-ts/src/cli/control-probe.js';
import { fetchHealth } from '../../runtime-ts/src/control/control.js';
import { Node } from '../../runtime-ts/src/node/node.js';
import { loadAppConfig, type AppConfig } from '../../runtime-ts/src/supervisor/app-config.js';
import { Supervisor } from '../../runtime-ts/src/supervisor/supervisor.js';
import { launchChromium } from '../browser/helpers.js';
import { isAlive, listDir, RecordingSink, tempDir, waitFor } from './helpers.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const EXAMPLE = path.join(REPO, 'examples/greenhouse');
const PYTHON = path.join(REPO, 'runtime-python/.venv/bin/python');
const running: Supervisor[] = [];
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop('test over')));
});

function configure(file: string, env: Record<string, Record<string, string>>): AppConfig {
  const app = loadAppConfig(path.join(EXAMPLE, file));
  for (const node of app.nodes) Object.assign(node.env, env[node.name] ?? {});
  return app;
}

/** Every process in the process group led by `leader` (a node and the plugin it spawned). */
function groupMembers(leader: number): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,pgid='], { encoding: 'utf8' });
  return out.split('\n').map((l) => l.trim().split(/\s+/).map(Number)).filter(([, pgid]) => pgid === leader).map(([pid]) => pid!);
}

const readingsAfter = (sink: RecordingSink, from: number): number =>
  sink.lines.slice(from).filter((l) => l.source === 'hub' && /^ {2}reading \d+\//.test(l.text)).length;

describe('examples/greenhouse', () => {
  it('runs, survives a SIGKILL of the Python node, and leaves nothing behind', async () => {
    const sink = new RecordingSink();
    const runRoot = tempDir('greenhouse-run-');
    const app = configure('app.json', { hub: { GREENHOUSE_READINGS: '100000' }, sensors: { GREENHOUSE_INTERVAL_MS: '100' } });
    const sup = new Supervisor(app, { probe: healthProbe, sink, runRoot });
    running.push(sup);
    await sup.start();

    // The code `prepare` generated compiles with the real toolchains.
    execFileSync(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', path.join(EXAMPLE, 'tsconfig.json')], { stdio: 'pipe' });
    execFileSync(PYTHON, ['-m', 'mypy', '--strict', '--no-error-summary', 'python/'], { cwd: EXAMPLE, stdio: 'pipe' });

    // Every supervised node answers on its control channel; the plugin announced itself through its parent.
    const status = sup.status();
    expect(status.nodes.map((n) => [n.name, n.state])).toEqual([['hub', 'ready'], ['sensors', 'ready'], ['filter', 'ready'], ['advisor', 'plugin']]);
    for (const node of status.nodes.filter((n) => n.control !== undefined)) {
      const health = await fetchHealth(node.control!);
      expect(health).toMatchObject({ node: node.name, status: 'ok', modules: node.modules });
    }
    await waitFor('the plugin', () => sink.lines.some((l) => l.source === 'hub' && l.text.includes('[advisor plugin] started by its parent')));
    expect(sink.text()).toContain('greenhouse.sensors.list_sensors() -> [north, south, west]');
    expect(sink.text()).toContain('raised UnknownSensor { sensor: "roof" } in Python');
    // The C module, loaded into interop-node, smooths every reading on its way to climate control.
    await waitFor('a reading smoothed in C', () => /reading 1\/\d+: .*\(smoothed in C: -?[\d.]+ °C\)/.test(sink.text()), 15_000);
    await waitFor('readings', () => readingsAfter(sink, 0) >= 3, 15_000);

    const sensors = status.nodes.find((n) => n.name === 'sensors')!;
    process.kill(sensors.pid!, 'SIGKILL');
    const restarted = await waitFor('sensors restarted', () => {
      const n = sup.status().nodes.find((x) => x.name === 'sensors')!;
      return n.state === 'ready' && n.pid !== sensors.pid ? n : undefined;
    }, 20_000);
    expect(restarted).toMatchObject({ restarts: 1, lastExit: 'signal SIGKILL' });

    // Calls succeed again: the hub's link redials and renews its subscription by itself ...
    const mark = sink.lines.length;
    await waitFor('readings after the restart', () => readingsAfter(sink, mark) >= 3, 20_000);
    // ... and a fresh client, through the generated code, reaches the restarted node.
    const gen = await import(path.join(EXAMPLE, 'ts/gen/greenhouse.sensors.ts'));
    const client = await Node.start({ node: 'test-client', connect: [{ node: 'sensors', address: restarted.listen[0]!, codec: 'json', modules: ['greenhouse.sensors'] }] }, { uses: [gen.SensorsModule] });
    try {
      const sensorsClient = new gen.SensorsClient(client.invoker(gen.SensorsModule));
      expect(await sensorsClient.listSensors()).toEqual(['north', 'south', 'west']);
      await expect(sensorsClient.read('roof')).rejects.toBeInstanceOf(gen.UnknownSensor);
    } finally {
      await client.close();
    }

    const hub = sup.status().nodes.find((n) => n.name === 'hub')!;
    const pids = [...groupMembers(hub.pid!), ...groupMembers(restarted.pid!)];
    expect(pids.length).toBeGreaterThanOrEqual(3); // hub, its advisor plugin, sensors
    const result = await sup.stop('test over');
    expect(result.ok).toBe(true);
    await waitFor('every process gone', () => pids.every((p) => !isAlive(p)), 5_000);
    expect(listDir(runRoot)).toEqual([]);
  }, 120_000);

  it('shows live readings and alerts in its web page, whose fan switch reaches the Python sensors (Chromium)', async () => {
    const sink = new RecordingSink();
    const runRoot = tempDir('greenhouse-web-');
    const app = configure('app.json', { hub: { GREENHOUSE_READINGS: '100000' }, sensors: { GREENHOUSE_INTERVAL_MS: '100' } });
    const sup = new Supervisor(app, { probe: healthProbe, sink, runRoot, skipPrepare: true });
    running.push(sup);
    await sup.start();
    const url = await waitFor('the web page address', () => /web page: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(sink.text())?.[1], 15_000);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(url);
      // Live data: a sensor's reading number changes while the page is open.
      const seq = page.locator('[data-sensor="north"] .seq');
      await expect.poll(() => seq.textContent(), { timeout: 15_000 }).toMatch(/^reading #\d+$/);
      const first = await seq.textContent();
      await expect.poll(() => seq.textContent(), { timeout: 15_000 }).not.toBe(first);
      await expect.poll(() => page.locator('#alerts li').count(), { timeout: 20_000 }).toBeGreaterThan(0);
      // The switch calls greenhouse.dashboard.set_fan in the hub, which tells the Python sensors.
      await page.locator('[data-sensor="north"] .fan').click();
      await expect.poll(() => page.locator('[data-sensor="north"] .fan').getAttribute('data-on'), { timeout: 10_000 }).toBe('true');
      await waitFor('the sensors node told', () => sink.lines.some((l) => l.source === 'sensors' && l.text.includes("set_fan('north', True) from node hub")), 10_000);
    } finally {
      await browser.close();
    }
    expect((await sup.stop('test over')).ok).toBe(true);
    expect(listDir(runRoot)).toEqual([]);
  }, 120_000);

  it('runs rearranged by app-moved.json on the same generated code, and ends by itself', async () => {
    const sink = new RecordingSink();
    const runRoot = tempDir('greenhouse-moved-');
    const app = configure('app-moved.json', { hub: { GREENHOUSE_READINGS: '6' }, sensors: { GREENHOUSE_INTERVAL_MS: '100' } });
    const sup = new Supervisor(app, { probe: healthProbe, sink, runRoot, skipPrepare: true });
    running.push(sup);
    await sup.start();
    const result = await sup.done;
    expect(result).toMatchObject({ ok: true, reason: 'main node "hub" finished' });
    const log = sink.text();
    expect(log).toMatch(/hub +\| {3}greenhouse.climate: on node "climate" at unix:/);
    expect(log).toMatch(/hub +\| {3}greenhouse.sensors: on node "sensors" at tcp:\/\/127.0.0.1:\d+, json codec/);
    expect(log).toMatch(/climate +\| greenhouse.advisor: a plugin this node spawns/);
    expect(log).toMatch(/hub +\| {3}greenhouse.filter: on node "filter" at tcp:\/\/127.0.0.1:\d+, json codec/);
    expect(log).toContain('step 4, greenhouse.climate.summary(): 6 readings');
    expect(log).toMatch(/step 5, streams: .* answers each as it arrives: (OK|HOT|COLD)(, (OK|HOT|COLD)){3}$/m);
    expect(result.status.nodes.map((n) => [n.name, n.state])).toEqual([['hub', 'exited'], ['climate', 'stopped'], ['sensors', 'stopped'], ['filter', 'stopped'], ['advisor', 'plugin']]);
    expect(listDir(runRoot)).toEqual([]);
  }, 60_000);
});
