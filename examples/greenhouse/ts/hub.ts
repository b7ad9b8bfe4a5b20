// The hub: the application's main node (app.json marks it "main", so the application ends when it
// does). It tells, step by step, what crosses which boundary: calls from TypeScript into Python, a
// declared error coming back as its own class, events, and, inside greenhouse.climate, a stdio
// plugin that calls back into its parent. Set GREENHOUSE_READINGS to change how long it runs.

import { InteropError } from '@interop/runtime';
import { ClimateClient, ClimateModule, Level } from './gen/greenhouse.climate.js';
import { FilterClient, FilterModule } from './gen/greenhouse.filter.js';
import { SensorsClient, SensorsModule, UnknownSensor } from './gen/greenhouse.sensors.js';
import { describeRoutes, startNode } from './host.js';

const READINGS = Number(process.env.GREENHOUSE_READINGS ?? 15);
const say = (line: string): void => console.log(line);
const levelName = (level: Level): string => Object.entries(Level).find(([, v]) => v === level)?.[0] ?? String(level);

const node = await startNode();
const page = node.endpoints.find((e) => e.startsWith('http://'));
if (page) say(`web page: ${page}/ (live readings and alerts, fan switches; up while the application runs)`);
say(`where the modules are, according to this node's config (the only thing that differs between app.json and app-moved.json):`);
for (const line of describeRoutes(node.config, ['greenhouse.climate', 'greenhouse.sensors', 'greenhouse.advisor', 'greenhouse.filter'])) say(`  ${line}`);

const sensors = new SensorsClient(node.invoker(SensorsModule));
const climate = new ClimateClient(node.invoker(ClimateModule));
const filter = new FilterClient(node.invoker(FilterModule));

const names = await sensors.listSensors();
say(`step 1, a call from TypeScript into Python: greenhouse.sensors.list_sensors() -> [${names.join(', ')}]`);

try {
  await sensors.read('roof');
  say('step 2: expected an error, got a reading');
} catch (err) {
  if (!(err instanceof UnknownSensor)) throw err;
  say(`step 2, a declared error: greenhouse.sensors.read("roof") raised UnknownSensor { sensor: "${err.sensor}" } in Python; it arrives here as the generated TypeScript class`);
}

await climate.onAlert((alert) => {
  say(`  ALERT (event greenhouse.climate.alert): ${alert.sensor} is ${levelName(alert.level)} at ${alert.celsius.toFixed(1)} °C. Advisor plugin: "${alert.advice}"`);
});
say(`step 3, events: subscribed to greenhouse.sensors.reading (published in Python) and greenhouse.climate.alert;`);
say(`        each reading is smoothed by greenhouse.filter.smooth(), a C module loaded into a native node (interop-node),`);
say(`        then goes to greenhouse.climate.record(), which asks the Python advisor plugin about bad ones`);

let seen = 0;
await new Promise<void>((resolve) => {
  void sensors.onReading(async (reading) => {
    if (seen >= READINGS) return;
    seen += 1;
    try {
      const smoothed = await filter.smooth(reading);
      const level = await climate.record(smoothed);
      say(`  reading ${seen}/${READINGS}: ${reading.sensor} #${reading.seq} ${reading.celsius.toFixed(1)} °C (smoothed in C: ${smoothed.celsius.toFixed(1)} °C), ${Math.round(reading.humidity)}% humidity -> ${levelName(level)}`);
    } catch (err) {
      // A node restarting makes calls fail for a moment with UNAVAILABLE; the link redials by itself.
      say(`  reading ${seen}/${READINGS}: greenhouse.climate.record failed: ${err instanceof InteropError ? err.message : String(err)}`);
    }
    if (seen === READINGS) resolve();
  });
});

const s = await climate.summary();
const perSensor = [...s.perSensor].map(([name, n]) => `${name} ${n}`).join(', ');
say(`step 4, greenhouse.climate.summary(): ${s.readings} readings (${perSensor}), ${s.alerts} alerts, ${s.minCelsius.toFixed(1)} to ${s.maxCelsius.toFixed(1)} °C`);

// Streams: a server stream from Python piped, item by item, into a bidirectional stream.
const samples = sensors.sample('south', 4);
const levels: string[] = [];
for await (const level of climate.judgeAll(samples)) levels.push(levelName(level));
say(`step 5, streams: greenhouse.sensors.sample("south", 4) streams readings out of Python as they are taken, piped into greenhouse.climate.judge_all(), which answers each as it arrives: ${levels.join(', ')}`);
say('the hub is done: it exits with code 0 and, as the main node, ends the application');
await node.close();
process.exit(0);
