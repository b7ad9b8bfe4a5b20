// Shared by the supervisor tests: an app config built in code around the fake node, a sink that
// records output, and a probe that reads the fake node's one-line health answer.

import { readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAppConfig, type AppConfig } from '../../runtime-ts/src/supervisor/app-config.js';
import type { OutputSink } from '../../runtime-ts/src/supervisor/prefixed-output.js';
import type { Health, HealthProbe } from '../../runtime-ts/src/supervisor/readiness.js';

export { tempDir } from '../temp.js';

export const FAKE_NODE = fileURLToPath(new URL('./fixtures/fake-node.mjs', import.meta.url));

export function fakeApp(raw: Record<string, unknown>, dir: string): AppConfig {
  return parseAppConfig(raw, path.join(dir, 'app.json'));
}

export function fakeNode(modules: string[], env: Record<string, string> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { language: 'ts', command: [process.execPath, FAKE_NODE], modules, env, ...extra };
}

export class RecordingSink implements OutputSink {
  readonly lines: Array<{ source: string; text: string }> = [];
  line(source: string, text: string): void {
    this.lines.push({ source, text });
  }
  text(): string {
    return this.lines.map((l) => `${l.source} | ${l.text}`).join('\n');
  }
}

export const lineProbe: HealthProbe = (endpoint, timeoutMs) =>
  new Promise<Health>((resolve, reject) => {
    const socket = net.connect(endpoint.slice('unix:'.length));
    let data = '';
    const timer = setTimeout(() => socket.destroy(new Error('timeout')), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (data += d));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('end', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(data) as Health);
      } catch (err) {
        reject(err as Error);
      }
    });
  });

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
