// Resolution, download and caching of an application's packages against a real HTTP library on
// loopback: the lockfile makes a second start need no network; a tampered or cut download leaves
// the cache as it was; a library that is down is passed over for the next one or the cache; and
// every refusal says what, where and what to do. The cache is a scratch folder, never the user's.

import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveAppPackages, type LibraryOptions } from '../../runtime-ts/src/library/app-packages.js';
import { LibraryError } from '../../runtime-ts/src/library/errors.js';
import { hostPlatform } from '../../runtime-ts/src/library/package-meta.js';
import { terminalProgress } from '../../runtime-ts/src/library/progress.js';
import { publicKeyText } from '../../runtime-ts/src/library/signing.js';
import { writeTgz } from '../../runtime-ts/src/library/tar.js';
import { parseAppConfig, type AppConfig } from '../../runtime-ts/src/supervisor/app-config.js';
import { tempDir } from '../temp.js';
import { deadUrl, LibraryServer, publish } from './helpers.js';

const servers: LibraryServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

let root: string;
let lib: string;
let cache: string;
beforeEach(() => {
  root = tempDir('il-fetch-');
  lib = path.join(root, 'lib');
  cache = path.join(root, 'cache');
});

async function serve(dir = lib): Promise<LibraryServer> {
  const s = await LibraryServer.start(dir);
  servers.push(s);
  return s;
}

/** An app whose node "n" (language `language`) hosts `packages`' modules. */
function app(packages: Record<string, string>, libraries: unknown[], language = 'python'): AppConfig {
  const raw = { name: 'demo', libraries, packages, nodes: { n: { language, command: ['true'], modules: Object.keys(packages) } } };
  return parseAppConfig(raw, path.join(root, 'app.json'));
}

const logs: string[] = [];
const opts = (extra: LibraryOptions = {}): LibraryOptions => ({ cacheDir: cache, log: (l) => logs.push(l), ...extra });

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(LibraryError);
    return (err as Error).message;
  }
  throw new Error('it succeeded');
}

/** What the cache holds: unpacked packages, and anything left in its work folder. */
function cacheContents(): { packages: string[]; tmp: string[] } {
  const list = (d: string) => (existsSync(d) ? readdirSync(d).sort() : []);
  return { packages: list(path.join(cache, 'packages')), tmp: list(path.join(cache, 'tmp')) };
}

describe('fetching packages', { timeout: 120_000 }, () => {
  it('downloads, checks and caches every package and its dependencies, writes interop.lock, and then needs no network', async () => {
    const a = publish(root, lib, { name: 'demo.a', version: '1.0.0', dependencies: { 'demo.b': '^1.0.0' } });
    publish(root, lib, { name: 'demo.b', version: '1.0.0' });
    const b11 = publish(root, lib, { name: 'demo.b', version: '1.1.0' });
    publish(root, lib, { name: 'demo.b', version: '2.0.0' });
    const server = await serve();
    const config = app({ 'demo.a': '^1.0.0' }, [server.url]);

    const first = await resolveAppPackages(config, opts());
    expect([...first.modules].map(([m, p]) => [m, p.meta.version, p.node, p.autoHosted])).toEqual([
      ['demo.a', '1.0.0', 'n', false],
      ['demo.b', '1.1.0', 'n', true], // the highest version ^1.0.0 allows, hosted with its dependent
    ]);
    expect(first).toMatchObject({ fetched: 2, fromCache: 0, lockWritten: true });
    expect(readFileSync(path.join(first.modules.get('demo.a')!.dir, 'impl.py'), 'utf8')).toBe('# demo.a 1.0.0\n');
    expect(cacheContents()).toEqual({ packages: [`${a.sha256}`, `${a.sha256}.json`, `${b11.sha256}`, `${b11.sha256}.json`].sort(), tmp: [] });
    const lock = JSON.parse(readFileSync(path.join(root, 'interop.lock'), 'utf8'));
    expect(lock.packages['demo.b']).toEqual({
      version: '1.1.0', language: 'python', platform: 'any', file: 'demo.b-1.1.0-python-any.tgz', sha256: b11.sha256, size: b11.size, dependencies: {}, library: server.url,
    });

    // A newer 1.x appears in the library: the lockfile keeps the start reproducible, and asks nothing.
    publish(root, lib, { name: 'demo.b', version: '1.2.0' });
    server.requests.length = 0;
    const second = await resolveAppPackages(config, opts());
    expect(second.modules.get('demo.b')!.meta.version).toBe('1.1.0');
    expect(second).toMatchObject({ fetched: 0, fromCache: 2, lockWritten: false });
    expect(server.requests).toEqual([]);

    // --update resolves again and moves the lock forward.
    const updated = await resolveAppPackages(config, opts({ update: true }));
    expect(updated.modules.get('demo.b')!.meta.version).toBe('1.2.0');
    expect(JSON.parse(readFileSync(path.join(root, 'interop.lock'), 'utf8')).packages['demo.b'].version).toBe('1.2.0');
  });

  it('with the library stopped, the lockfile and the cache still resolve; --offline never asks the network', async () => {
    publish(root, lib, { name: 'demo.a', version: '1.0.0' });
    const server = await serve();
    const config = app({ 'demo.a': '^1.0.0' }, [server.url]);
    await resolveAppPackages(config, opts());
    await server.close();
    servers.splice(servers.indexOf(server), 1);

    const offline = await resolveAppPackages(config, opts({ offline: true }));
    expect(offline).toMatchObject({ fetched: 0, fromCache: 1 });
    const online = await resolveAppPackages(config, opts());
    expect(online).toMatchObject({ fetched: 0, fromCache: 1 });

    // Offline with an empty cache: says exactly what is missing and what to do.
    const message = await failure(resolveAppPackages(config, opts({ offline: true, cacheDir: path.join(root, 'empty-cache') })));
    expect(message).toMatch(/demo\.a 1\.0\.0 \(python, sha256 [0-9a-f]{64}\) is not in the cache .*empty-cache, and --offline forbids downloading it: run "interop fetch .*app\.json" with the network first/);
 
    // Offline, no lockfile, a module the cache lacks.
    const other = tempDir('il-fetch-nolock-');
    const unlocked = parseAppConfig({ name: 'x', packages: { 'demo.q': '^1' }, nodes: { n: { language: 'python', command: ['true'], modules: ['demo.q'] } } }, path.join(other, 'app.json'));
    expect(await failure(resolveAppPackages(unlocked, opts({ offline: true })))).toMatch(
      /^demo\.q is not in the cache .*, and --offline forbids asking the libraries: run "interop fetch .*app\.json" with the network first/,
    );
  });

  it('shows one progress line per download (size, speed) on a terminal, and nothing under CI', async () => {
    publish(root, lib, { name: 'demo.a', version: '1.0.0' });
    const server = await serve();
    const written: string[] = [];
    const tty = { isTTY: true, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
    const ci = process.env['CI'];
    try {
      delete process.env['CI'];
      await resolveAppPackages(app({ 'demo.a': '1.0.0' }, [server.url]), opts({ progress: terminalProgress(tty) }));
      expect(written.join('')).toMatch(/\r\u001b\[2Kfetched demo\.a 1\.0\.0 \(python, any\): (\d+) B of \1 B, [\d.]+ [KMG]?i?B\/s\n$/);
      process.env['CI'] = 'true';
      expect(terminalProgress(tty).start('x', 1)).toBe(terminalProgress({ isTTY: false } as NodeJS.WriteStream).start('x', 1));
    } finally {
      if (ci === undefined) delete process.env['CI'];
      else process.env['CI'] = ci;
    }
  });

  it('refuses a tampered artifact and caches nothing', async () => {
    const a = publish(root, lib, { name: 'demo.a', version: '1.0.0' });
    const archive = path.join(lib, 'demo.a', 'demo.a-1.0.0-python-any.tgz');
    const bytes = readFileSync(archive);
    bytes[bytes.length - 10]! ^= 0xff; // same size, other bytes
    writeFileSync(archive, bytes);
    const server = await serve();
    const message = await failure(resolveAppPackages(app({ 'demo.a': '1.0.0' }, [server.url]), opts()));
    expect(message).toContain(`demo.a 1.0.0 (python, any) from ${server.url}: the download does not match its sha256: expected ${a.sha256}`);
    expect(message).toContain('refused, nothing was cached');
    expect(cacheContents()).toEqual({ packages: [], tmp: [] });
    expect(existsSync(path.join(root, 'interop.lock'))).toBe(false);
  });

  it('a download cut halfway leaves the cache as it was; the next try succeeds', async () => {
    publish(root, lib, { name: 'demo.a', version: '1.0.0' });
    const server = await serve();
    server.misbehave.set('/demo.a/demo.a-1.0.0-python-any.tgz', 'cut');
    const config = app({ 'demo.a': '1.0.0' }, [server.url]);
    const message = await failure(resolveAppPackages(config, opts()));
    expect(message).toMatch(/demo\.a 1\.0\.0 \(python, any\) could not be downloaded:\n {2}http:\/\/127\.0\.0\.1:\d+\/: the download of demo\.a\/demo\.a-1\.0\.0-python-any\.tgz was cut off/);
    expect(cacheContents()).toEqual({ packages: [], tmp: [] });
    server.misbehave.clear();
    expect(await resolveAppPackages(config, opts())).toMatchObject({ fetched: 1 });
  });

  it('passes over a library that is down or failing for the next one, and says what each answered when none has it', async () => {
    publish(root, lib, { name: 'demo.a', version: '1.0.0' });
    const server = await serve();
    const failing = await serve(tempDir('il-fetch-empty-'));
    failing.misbehave.set('/demo.a/index.json', 503);
    const dead = await deadUrl();
    logs.length = 0;
    const resolved = await resolveAppPackages(app({ 'demo.a': '1.0.0' }, [dead, failing.url, server.url]), opts());
    expect(resolved.modules.get('demo.a')!.meta.version).toBe('1.0.0');
    expect(logs).toEqual([`library ${dead}: connection refused; trying the next one`, `library ${failing.url}: HTTP 503 for /demo.a/index.json; trying the next one`]);

    const empty = await serve(tempDir('il-fetch-empty-'));
    const message = await failure(resolveAppPackages(app({ 'demo.zz': '^1' }, [dead, empty.url]), opts({ cacheDir: path.join(root, 'other-cache') })));
    expect(message).toBe(`demo.zz cannot be found:\n  ${dead}: connection refused\n  ${empty.url}: has no module demo.zz\n  (wanted: "^1" (app.json))`);
  });

  it('when no library answers and there is no lockfile, chooses among the cached versions', async () => {
    publish(root, lib, { name: 'demo.a', version: '1.0.0' });
    const server = await serve();
    await resolveAppPackages(app({ 'demo.a': '^1.0.0' }, [server.url]), opts());
    const other = tempDir('il-fetch-app2-'); // another application of the same user, same cache
    const config = parseAppConfig({ name: 'other', libraries: [await deadUrl()], packages: { 'demo.a': '^1' }, nodes: { n: { language: 'python', command: ['true'], modules: ['demo.a'] } } }, path.join(other, 'app.json'));
    logs.length = 0;
    const resolved = await resolveAppPackages(config, opts());
    expect(resolved).toMatchObject({ fetched: 0, fromCache: 1 });
    expect(logs.at(-1)).toBe('demo.a: no library answered; choosing among the versions in the cache');
  });

  it('stops a download that sends more than the index declares', async () => {
    publish(root, lib, { name: 'demo.a', version: '1.0.0' });
    const indexFile = path.join(lib, 'demo.a', 'index.json');
    const index = JSON.parse(readFileSync(indexFile, 'utf8'));
    index.versions['1.0.0'].artifacts[0].size = 100; // the archive is larger
    writeFileSync(indexFile, JSON.stringify(index));
    const server = await serve();
    const message = await failure(resolveAppPackages(app({ 'demo.a': '1.0.0' }, [server.url]), opts()));
    expect(message).toContain('demo.a/demo.a-1.0.0-python-any.tgz: more than the 100 B the index declares; refused');
    expect(cacheContents()).toEqual({ packages: [], tmp: [] });
  });

  it('the config names the field of a bad range or of a package no node hosts', () => {
    const bad = (): unknown =>
      parseAppConfig({ name: 'x', packages: { 'demo.a': 'one point oh', 'demo.b': '^1' }, nodes: { n: { language: 'python', command: ['true'], modules: ['demo.a'] } } }, path.join(root, 'app.json'));
    expect(bad).toThrow(/packages\.demo\.a: expected a version range such as "\^1\.2\.0", "~1\.2" or ">=1 <3", got "one point oh"/);
    expect(bad).toThrow(/packages\.demo\.b: no node hosts demo\.b: add it to the "modules" of the node whose host should load it/);
  });

  it('a range nothing satisfies names every range and what the library has', async () => {
    publish(root, lib, { name: 'demo.a', version: '1.0.0', dependencies: { 'demo.b': '^2.0.0' } });
    publish(root, lib, { name: 'demo.b', version: '1.4.0' });
    const server = await serve();
    const message = await failure(resolveAppPackages(app({ 'demo.a': '^1.0.0', 'demo.b': '^1.0.0' }, [server.url]), opts()));
    expect(message).toBe(`demo.b: no version satisfies "^1.0.0" (app.json) and "^2.0.0" (demo.a 1.0.0); ${server.url} has 1.4.0`);
    expect(cacheContents()).toEqual({ packages: [], tmp: [] });
  });

  it('a dependency cycle resolves each module once', async () => {
    publish(root, lib, { name: 'demo.a', version: '1.0.0', dependencies: { 'demo.b': '^1.0.0' } });
    publish(root, lib, { name: 'demo.b', version: '1.0.0', dependencies: { 'demo.a': '^1.0.0' } });
    const server = await serve();
    const resolved = await resolveAppPackages(app({ 'demo.a': '^1.0.0' }, [server.url]), opts());
    expect([...resolved.modules.keys()]).toEqual(['demo.a', 'demo.b']);
    expect(server.requests.filter((r) => r.endsWith('index.json')).sort()).toEqual(['/demo.a/index.json', '/demo.b/index.json']);
  });

  it('a platform with no artifact says which platforms there are', async () => {
    publish(root, lib, { name: 'demo.native', version: '1.0.0', language: 'c', platform: 'plan9-mips' });
    const server = await serve();
    const message = await failure(resolveAppPackages(app({ 'demo.native': '^1' }, [server.url], 'c'), opts()));
    expect(message).toBe(
      `demo.native: no artifact for c on ${hostPlatform()} in any version that satisfies "^1" (app.json); 1.0.0 has c plan9-mips (${server.url}). ` +
        `Publish one built for ${hostPlatform()}, or host demo.native on a node of another language or machine.`,
    );
  });

  it('a signed library: an index is used only with a valid signature by a key the config trusts', async () => {
    const key = generateKeyPairSync('ed25519').privateKey;
    const trusted = publicKeyText(key);
    publish(root, lib, { name: 'demo.a', version: '1.0.0' }, key);
    const server = await serve();
    const signed = (keys: string[]) => app({ 'demo.a': '^1' }, [{ url: server.url, keys }]);
    expect(await resolveAppPackages(signed([trusted]), opts({ update: true }))).toMatchObject({ fetched: 1 });

    const stranger = publicKeyText(generateKeyPairSync('ed25519').privateKey);
    expect(await failure(resolveAppPackages(signed([stranger]), opts({ update: true })))).toContain(
      `${server.url}: demo.a/index.json: refused: signed by ${trusted}, and the config trusts ${stranger} for this library`,
    );
    // The index changed after it was signed (a newer version slipped in by hand): refused before any download.
    const indexFile = path.join(lib, 'demo.a', 'index.json');
    const index = JSON.parse(readFileSync(indexFile, 'utf8'));
    index.versions['1.0.1'] = index.versions['1.0.0'];
    writeFileSync(indexFile, JSON.stringify(index, null, 2) + '\n');
    server.requests.length = 0;
    expect(await failure(resolveAppPackages(signed([trusted]), opts({ update: true, cacheDir: path.join(root, 'other-cache') })))).toContain(
      `demo.a/index.json: refused: the signature by ${trusted} does not match the index (changed after it was signed); nothing was downloaded`,
    );
    expect(server.requests.filter((r) => r.endsWith('.tgz'))).toEqual([]);
    // An unsigned library where the config wants a signature.
    publish(root, path.join(root, 'plain'), { name: 'demo.b', version: '1.0.0' });
    const plain = await serve(path.join(root, 'plain'));
    expect(await failure(resolveAppPackages(app({ 'demo.b': '^1' }, [{ url: plain.url, keys: [trusted] }]), opts()))).toContain(
      'demo.b/index.json: refused: it is not signed (no .sig file beside it)',
    );
    // A bad key in the config is the config's error, with the field.
    expect(() => app({ 'demo.b': '^1' }, [{ url: plain.url, keys: ['ed25519:short'] }])).toThrow(/libraries\[0\]\.keys\[0\]/);
  });

  it('refuses archives whose paths escape the package folder, or that hold links, even with a matching sha256', async () => {
    const evil = [
      { path: '../../escaped.txt', why: 'climbs out of the package folder' },
      { path: 'ok/../../../escaped.txt', why: 'climbs out' },
    ];
    for (const [i, e] of evil.entries()) {
      // A hostile library: a well-formed index whose sha256 matches a hostile archive.
      const tgz = rawTgz(e.path);
      writeLibrary(`demo.evil${i}`, tgz);
      const server = await serve();
      const message = await failure(resolveAppPackages(app({ [`demo.evil${i}`]: '1.0.0' }, [server.url]), opts()));
      expect(message).toContain(e.why);
    }
    writeLibrary('demo.link', symlinkTgz());
    const server = await serve();
    expect(await failure(resolveAppPackages(app({ 'demo.link': '1.0.0' }, [server.url]), opts()))).toContain('is a symbolic link; a package holds regular files only');
    expect(cacheContents()).toEqual({ packages: [], tmp: [] });
    expect(existsSync(path.join(root, 'escaped.txt'))).toBe(false);
    expect(existsSync(path.join(cache, 'escaped.txt'))).toBe(false);
  });

  it('a lockfile that no longer fits the config is resolved again online, and refused offline', async () => {
    publish(root, lib, { name: 'demo.a', version: '1.0.0' });
    publish(root, lib, { name: 'demo.a', version: '2.0.0' });
    const server = await serve();
    await resolveAppPackages(app({ 'demo.a': '^1.0.0' }, [server.url]), opts());
    const message = await failure(resolveAppPackages(app({ 'demo.a': '^2.0.0' }, [server.url]), opts({ offline: true })));
    expect(message).toContain('interop.lock does not match app.json: demo.a: no version satisfies "^2.0.0" (app.json)');
    expect(message).toContain('--offline forbids resolving again');
    logs.length = 0;
    const moved = await resolveAppPackages(app({ 'demo.a': '^2.0.0' }, [server.url]), opts());
    expect(moved.modules.get('demo.a')!.meta.version).toBe('2.0.0');
    expect(logs[0]).toMatch(/^interop\.lock does not match app\.json: .*; resolving again$/);
  });
});

// ---- hostile archives ---------------------------------------------------------------------------

function header(name: string, type: string, size: number, linkname = ''): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100);
  h.write('0000644\0', 100, 'latin1');
  h.write(size.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
  h.write('00000000000\0', 136, 'latin1');
  h.fill(0x20, 148, 156);
  h.write(type, 156, 'latin1');
  h.write(linkname, 157, 100);
  h.write('ustar\u000000', 257, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

/** A package archive with one extra entry at `evilPath` (which writeTgz would refuse to write). */
function rawTgz(evilPath: string): Buffer {
  const good = writeTgz([{ path: 'a.py', data: Buffer.from('x') }]);
  const tar = zlib.gunzipSync(good);
  const body = Buffer.from('owned\n');
  const evil = Buffer.concat([header(evilPath, '0', body.length), body, Buffer.alloc(512 - body.length)]);
  return zlib.gzipSync(Buffer.concat([evil, tar]));
}

function symlinkTgz(): Buffer {
  return zlib.gzipSync(Buffer.concat([header('impl.py', '2', 0, '/etc/passwd'), Buffer.alloc(1024)]));
}

/** Publishes `tgz` by hand, as a hostile library would: the index's sha256 is the archive's. */
function writeLibrary(name: string, tgz: Buffer): void {
  const file = `${name}-1.0.0-python-any.tgz`;
  mkdirSync(path.join(lib, name), { recursive: true });
  writeFileSync(path.join(lib, name, file), tgz);
  const sha256 = createHash('sha256').update(tgz).digest('hex');
  const index = {
    format: 'interop-library/1',
    name,
    versions: { '1.0.0': { fingerprint: `sha256:${'0'.repeat(64)}`, dependencies: {}, artifacts: [{ file, language: 'python', platform: 'any', sha256, size: tgz.length }] } },
  };
  writeFileSync(path.join(lib, name, 'index.json'), JSON.stringify(index));
}
