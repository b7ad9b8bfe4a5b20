// Shared by the browser tests: generating code with the real compiler, Debian's Chromium driven by
// playwright-core, and Python nodes that print their endpoints.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const CHROMIUM = '/usr/bin/chromium';

export function generate(lang: 'ts' | 'python', out: string, schema: string): void {
  execFileSync(process.execPath, [join(REPO, 'compiler/bin/interopc.mjs'), 'gen', '--lang', lang, '--out', out, schema], { stdio: 'pipe' });
}

/**
 * Headless Chromium with the flags that work on a machine without network: no background
 * networking, component updates, sync or QUIC; a fresh profile (playwright makes one per launch).
 */
export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: scripts/ensure-deps.sh installs Debian's chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Starts python_node.py with a node config; resolves with its first endpoint once it listens. */
export function pythonNode(gen: string, config: object, children: ChildProcess[]): Promise<string> {
  const child = spawn(join(REPO, 'runtime-python/.venv/bin/python'), [fileURLToPath(new URL('./python_node.py', import.meta.url))], {
    env: { ...process.env, BROWSER_GEN: gen, INTEROP_NODE_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('\n')) resolve(text.split(/\s+/)[0]!);
    });
    child.once('exit', (code) => reject(new Error(`python node exited with ${code}`)));
  });
}
