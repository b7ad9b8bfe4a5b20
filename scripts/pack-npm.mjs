#!/usr/bin/env node
// Builds the three npm packages (docs/adr/0021-packages.md) and packs each with `npm pack`:
//   @interop/runtime  runtime-ts/src compiled by tsc, without cli/, supervisor/ and library/:
//                     what generated code imports; its one dependency is ajv.
//   @interop/cli      the `interop` command: runtime-ts/src/cli bundled by esbuild with the
//                     supervisor and the library; the runtime itself stays an import of
//                     @interop/runtime (one copy of Node and InteropError in a process).
//   interopc          the compiler bundled by esbuild into one file (chevrotain and yargs inside),
//                     so it starts fast and has no dependencies.
// Each package's package.json and README.md are in packaging/npm/<name>/; the JSON Schemas its
// code reads are copied from docs/ into its schemas/ (runtime-ts/src/schema-file.ts).
//
//   node scripts/pack-npm.mjs OUT_DIR     writes the three .tgz files into OUT_DIR and prints, as
//                                         JSON, each package's name, version, file, integrity and
//                                         package.json.

import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RUNTIME_SRC = join(REPO, 'runtime-ts', 'src');
/** Folders of runtime-ts/src that belong to @interop/cli, not to the runtime. */
const CLI_PARTS = ['cli', 'supervisor', 'library'];

const require = createRequire(import.meta.url);
// esbuild comes with tsx (a dev dependency), as for compiler/bin/interopc.mjs.
const esbuild = createRequire(require.resolve('tsx'))('esbuild');

function launcher(name, what) {
  return `#!/usr/bin/env node\n// ${name}: ${what}\nimport { main } from '../dist/cli/main.mjs';\nprocess.exitCode = await main(process.argv.slice(2));\n`;
}

function start(stage, name) {
  const dir = join(stage, name);
  mkdirSync(dir, { recursive: true });
  for (const f of ['package.json', 'README.md']) cpSync(join(REPO, 'packaging', 'npm', name, f), join(dir, f));
  return dir;
}

function copySchemas(dir, names) {
  mkdirSync(join(dir, 'schemas'));
  for (const n of names) cpSync(join(REPO, 'docs', `${n}.schema.json`), join(dir, 'schemas', `${n}.schema.json`));
}

/** A bundle at dist/cli/main.mjs (two folders down, as schema-file.ts and ../../package.json expect). */
async function bundle(dir, entry, options) {
  await esbuild.build({
    entryPoints: [entry],
    outfile: join(dir, 'dist', 'cli', 'main.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    legalComments: 'none',
    // A `require` for the CommonJS code inside the ES module.
    banner: { js: "import { createRequire as __interopRequire } from 'node:module';\nconst require = __interopRequire(import.meta.url);" },
    ...options,
  });
}

function buildRuntime(stage) {
  const dir = start(stage, 'runtime');
  // What runtime-ts/package.json declares (the packages its sources import) joins the manifest's.
  const workspace = JSON.parse(readFileSync(join(REPO, 'runtime-ts', 'package.json'), 'utf8'));
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  manifest.dependencies = { ...manifest.dependencies, ...workspace.dependencies };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', join(REPO, 'runtime-ts', 'tsconfig.build.json'), '--outDir', join(dir, 'dist'), '--sourceMap', 'false'], { stdio: 'inherit' });
  for (const part of CLI_PARTS) rmSync(join(dir, 'dist', part), { recursive: true });
  copySchemas(dir, ['config']);
  copyShmAddon(dir);
  return dir;
}

/**
 * The shm: transport's Node-API addon as sources (native/shm/: the addon and runtime-c's ring
 * core, with a binding.gyp that names them there): `npm run build-shm` in the installed package
 * builds it with the node-gyp npm ships (docs/use-ts.md); it is not built on install, so an
 * install needs no compiler, and without it only shm: addresses fail, saying how to build it.
 */
function copyShmAddon(dir) {
  const to = join(dir, 'native', 'shm');
  mkdirSync(join(to, 'include', 'interop'), { recursive: true });
  cpSync(join(REPO, 'runtime-ts', 'native', 'shm', 'addon.c'), join(to, 'addon.c'));
  cpSync(join(REPO, 'runtime-c', 'src', 'shm_ring.c'), join(to, 'shm_ring.c'));
  cpSync(join(REPO, 'runtime-c', 'include', 'interop', 'shm_ring.h'), join(to, 'include', 'interop', 'shm_ring.h'));
  const gyp = JSON.parse(readFileSync(join(REPO, 'runtime-ts', 'native', 'shm', 'binding.gyp'), 'utf8'));
  for (const target of gyp.targets) {
    target.sources = target.sources.map((s) => s.split('/').pop());
    target.include_dirs = ['include'];
  }
  writeFileSync(join(to, 'binding.gyp'), `${JSON.stringify(gyp, null, 2)}\n`);
}

/** Imports that leave the CLI's own folders for the runtime's become imports of @interop/runtime. */
const runtimeAsPackage = {
  name: 'runtime-as-package',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const target = resolve(args.resolveDir, args.path);
      const rel = relative(RUNTIME_SRC, target);
      if (rel.startsWith('..') || CLI_PARTS.includes(rel.split(sep)[0])) return undefined;
      return { path: `@interop/runtime/internal/${rel.split(sep).join('/')}`, external: true };
    });
  },
};

async function buildCli(stage) {
  const dir = start(stage, 'cli');
  await bundle(dir, join(RUNTIME_SRC, 'cli', 'main.ts'), { packages: 'external', plugins: [runtimeAsPackage] });
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'interop.mjs'), launcher('interop', 'run and supervise interop applications (docs/cli.md)'), { mode: 0o755 });
  copySchemas(dir, ['app', 'package', 'library-index', 'lock']);
  return dir;
}

async function buildInteropc(stage) {
  const dir = start(stage, 'interopc');
  // prettier is loaded only by `gen --format`: an optional peer dependency.
  await bundle(dir, join(REPO, 'compiler', 'src', 'cli', 'main.ts'), { external: ['prettier'] });
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'interopc.mjs'), launcher('interopc', 'the interop IDL compiler (docs/cli.md)'), { mode: 0o755 });
  return dir;
}

const out = process.argv[2];
if (!out) {
  console.error('usage: node scripts/pack-npm.mjs OUT_DIR');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const stage = mkdtempSync(join(resolve(out), '.stage-'));
try {
  const dirs = [buildRuntime(stage), await buildCli(stage), await buildInteropc(stage)];
  const packed = dirs.map((dir) => {
    const json = execFileSync('npm', ['pack', '--json', '--pack-destination', resolve(out)], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const [info] = JSON.parse(json);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    return { name: info.name, version: info.version, file: join(resolve(out), info.filename), integrity: info.integrity, manifest };
  });
  console.log(JSON.stringify(packed, null, 2));
} finally {
  rmSync(stage, { recursive: true, force: true });
}
