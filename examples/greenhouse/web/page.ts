// The greenhouse web page: a browser client of the hub's greenhouse.dashboard module over a
// WebSocket to the node that served the page (same origin: no configuration needed). The same
// generated client as in a node; the runtime's browser entry underneath (web/build.mjs).

import { InteropError, webSocketClient } from '@interop/runtime';
import { Level, type Alert } from '../ts/gen/greenhouse.climate.js';
import { DashboardClient, DashboardModule } from '../ts/gen/greenhouse.dashboard.js';
import type { Reading } from '../ts/gen/greenhouse.sensors.js';

const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`;
const dashboard = new DashboardClient(webSocketClient(url, { uses: [DashboardModule], node: 'greenhouse-page' }));
const $ = (selector: string): HTMLElement => document.querySelector(selector)!;
const levelName = (level: Level): string => Object.entries(Level).find(([, v]) => v === level)?.[0] ?? String(level);

function card(sensor: string): HTMLElement {
  let el = document.querySelector<HTMLElement>(`[data-sensor="${sensor}"]`);
  if (el) return el;
  el = document.createElement('section');
  el.dataset.sensor = sensor;
  el.innerHTML = `<h2></h2><p class="celsius">…</p><p class="humidity"></p><p class="seq"></p><button class="fan" data-on="false">fan off</button>`;
  el.querySelector('h2')!.textContent = sensor;
  const button = el.querySelector<HTMLButtonElement>('.fan')!;
  button.onclick = async () => {
    const on = button.dataset.on !== 'true';
    button.disabled = true;
    try {
      await dashboard.setFan(sensor, on, { timeoutMs: 5000 });
      button.dataset.on = String(on);
      button.textContent = on ? 'fan ON' : 'fan off';
    } catch (error) {
      $('#status').textContent = `set_fan failed: ${error instanceof InteropError ? error.message : String(error)}`;
    } finally {
      button.disabled = false;
    }
  };
  $('#sensors').append(el);
  return el;
}

function showReading(r: Reading): void {
  const el = card(r.sensor);
  el.querySelector('.celsius')!.textContent = `${r.celsius.toFixed(1)} °C`;
  el.querySelector('.humidity')!.textContent = `${Math.round(r.humidity)} % humidity`;
  el.querySelector('.seq')!.textContent = `reading #${r.seq}`;
  $('#status').textContent = `live: reading #${r.seq} at ${new Date().toLocaleTimeString()}`;
}

function showAlert(a: Alert): void {
  const li = document.createElement('li');
  li.textContent = `${new Date().toLocaleTimeString()} ${a.sensor} is ${levelName(a.level)} at ${a.celsius.toFixed(1)} °C: ${a.advice}`;
  $('#alerts').prepend(li);
  while ($('#alerts').children.length > 10) $('#alerts').lastElementChild!.remove();
}

try {
  for (const sensor of await dashboard.sensors()) card(sensor);
  await dashboard.onReading(showReading);
  await dashboard.onAlert(showAlert);
  $('#status').textContent = 'connected: waiting for readings';
  document.body.dataset.ready = 'true';
} catch (error) {
  $('#status').textContent = `cannot reach the hub at ${url}: ${error instanceof Error ? error.message : String(error)}`;
}
