// Reading a library: any static HTTP(S) server, or a folder. Two operations, both bounded in size
// and time: read a small JSON document, and stream an artifact to a file while hashing it. A
// library that does not have a document answers "missing" (404, no such file), which is not the
// same as a library that cannot be reached (refused, timed out, 5xx): the caller moves on to the
// next library in both cases but reports them differently.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { formatBytes, LibraryError } from './errors.js';

/** The library could not be asked (down, refused, timed out, a server error). */
export class LibraryDown extends LibraryError {
  constructor(readonly library: string, readonly reason: string) {
    super(`${library}: ${reason}`);
    this.name = 'LibraryDown';
  }
}

export interface Library {
  /** As the user wrote it, or as a URL: shown in messages and recorded in the lockfile. */
  readonly location: string;
  /** Public keys (`ed25519:…`) one of which must have signed each module index; none: unsigned is fine. */
  readonly keys: readonly string[];
  /** A document, or undefined when the library does not have it. */
  readText(rel: string, maxBytes: number): Promise<string | undefined>;
  /** Streams a document to `dest`; undefined when missing. Throws LibraryDown or LibraryError. */
  download(rel: string, dest: string, options: DownloadOptions): Promise<Downloaded | undefined>;
}

export interface DownloadOptions {
  /** Refuse more bytes than this (the size the index declares). */
  maxBytes: number;
  onProgress?: (received: number) => void;
}

export interface Downloaded {
  sha256: string;
  size: number;
}

/** Socket idle time after which a request is abandoned (INTEROP_FETCH_TIMEOUT_MS overrides). */
export function fetchTimeoutMs(): number {
  const n = Number(process.env['INTEROP_FETCH_TIMEOUT_MS']);
  return Number.isInteger(n) && n > 0 ? n : 30_000;
}

/** `http(s)://…`, `file://…`, or a folder path (relative to `baseDir`); `keys` as in the app config. */
export function openLibrary(location: string, baseDir: string, keys: readonly string[] = []): Library {
  if (/^https?:\/\//i.test(location)) return new HttpLibrary(location.endsWith('/') ? location : `${location}/`, keys);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location) && !location.startsWith('file://')) {
    throw new LibraryError(`library "${location}": only http://, https://, file:// and folder paths are supported`);
  }
  const dir = location.startsWith('file://') ? fileURLToPath(location) : path.resolve(baseDir, location);
  return new FolderLibrary(location, dir, keys);
}

/** Counts and hashes bytes on their way to the file, and stops past `maxBytes`. */
function meter(options: DownloadOptions, what: string): { stream: Transform; result: () => Downloaded } {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > options.maxBytes) return done(new LibraryError(`${what}: more than the ${formatBytes(options.maxBytes)} the index declares; refused`));
      hash.update(chunk);
      options.onProgress?.(size);
      done(null, chunk);
    },
  });
  return { stream, result: () => ({ sha256: hash.digest('hex'), size }) };
}

/**
 * The file a download writes, created before the first byte arrives. A write stream given only a
 * path opens its file later, on the thread pool: when the download failed at once, that open could
 * land after the caller had already cleaned up and leave an empty file behind.
 */
async function createDestination(dest: string): Promise<NodeJS.WritableStream> {
  const handle = await open(dest, 'wx');
  return handle.createWriteStream();
}

class FolderLibrary implements Library {
  constructor(readonly location: string, private readonly dir: string, readonly keys: readonly string[]) {}

  private file(rel: string): string {
    return path.join(this.dir, ...rel.split('/'));
  }

  async readText(rel: string, maxBytes: number): Promise<string | undefined> {
    const chunks: Buffer[] = [];
    const found = await this.stream(rel, async (input) => {
      let size = 0;
      for await (const chunk of input as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxBytes) throw new LibraryError(`${this.location}/${rel}: larger than ${formatBytes(maxBytes)}; refused`);
        chunks.push(chunk);
      }
    });
    return found ? Buffer.concat(chunks).toString('utf8') : undefined;
  }

  async download(rel: string, dest: string, options: DownloadOptions): Promise<Downloaded | undefined> {
    const m = meter(options, `${this.location}/${rel}`);
    const found = await this.stream(rel, async (input) => pipeline(input, m.stream, await createDestination(dest)));
    return found ? m.result() : undefined;
  }

  private async stream(rel: string, use: (input: Readable) => Promise<void>): Promise<boolean> {
    const input = createReadStream(this.file(rel));
    const opened = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      input.once('open', () => resolve(undefined));
      input.once('error', (err) => resolve(err));
    });
    if (opened?.code === 'ENOENT') return false;
    if (opened) throw new LibraryDown(this.location, `cannot read ${rel} (${opened.code ?? opened.message})`);
    await use(input);
    return true;
  }
}

class HttpLibrary implements Library {
  constructor(readonly location: string, readonly keys: readonly string[]) {}

  async readText(rel: string, maxBytes: number): Promise<string | undefined> {
    const res = await this.get(new URL(rel, this.location));
    if (!res) return undefined;
    const declared = Number(res.headers['content-length']);
    if (declared > maxBytes) {
      res.destroy();
      throw new LibraryError(`${this.location}${rel}: ${formatBytes(declared)}, larger than ${formatBytes(maxBytes)}; refused`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxBytes) throw new LibraryError(`${this.location}${rel}: larger than ${formatBytes(maxBytes)}; refused`);
        chunks.push(chunk);
      }
    } catch (err) {
      res.destroy();
      if (err instanceof LibraryError) throw err;
      throw new LibraryDown(this.location, `the answer for ${rel} was cut off (${describeNetError(err)})`);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  async download(rel: string, dest: string, options: DownloadOptions): Promise<Downloaded | undefined> {
    const res = await this.get(new URL(rel, this.location));
    if (!res) return undefined;
    const m = meter(options, `${this.location}${rel}`);
    let out: NodeJS.WritableStream;
    try {
      out = await createDestination(dest);
    } catch (err) {
      res.destroy();
      throw err;
    }
    try {
      await pipeline(res, m.stream, out);
    } catch (err) {
      if (err instanceof LibraryError) throw err;
      throw new LibraryDown(this.location, `the download of ${rel} was cut off (${describeNetError(err)})`);
    }
    const declared = res.headers['content-length'];
    const got = m.result();
    if (declared !== undefined && Number(declared) !== got.size) {
      throw new LibraryDown(this.location, `the download of ${rel} was cut off (${got.size} of ${declared} bytes)`);
    }
    return got;
  }

  /** GET with redirects (at most 5, never from https to http); undefined for 404/410. */
  private async get(url: URL, redirects = 0): Promise<http.IncomingMessage | undefined> {
    const client = url.protocol === 'https:' ? https : http;
    const timeoutMs = fetchTimeoutMs();
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = client.get(url, { headers: { 'user-agent': 'interop', accept: '*/*' } }, resolve);
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer for ${timeoutMs} ms`)));
      req.once('error', (err) => reject(new LibraryDown(this.location, describeNetError(err))));
    });
    // The idle timeout keeps guarding the body: a server that stops sending is abandoned.
    res.setTimeout(timeoutMs, () => res.destroy(new Error(`no data for ${timeoutMs} ms`)));
    const status = res.statusCode ?? 0;
    if (status === 200) return res;
    res.resume();
    if (status === 404 || status === 410) return undefined;
    if ([301, 302, 303, 307, 308].includes(status) && res.headers.location) {
      const next = new URL(res.headers.location, url);
      if (redirects >= 5) throw new LibraryDown(this.location, 'more than 5 redirects');
      if (url.protocol === 'https:' && next.protocol !== 'https:') throw new LibraryDown(this.location, `refused a redirect from https to ${next.protocol}`);
      return this.get(next, redirects + 1);
    }
    throw new LibraryDown(this.location, `HTTP ${status} for ${url.pathname}`);
  }
}

function describeNetError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host name lookup failed',
    ETIMEDOUT: 'timed out',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ERR_STREAM_PREMATURE_CLOSE: 'connection closed early',
  };
  return (e.code && known[e.code]) ?? e.message ?? String(err);
}

