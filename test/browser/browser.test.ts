// TypeScript in the browser (docs/transports.md, "Browsers"): a page bundled with the runtime's
// browser entry and generated code calls a TypeScript node and a Python node over WebSocket, in
// real headless Chromium: calls (64-bit integers), a declared error, a one-way call, events, a
// bidirectional stream longer than the credit window. A
// node refuses a page of another origin unless its config allows it.

import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The package itself (runtime-ts/dist), as the generated code imports it: one copy of its classes.
import { Node, type CallContext, type ModuleDescriptor } from '@interop/runtime';
import { REPO, generate, launchChromium, pythonNode } from './helpers.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
let out: string;
let browser: Browser;
const nodes: Node[] = [];
const children: ChildProcess[] = [];

/** The TypeScript node: hosts test.browser and serves the page (and WebSockets) on one http:// listener. */
async function startTsNode(): Promise<Node> {
  const gen = (await import(join(out, 'ts', 'test.browser.ts'))) as Record<string, unknown>;
  const module = gen['BrowserModule'] as ModuleDescriptor;
  let last = '';
  let events: { ticked(t: unknown): void } | undefined;
  const Nope = gen['Nope'] as new (fields: { why: string }) => Error;
  const handlers = {
    add: (a: bigint, b: bigint, _ctx: CallContext) => a + b,
    refuse: (why: string) => {
      throw new Nope({ why });
    },
    note: (text: string) => void (last = text),
    lastNote: () => last,
    publish: (count: number, text: string) => {
      for (let n = 1; n <= count; n++) events!.ticked({ n, text });
    },
    async *shout(words: AsyncIterable<string>) {
      for await (const word of words) yield word.toUpperCase();
    },
  };
  const node = await Node.start({ node: 'ts-node', modules: [module.name], listen: ['http://127.0.0.1:0'], web: { static: join(out, 'site') } }, {
    implementations: [[module, handlers]],
    shutdownGraceMs: 200,
  });
  const Publisher = gen['BrowserPublisher'] as new (p: unknown) => { ticked(t: unknown): void };
  events = new Publisher(node.publisher(module));
  nodes.push(node);
  return node;
}

beforeAll(async () => {
  mkdirSync(join(HERE, 'out'), { recursive: true });
  out = mkdtempSync(join(HERE, 'out', 'run-'));
  generate('ts', join(out, 'ts'), join(HERE, 'browser.interop'));
  generate('python', join(out, 'py'), join(HERE, 'browser.interop'));
  mkdirSync(join(out, 'site'));
  writeFileSync(join(out, 'site', 'index.html'), '<!doctype html><meta charset="utf-8"><title>loading</title><script type="module" src="app.js"></script>');
  await build({
    entryPoints: [join(HERE, 'page.ts')],
    outfile: join(out, 'site', 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    alias: { '@interop/runtime': join(REPO, 'runtime-ts/src/browser.ts'), '@gen': join(out, 'ts') },
    logLevel: 'error',
  });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all(nodes.map((n) => n.close()));
  await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(undefined) : (c.once('exit', r), c.kill('SIGTERM'))))));
  rmSync(out, { recursive: true, force: true });
  try {
    rmdirSync(join(HERE, 'out')); // when no other run uses it
  } catch {
    /* not empty */
  }
});

async function runPage(pageUrl: string): Promise<Record<string, Record<string, unknown>>> {
  const page = await browser.newPage();
  const said: string[] = [];
  page.on('console', (m) => said.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => said.push(`page error: ${e.message}`));
  try {
    await page.goto(pageUrl);
    // Expressions as text: they run in the page, whose globals this file's types do not have.
    await page.waitForFunction("document.title === 'done'", undefined, { timeout: 30_000 }).catch((e: Error) => {
      throw new Error(`${e.message}\nthe page said:\n${said.join('\n')}`);
    });
    return (await page.evaluate('window.results')) as Record<string, Record<string, unknown>>;
  } finally {
    await page.close();
  }
}

const shouted = Array.from({ length: 100 }, (_, i) => `WORD ${i}`);
const expected = { sum: '1099511627778', declared: 'Nope: no reason', note: 'from the page', ticks: ['1:tick', '2:tick', '3:tick'], shouted };

describe('a web page in Chromium', () => {
  it('calls a TypeScript node and a Python node over WebSocket: calls, a declared error, a one-way call, events, a stream', async () => {
    const ts = await startTsNode();
    const site = ts.endpoints[0]!;
    const py = await pythonNode(join(out, 'py'), { node: 'py-node', modules: ['test.browser'], listen: ['ws://127.0.0.1:0'], web: { allowed_origins: [site] } }, children);
    const wsOfTs = site.replace(/^http/, 'ws');
    const results = await runPage(`${site}/?ts=${encodeURIComponent(wsOfTs)}&py=${encodeURIComponent(py)}`);
    expect(results).toEqual({ ts: expected, py: expected });
  });

  it('a node refuses a page of another origin unless web.allowed_origins names it', async () => {
    const ts = await startTsNode();
    const site = ts.endpoints[0]!;
    const closed = await pythonNode(join(out, 'py'), { node: 'py-closed', modules: ['test.browser'], listen: ['ws://127.0.0.1:0'] }, children);
    const results = await runPage(`${site}/?py=${encodeURIComponent(closed)}`);
    expect(String(results['py']!['error'])).toMatch(/cannot connect to ws:\/\/127\.0\.0\.1:\d+/);
  });
});
