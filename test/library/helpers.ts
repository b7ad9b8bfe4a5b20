// Shared by the library tests: package source folders made from a few fields, and a real static
// HTTP server on loopback that serves a library folder and can be told to misbehave (cut a
// download, answer 500) for one path.

import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { publishToFolder } from '../../runtime-ts/src/library/library-index.js';
import { pack, type Packed } from '../../runtime-ts/src/library/pack.js';

export interface PackageSpec {
  name: string;
  version: string;
  language?: string;
  platform?: string;
  /** Dependency -> range; each also becomes a `depends` line in the schema. */
  dependencies?: Record<string, string>;
}

/** A package source folder under `root`: a one-function schema, a Python entry, the metadata. */
export function writePackageSource(root: string, spec: PackageSpec): string {
  const language = spec.language ?? 'python';
  const folder = path.join(root, 'src', `${spec.name}-${spec.version}-${language}-${spec.platform ?? 'any'}`);
  mkdirSync(folder, { recursive: true });
  const depends = Object.keys(spec.dependencies ?? {}).map((d) => `depends ${d};\n`).join('');
  writeFileSync(path.join(folder, 'module.interop'), `module ${spec.name} version "${spec.version}";\n${depends}fn ping();\n`);
  const entryFile = language === 'python' ? 'impl.py' : 'impl.js';
  writeFileSync(path.join(folder, entryFile), `# ${spec.name} ${spec.version}\n`);
  const meta = {
    name: spec.name,
    version: spec.version,
    license: 'MIT',
    language,
    platform: spec.platform ?? 'any',
    entry: language === 'python' ? 'impl:create' : entryFile,
    schemas: ['module.interop'],
    files: [entryFile],
    ...(spec.dependencies ? { dependencies: spec.dependencies } : {}),
  };
  writeFileSync(path.join(folder, 'interop-package.json'), JSON.stringify(meta, null, 2));
  return folder;
}

/** Packs `spec` and publishes it into the library folder `library` (signed with `signingKey`). */
export function publish(root: string, library: string, spec: PackageSpec, signingKey?: KeyObject): Packed {
  const packed = pack(writePackageSource(root, spec), { outDir: path.join(root, 'out') });
  publishToFolder(packed.file, library, signingKey);
  return packed;
}

export type Misbehaviour = 'cut' | 'reset' | number;

/** A static file server for a library folder, on 127.0.0.1, recording every request path. */
export class LibraryServer {
  readonly requests: string[] = [];
  /** path -> what to do instead of serving it. */
  readonly misbehave = new Map<string, Misbehaviour>();
  private constructor(private readonly server: http.Server, readonly url: string) {}

  static async start(dir: string): Promise<LibraryServer> {
    let self: LibraryServer | undefined;
    const server = http.createServer((req, res) => {
      const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      self!.requests.push(pathname);
      const file = path.join(dir, pathname);
      const how = self!.misbehave.get(pathname);
      if (typeof how === 'number') {
        res.writeHead(how).end();
        return;
      }
      if (how === 'reset') {
        req.socket.destroy();
        return;
      }
      let body: Buffer;
      try {
        if (!file.startsWith(dir + path.sep) || !statSync(file).isFile()) throw new Error('not a file');
        body = readFileSync(file);
      } catch {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' });
      if (how === 'cut') {
        // Half the bytes, then the connection drops: a download cut halfway.
        res.write(body.subarray(0, Math.floor(body.length / 2)), () => req.socket.destroy());
        return;
      }
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new LibraryServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    return self;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A loopback URL nothing listens on: a library that is down. */
export async function deadUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/`;
}
