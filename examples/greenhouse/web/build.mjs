// Bundles the web page (web/page.ts, the generated TypeScript it uses, and the runtime's browser
// entry) into web/public/app.js with esbuild, for the hub to serve (app.json "prepare").
// @interop/runtime resolves to runtime-ts/src/browser.ts: the runtime without Node built-ins.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const result = await build({
  entryPoints: [here('./page.ts')],
  outfile: here('./public/app.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  metafile: true,
  alias: { '@interop/runtime': here('../../../runtime-ts/src/browser.ts') },
  logLevel: 'warning',
});
const bytes = Object.values(result.metafile.outputs)[0].bytes;
console.log(`web/public/app.js: ${(bytes / 1024).toFixed(1)} KiB (minified)`);
