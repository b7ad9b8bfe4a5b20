// The page the browser tests load (test/browser/browser.test.ts): it calls test.browser on every
// node named in its query string (?ts=ws://…&py=ws://…) through the runtime's browser entry and
// the generated client, and leaves what happened in window.results.

import { webSocketClient } from '@interop/runtime';
import { BrowserClient, BrowserModule, Nope, type Tick } from '@gen/test.browser.js';

interface Outcome {
  sum?: string;
  declared?: string;
  note?: string;
  ticks?: string[];
  shouted?: string[];
  error?: string;
}

async function exercise(url: string): Promise<Outcome> {
  const client = new BrowserClient(webSocketClient(url, { uses: [BrowserModule], node: 'chromium-page' }));
  const out: Outcome = {};
  try {
    out.sum = String(await client.add(2n ** 40n, 2n));
    try {
      await client.refuse('no reason');
    } catch (error) {
      out.declared = error instanceof Nope ? `Nope: ${error.why}` : `not Nope: ${String(error)}`;
    }
    client.note('from the page');
    out.note = await client.lastNote();
    const ticks: string[] = [];
    const all = new Promise<void>((resolve) => {
      void client.onTicked((t: Tick) => {
        ticks.push(`${t.n}:${t.text}`);
        if (ticks.length === 3) resolve();
      });
    });
    await new Promise((r) => setTimeout(r, 50));
    await client.publish(3, 'tick');
    await Promise.race([all, new Promise((r) => setTimeout(r, 5000))]);
    out.ticks = ticks;
    // More words than the credit window (64): the page's credit and items both flow in Chromium.
    const shouted: string[] = [];
    for await (const word of client.shout(Array.from({ length: 100 }, (_, i) => `word ${i}`))) shouted.push(word);
    out.shouted = shouted;
  } catch (error) {
    out.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  return out;
}

const params = new URLSearchParams(location.search);
const results: Record<string, Outcome> = {};
for (const [name, url] of params) results[name] = await exercise(url);
(window as unknown as { results: unknown }).results = results;
document.title = 'done';
