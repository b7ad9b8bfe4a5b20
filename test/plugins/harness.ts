// Runs a parent node (parent.ts or parent.py) in a child process whose stdout and stderr the test
// reads, with a plugin (plugin.ts or plugin.py) configured as a node config's "plugins" entry.

import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pythonTarget } from '../../compiler/src/targets/python/index.js';
import { compileBundle, generateTs, REPO, writeGenerated } from '../ts/generated.js';
import { tempDir } from '../temp.js';

export type Lang = 'ts' | 'python';
export const PYTHON = join(REPO, 'runtime-python/.venv/bin/python');

export interface Generated {
  ts: string;
  python: string;
}

/** Generates test.plugins for both languages. */
export async function generate(): Promise<Generated> {
  const bundle = compileBundle(['test/plugins/plugins.interop']);
  const ts = writeGenerated('plugins', await generateTs(bundle));
  const python = tempDir('plg-py-');
  mkdirSync(join(python, 'gen_plugins'));
  for (const f of pythonTarget.generate(bundle, { sourceNames: { 'test.plugins': 'plugins.interop' } }) as Array<{ path: string; content: string }>) {
    writeFileSync(join(python, 'gen_plugins', f.path), f.content);
  }
  return { ts, python };
}

export function programOf(lang: Lang, role: 'parent' | 'plugin'): string[] {
  const file = join(REPO, 'test/plugins', `${role}.${lang === 'ts' ? 'ts' : 'py'}`);
  return lang === 'ts' ? [process.execPath, '--import', 'tsx', file] : [PYTHON, file];
}

export interface ParentRun {
  result: { sumsOk: boolean; printed: number; ticks: number[]; probe: string; killed: string; killMs: number; respawned: boolean };
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  parent: Lang;
  /** The plugin's command (a sandbox runner in front of programOf(…, 'plugin'), for instance). */
  command: string[];
  channel?: 'stdio' | 'fds';
  env?: Record<string, string>;
}

/** Runs the parent to its end (at most 90 s) and returns its RESULT line and its output. */
export function runParent(gen: Generated, options: RunOptions): Promise<ParentRun> {
  const pluginConfig = { node: 'plugin', modules: ['test.plugins'], stdio: true };
  const config = {
    node: 'parent',
    plugins: [
      {
        node: 'plugin',
        command: options.command,
        modules: ['test.plugins'],
        ...(options.channel ? { channel: options.channel } : {}),
        shutdown_grace_ms: 1000,
        env: { INTEROP_NODE_CONFIG: JSON.stringify(pluginConfig) },
      },
    ],
  };
  const [program, ...args] = programOf(options.parent, 'parent');
  const child = spawn(program!, args, {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env, INTEROP_NODE_CONFIG: JSON.stringify(config), PLUGINS_GEN: gen.ts, PLUGINS_GEN_PY: gen.python, PYTHONUNBUFFERED: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return new Promise((resolve, reject) => {
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) reject(new Error(`parent exited (${signal ?? code}) without a result\n--- stdout\n${stdout.slice(-3000)}\n--- stderr\n${stderr.slice(-3000)}`));
      else resolve({ result: JSON.parse(line.slice('RESULT '.length)) as ParentRun['result'], stdout, stderr });
    });
  });
}

/** How many lines of `text` are `<lang> plugin chatter <i>`. */
export function chatterLines(text: string, lang: Lang): number {
  return text.split('\n').filter((l) => l.startsWith(`${lang} plugin chatter `)).length;
}
