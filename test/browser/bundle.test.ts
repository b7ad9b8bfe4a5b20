// The runtime's browser entry (runtime-ts/src/browser.ts) bundles for a browser without any Node
// built-in, and its size is measured (docs/transports.md, "Browsers": the figure there comes from
// this test's output). A Node built-in reached from the entry fails the build: esbuild cannot
// resolve node:* modules for the browser platform.

import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { REPO } from './helpers.js';

describe('the browser entry', () => {
  it('bundles with no Node built-in, minified under 128 KiB (about 35 KiB gzipped)', async () => {
    const result = await build({
      entryPoints: [join(REPO, 'runtime-ts/src/browser.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((i) => i.startsWith('node:') || i.includes('/transport/socket') || i.includes('/transport/stdio'))).toEqual([]);
    const bytes = result.outputFiles[0]!.contents;
    const gzipped = gzipSync(bytes).length;
    console.log(`browser entry: ${(bytes.length / 1024).toFixed(1)} KiB minified, ${(gzipped / 1024).toFixed(1)} KiB gzipped, ${inputs.length} modules`);
    expect(bytes.length).toBeLessThan(128 * 1024);
  });
});
