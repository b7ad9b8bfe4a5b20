// The packages as a user gets them (docs/adr/0021-packages.md, docs/use-ts.md, docs/use-python.md):
// the npm packages packed with `npm pack` and installed offline into a fresh project outside the
// clone, which generates code with the installed interopc, type-checks it with tsc --strict, and
// runs the chat example's server and client (examples/chat/ts) from the compiled JavaScript (no
// tsx, nothing of the clone); then the Python wheel in a fresh virtualenv beside it, and the
// Haskell runtime's source package in a fresh cabal project.

import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../temp.js';
import { REPO } from '../ts/generated.js';
import { installFresh, type Packed, packNpm } from './npm-project.js';

let packed: Packed[];
let app: string;
const children: ChildProcess[] = [];

beforeAll(() => {
  const dir = tempDir('npm-');
  packed = packNpm(join(dir, 'tarballs'));
  app = join(dir, 'app');
  mkdirSync(app);
  // The build hook of docs/use-ts.md: `npm run build` generates the code first.
  installFresh(app, packed, ['typescript', '@types/node'], {
    generate: 'interopc gen --lang ts --out ts/gen chat.interop',
    prebuild: 'npm run generate',
    build: 'tsc -p .',
  });
}, 300_000);
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

const installed = (name: string) => join(app, 'node_modules', name);
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));

/**
 * The packages a file imports or requires by name: not Node's built-in modules, not relative
 * paths, and not what a line with a template literal says (the compiler's code templates).
 */
function bareImports(file: string): string[] {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => !l.includes('`'));
  const specs = lines.flatMap((l) => [...l.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\.resolve\s*\(\s*|\(import\.meta\.url\)\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g)].map((m) => m[1]!));
  return specs
    .filter((s) => /^(@[a-z0-9-]+\/)?[a-z0-9][a-z0-9._-]*(\/\S*)?$/.test(s) && !s.endsWith('.interop'))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!))
    .filter((s) => !builtinModules.includes(s));
}

describe('npm packages', () => {
  it('one version (and a CHANGELOG entry for it); exports list types first; ESM; a README; dependencies are exactly what the code imports', () => {
    const versions = new Set(packed.map((p) => p.version));
    versions.add((JSON.parse(readFileSync(join(REPO, 'compiler/package.json'), 'utf8')) as { version: string }).version);
    versions.add((JSON.parse(readFileSync(join(REPO, 'runtime-ts/package.json'), 'utf8')) as { version: string }).version);
    // The native runtimes' builds carry it too: interop-node --version prints CMake's (runtime-c/test).
    versions.add(/^version = "([^"]+)"$/m.exec(readFileSync(join(REPO, 'runtime-python/pyproject.toml'), 'utf8'))![1]!);
    versions.add(/^project\(interop VERSION (\S+) /m.exec(readFileSync(join(REPO, 'runtime-c/CMakeLists.txt'), 'utf8'))![1]!);
    versions.add(/^version:\s+(\S+)$/m.exec(readFileSync(join(REPO, 'runtime-haskell/interop-runtime.cabal'), 'utf8'))![1]!);
    expect([...versions]).toHaveLength(1);
    expect(readFileSync(join(REPO, 'CHANGELOG.md'), 'utf8')).toContain(`## ${packed[0]!.version} `);
    expect(packed.map((p) => p.name).sort()).toEqual(['@interop/cli', '@interop/runtime', 'interopc']);
    for (const { name } of packed) {
      const dir = installed(name);
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown> & { exports: Record<string, unknown> };
      expect(manifest.type).toBe('module');
      expect(readFileSync(join(dir, 'README.md'), 'utf8').length).toBeGreaterThan(200);
      for (const target of Object.values(manifest.exports)) if (typeof target === 'object') expect(Object.keys(target!)[0]).toBe('types');
      const declared = new Set([...Object.keys((manifest.dependencies as object | undefined) ?? {}), ...Object.keys((manifest.peerDependencies as object | undefined) ?? {})]);
      const used = new Set(files(dir).filter((f) => /\.m?js$/.test(f)).flatMap(bareImports).filter((n) => n !== name));
      expect({ name, imports: [...used].sort() }).toEqual({ name, imports: [...declared].sort() });
      // No TypeScript sources, no path of this machine; the bins import compiled JavaScript, not tsx.
      for (const f of files(dir)) {
        expect(f.endsWith('.ts') && !f.endsWith('.d.ts'), f).toBe(false);
        expect(readFileSync(f, 'utf8'), relative(app, f)).not.toContain(REPO);
      }
      for (const bin of Object.values((manifest.bin as Record<string, string> | undefined) ?? {})) expect(readFileSync(join(dir, bin), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n[^]*import \{ main \} from '\.\.\/dist\/cli\/main\.mjs';/);
    }
    // The runtime: what generated code needs, and not the CLI's parts (supervisor, library, yargs).
    const runtime = installed('@interop/runtime');
    expect(readdirSync(join(runtime, 'dist')).filter((d) => statSync(join(runtime, 'dist', d)).isDirectory()).sort()).toEqual(['codec', 'control', 'node', 'transport', 'wire']);
  });

  // After the test above: the build leaves files with this machine's paths in the package.
  it("the runtime ships the shm: addon's sources; `npm run build-shm` in it builds what its shm: transport loads", () => {
    const runtime = installed('@interop/runtime');
    const addon = join(runtime, 'native/shm');
    const missing = spawnSync(process.execPath, ['--input-type=module', '-e', "const { shmAddon } = await import('@interop/runtime/internal/transport/shm.js'); shmAddon();"], { cwd: app, encoding: 'utf8' });
    expect(missing.stderr).toContain(`npm run build-shm --prefix ${runtime}/`);
    expect(readdirSync(addon).sort()).toEqual(['addon.c', 'binding.gyp', 'include', 'shm_ring.c']);
    // --nodedir=/usr: the installed Node's headers (nothing downloaded), as scripts/ensure-deps.sh builds it.
    execFileSync('npm', ['run', 'build-shm', '--prefix', runtime, '--', '--nodedir=/usr'], { cwd: app, stdio: ['ignore', 'ignore', 'pipe'] });
    const loaded = execFileSync(process.execPath, ['--input-type=module', '-e', "const { shmAddon } = await import('@interop/runtime/internal/transport/shm.js'); const a = shmAddon(); console.log(['connect', 'listen', 'start', 'write'].map((f) => typeof a[f]).join(' '));"], { cwd: app, encoding: 'utf8' });
    expect(loaded.trim()).toBe('function function function function');
  }, 120_000);

  it('the bins run compiled JavaScript and say the version', () => {
    const bin = (n: string) => join(app, 'node_modules/.bin', n);
    expect(execFileSync(bin('interopc'), ['--version'], { encoding: 'utf8' }).trim()).toBe(packed[0]!.version);
    expect(execFileSync(bin('interop'), ['--version'], { encoding: 'utf8' }).trim()).toBe(packed[0]!.version);
  });

  it('a bundler for the browser picks the runtime\'s browser entry ("browser" in its exports), free of Node built-ins', async () => {
    writeFileSync(join(app, 'page.js'), "import { Connection, dialBrowserWebSocket } from '@interop/runtime';\nexport { Connection, dialBrowserWebSocket };\n");
    const result = await build({ absWorkingDir: app, entryPoints: ['page.js'], bundle: true, format: 'esm', platform: 'browser', write: false, metafile: true, logLevel: 'silent' });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain('node_modules/@interop/runtime/dist/browser.js');
    expect(inputs.filter((i) => i.startsWith('node:') || i.endsWith('/dist/index.js'))).toEqual([]);
  });

  it('npm run build generates code (prebuild) and type-checks it with tsc --strict; a client talks to a server; interop echo and inspect', async () => {
    cpSync(join(REPO, 'examples/chat/chat.interop'), join(app, 'chat.interop'));
    cpSync(join(REPO, 'examples/chat/ts'), join(app, 'ts'), { recursive: true, filter: (src) => !src.includes('/gen') });
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, rootDir: 'ts', outDir: 'out', types: ['node'] },
      include: ['ts'],
    }));
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: app, stdio: 'pipe' });
    expect(readFileSync(join(app, 'ts/gen/example.chat.ts'), 'utf8')).toMatch(/from '@interop\/runtime';/);
    expect(existsSync(join(app, 'out/client.js'))).toBe(true);

    const { address, stop } = await chatServer();
    // interop echo prints the events the client's posts cause, as JSON lines.
    const echo = spawn(join(app, 'node_modules/.bin/interop'), ['echo', address, 'example.chat.message_posted', '--count', '3'], { cwd: app });
    children.push(echo);
    let echoed = '';
    echo.stdout.on('data', (d: Buffer) => (echoed += d.toString()));
    const echoExit = new Promise((r) => echo.once('exit', (code) => r(code)));
    await new Promise<void>((resolve, reject) => {
      let err = '';
      echo.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('interop echo: subscribed to example.chat.message_posted')) resolve();
      });
      echo.once('exit', (code) => reject(new Error(`interop echo exited (${code}): ${err}`)));
    });
    const client = execFileSync(process.execPath, ['out/client.js', address], { cwd: app, encoding: 'utf8' });
    expect(await echoExit).toBe(0);
    expect(echoed.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([
      { id: '1', text: 'hello :)', mood: 'HAPPY' },
      { id: '2', text: 'how is everyone?' },
      { id: '3', text: 'off to lunch :(', mood: 'SAD' },
    ]);
    const noEvent = spawnSync(join(app, 'node_modules/.bin/interop'), ['echo', address, 'example.chat.posted'], { encoding: 'utf8' });
    expect([noEvent.status, noEvent.stderr]).toEqual([2, 'interop echo: example.chat has no event "posted"; its events: message_posted\n']);
    expect(client).toContain('post("hello :)") -> #1, mood 1');
    expect(client).toContain('post("one more") -> RateLimited');
    expect(client).toContain('event message_posted: #3 "off to lunch :("');
    // The CLI from its package, against the same node.
    expect(execFileSync(join(app, 'node_modules/.bin/interop'), ['inspect', address], { encoding: 'utf8' })).toContain('module example.chat version "1.0.0"');
    expect(await stop()).toBe(0);
  }, 180_000);
});

/** The chat example's TS server, compiled in the fresh project, until stop() (its exit code). */
async function chatServer(): Promise<{ address: string; stop: () => Promise<number | null> }> {
  const server = spawn(process.execPath, ['out/server.js'], { cwd: app, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(server);
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    server.once('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
  const stop = () => {
    server.kill('SIGTERM');
    return new Promise<number | null>((r) => (server.exitCode !== null ? r(server.exitCode) : server.once('exit', (code) => r(code))));
  };
  return { address, stop };
}

// The wheel as a user gets it (docs/use-python.md): built with pip wheel, installed offline into a
// fresh virtualenv beside the npm project (the dependencies' wheels come from the wheelhouse that
// runtime-python/setup.sh downloads), generated code checked with mypy --strict against the
// installed package, and the chat example's Python client talking to the TS server above.
describe('Python wheel', () => {
  const PYTHON = join(REPO, 'runtime-python/.venv/bin/python');
  let venvPython: string;
  beforeAll(() => {
    const wheel = execFileSync('bash', [join(REPO, 'scripts/build-wheel.sh'), join(app, '..', 'wheels')], { encoding: 'utf8' }).trim();
    expect(wheel).toMatch(/interop_runtime-[0-9.]+-py3-none-any\.whl$/);
    execFileSync(PYTHON, ['-c', 'import sys, venv; venv.create(sys.argv[1], with_pip=True)', join(app, '.venv')]);
    venvPython = join(app, '.venv/bin/python');
    execFileSync(venvPython, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-index', '--find-links', join(REPO, 'runtime-python/.venv/wheelhouse'), wheel]);
  }, 300_000);

  it('is pure Python with py.typed and its schema; installed outside the clone', () => {
    const where = execFileSync(venvPython, ['-c', 'import importlib.metadata as m, interop_runtime, pathlib; p = pathlib.Path(interop_runtime.__file__).parent; print(p); print((p / "py.typed").exists(), (p / "schemas/config.schema.json").exists()); print(m.version("interop_runtime"))'], { cwd: app, encoding: 'utf8' }).trim().split('\n');
    expect(where[0]!.startsWith(join(app, '.venv'))).toBe(true);
    expect(where[1]).toBe('True True');
    expect(where[2]).toBe(packed[0]!.version);
    // The node host says the same version.
    expect(execFileSync(venvPython, ['-m', 'interop_runtime.host', '--version'], { cwd: app, encoding: 'utf8' }).trim()).toBe(packed[0]!.version);
  });

  it('make generates code that imports it and passes mypy --strict; a Python client talks to the TS server', async () => {
    if (!existsSync(join(app, 'out/server.js'))) execFileSync('npm', ['run', 'build', '--silent'], { cwd: app, stdio: 'pipe' });
    // A Python project beside the npm one, generating with the Makefile of docs/use-python.md.
    const project = join(app, 'python');
    mkdirSync(join(project, 'schema'), { recursive: true });
    cpSync(join(REPO, 'examples/chat/chat.interop'), join(project, 'schema/chat.interop'));
    cpSync(join(REPO, 'examples/chat/python/client.py'), join(project, 'client.py'));
    const makefile = /```make\n([^]*?)```/.exec(readFileSync(join(REPO, 'docs/use-python.md'), 'utf8'))![1]!;
    writeFileSync(join(project, 'Makefile'), makefile);
    const make = () => execFileSync('make', ['--no-print-directory', 'generate', `INTEROPC=${join(app, 'node_modules/.bin/interopc')}`], { cwd: project, encoding: 'utf8' });
    make();
    expect(readFileSync(join(project, 'gen/example_chat.py'), 'utf8')).toMatch(/^import interop_runtime as _rt$/m);
    expect(make()).toMatch(/Nothing to be done|is up to date/);
    // mypy from the clone's virtualenv, looking only at the fresh one's packages.
    execFileSync(PYTHON, ['-m', 'mypy', '--strict', '--no-incremental', '--cache-dir', '/dev/null', '--python-executable', venvPython, 'client.py'], { cwd: project, encoding: 'utf8' });
    const { address, stop } = await chatServer();
    const client = execFileSync(venvPython, ['client.py', address], { cwd: project, encoding: 'utf8' });
    expect(client).toContain('post("hello :)") -> #1, mood Mood.HAPPY');
    expect(client).toContain('post("one more") -> RateLimited');
    expect(client).toContain('event message_posted: #3 "off to lunch :("');
    expect(await stop()).toBe(0);
  }, 180_000);

  it('a setuptools build hook generates the code into the wheel of an SDK project; the client imports it from the installed wheel', async () => {
    if (!existsSync(join(app, 'out/server.js'))) execFileSync('npm', ['run', 'build', '--silent'], { cwd: app, stdio: 'pipe' });
    // The chat-sdk project of docs/use-python.md: its pyproject.toml and setup.py as the page shows them.
    const page = readFileSync(join(REPO, 'docs/use-python.md'), 'utf8');
    const project = join(app, 'python-sdk');
    mkdirSync(join(project, 'schema'), { recursive: true });
    writeFileSync(join(project, 'pyproject.toml'), /```toml\n([^]*?)```/.exec(page)![1]!);
    writeFileSync(join(project, 'setup.py'), /```python\n([^]*?)```/.exec(page)![1]!);
    cpSync(join(REPO, 'examples/chat/chat.interop'), join(project, 'schema/chat.interop'));
    const command = /```sh\n(python -m pip wheel [^#\n]*?)\s*#/.exec(page)![1]!.split(' ');
    // Built by the clone's Python (setuptools and wheel, offline); interopc from app/node_modules/.bin, a folder above.
    execFileSync(PYTHON, command.slice(1), { cwd: project, stdio: 'pipe' });
    const wheel = join(project, 'dist/chat_sdk-1.0.0-py3-none-any.whl');
    execFileSync(venvPython, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-index', '--find-links', join(REPO, 'runtime-python/.venv/wheelhouse'), wheel]);
    // The client, importing the SDK instead of gen/, run where no source of it lies.
    const run = join(app, 'python-run');
    mkdirSync(run);
    const client = readFileSync(join(REPO, 'examples/chat/python/client.py'), 'utf8').replace('from gen.example_chat import', 'from chat_sdk.example_chat import');
    expect(client).toContain('from chat_sdk.example_chat import');
    writeFileSync(join(run, 'client.py'), client);
    const { address, stop } = await chatServer();
    const out = execFileSync(venvPython, ['client.py', address], { cwd: run, encoding: 'utf8' });
    expect(out).toContain('post("hello :)") -> #1, mood Mood.HAPPY');
    expect(out).toContain('event message_posted: #3 "off to lunch :("');
    expect(await stop()).toBe(0);
    const where = execFileSync(venvPython, ['-c', 'import chat_sdk.example_chat as m; print(m.__file__)'], { cwd: run, encoding: 'utf8' }).trim();
    expect(where.startsWith(join(app, '.venv'))).toBe(true);
  }, 180_000);
});

// The Haskell source package as a user gets it (docs/use-haskell.md): cabal sdist, named by a fresh
// cabal project's cabal.project, whose Setup.hs (examples/chat/haskell) runs the npm-installed
// interopc before the build; the chat client in Haskell against the TS server above.
describe('Haskell source package', () => {
  // cabal builds the runtime once per source into its store: kept with the repository's other build
  // caches (runtime-haskell/build.sh), and started afresh when it holds more than 3 builds of it.
  const cabalDir = join(process.env.INTEROP_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'interop'), 'haskell/cabal');
  const cabal = (project: string, args: string[]) =>
    execFileSync('cabal', args, { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CABAL_CONFIG: '/dev/null', CABAL_DIR: cabalDir } });

  it('cabal build runs interopc gen (Setup.hs) and builds against the packed runtime; a Haskell client talks to the TS server', async () => {
    if (!existsSync(join(app, 'out/server.js'))) execFileSync('npm', ['run', 'build', '--silent'], { cwd: app, stdio: 'pipe' });
    const store = join(cabalDir, 'store');
    const builds = existsSync(store) ? readdirSync(store).flatMap((g) => (g.startsWith('ghc-') ? readdirSync(join(store, g)) : [])).filter((d) => d.startsWith('interop-runtime-')) : [];
    if (builds.length > 3) rmSync(cabalDir, { recursive: true, force: true });
    const project = join(app, 'haskell');
    mkdirSync(join(project, 'vendor'), { recursive: true });
    const tarball = execFileSync('bash', [join(REPO, 'scripts/pack-haskell.sh'), join(app, '..', 'haskell-dist')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    cpSync(tarball, join(project, 'vendor', 'interop-runtime-0.1.0.tar.gz'));
    for (const f of ['Setup.hs', 'chat-client.cabal', 'Client.hs']) cpSync(join(REPO, 'examples/chat/haskell', f), join(project, f));
    cpSync(join(REPO, 'examples/chat/chat.interop'), join(project, 'chat.interop'));
    const cabalProject = /```cabal\n(packages:[^]*?)```/.exec(readFileSync(join(REPO, 'docs/use-haskell.md'), 'utf8'))![1]!;
    writeFileSync(join(project, 'cabal.project'), cabalProject);
    cabal(project, ['build', '--offline']);
    expect(readFileSync(join(project, 'gen/Example/Chat.hs'), 'utf8')).toMatch(/^import qualified Interop\.Runtime\.Gen as G$/m);
    const { address, stop } = await chatServer();
    const client = cabal(project, ['run', '--offline', '-v0', 'chat-client', '--', address]);
    expect(client).toContain('post("hello :)") -> #1, mood MoodHappy');
    expect(client).toMatch(/post\("one more"\) -> RateLimited, retry after \d+ ms/);
    expect(client).toContain('event message_posted: #3 "off to lunch :("');
    expect(await stop()).toBe(0);
    // The checked-in-SDK check of the page: the generated code is what the schema produces.
    execFileSync(join(app, 'node_modules/.bin/interopc'), ['gen', '--check', '--lang', 'haskell', '--out', 'gen', 'chat.interop'], { cwd: project, stdio: 'pipe' });
  }, 900_000);
});
