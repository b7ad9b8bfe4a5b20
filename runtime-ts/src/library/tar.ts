// The package archive: a gzip-compressed POSIX ustar file holding regular files only (ADR 0016).
// We write it (deterministically: sorted entries, no times, no owners, so the same inputs give the
// same bytes and the same sha256) and we read it, refusing everything a package never needs and an
// attacker would use: links, devices, absolute paths, `..`, names that collide on a case-insensitive
// file system, pax/GNU extensions, more entries or bytes than the limits. The reader works on the
// whole (bounded) archive in memory, so no partial state exists to clean up when it refuses.

import zlib from 'node:zlib';
import { formatBytes, LibraryError } from './errors.js';

export interface TarFile {
  /** Relative, `/`-separated. */
  path: string;
  data: Uint8Array;
  executable?: boolean;
}

export interface ArchiveLimits {
  /** Largest .tgz accepted (compressed bytes). */
  maxArchiveBytes: number;
  /** Largest total of the unpacked tar stream: what stops a zip bomb. */
  maxUnpackedBytes: number;
  maxEntries: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxArchiveBytes: 64 * 1024 * 1024,
  maxUnpackedBytes: 256 * 1024 * 1024,
  maxEntries: 10_000,
};

const BLOCK = 512;
const MAX_PATH_BYTES = 255;
const MAX_DEPTH = 32;

// ---- writing ----------------------------------------------------------------------------------

/** A .tgz of `files`, byte-identical for identical input. */
export function writeTgz(files: TarFile[]): Buffer {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const parts: Buffer[] = [];
  for (const f of sorted) {
    checkEntryPath(f.path);
    parts.push(header(f.path, f.data.length, f.executable === true));
    parts.push(Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength));
    const pad = (BLOCK - (f.data.length % BLOCK)) % BLOCK;
    if (pad > 0) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(2 * BLOCK)); // end of archive
  // Node writes mtime 0 in the gzip header, so the output depends on the input alone.
  return zlib.gzipSync(Buffer.concat(parts), { level: 9 });
}

function header(path: string, size: number, executable: boolean): Buffer {
  const h = Buffer.alloc(BLOCK);
  const [prefix, name] = splitName(path);
  h.write(name, 0, 100, 'utf8');
  writeOctal(h, 100, 8, executable ? 0o755 : 0o644);
  writeOctal(h, 108, 8, 0); // uid
  writeOctal(h, 116, 8, 0); // gid
  writeOctal(h, 124, 12, size);
  writeOctal(h, 136, 12, 0); // mtime
  h.fill(0x20, 148, 156); // checksum counts as spaces while it is computed
  h.write('0', 156, 'latin1'); // regular file
  h.write('ustar\u000000', 257, 'latin1');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(sum.toString(8).padStart(6, '0') + '\u0000 ', 148, 'latin1');
  return h;
}

/** ustar keeps long paths as prefix (155 bytes) + "/" + name (100 bytes). */
function splitName(path: string): [string, string] {
  if (Buffer.byteLength(path) <= 100) return ['', path];
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name.length > 0) return [prefix, name];
  }
  throw new LibraryError(`the path "${path}" is too long for a package archive (ustar: a name of at most 100 bytes after a folder of at most 155)`);
}

function writeOctal(h: Buffer, offset: number, width: number, value: number): void {
  h.write(value.toString(8).padStart(width - 1, '0') + '\u0000', offset, width, 'latin1');
}

// ---- reading ----------------------------------------------------------------------------------

/**
 * Every file in a .tgz, after checking all of it. `what` names the archive in errors. Throws
 * LibraryError for anything outside the subset `writeTgz` produces.
 */
export function readTgz(tgz: Uint8Array, what: string, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): TarFile[] {
  const refuse = (why: string): never => {
    throw new LibraryError(`${what}: refused: ${why}`);
  };
  if (tgz.length > limits.maxArchiveBytes) refuse(`it is ${formatBytes(tgz.length)}, more than the ${formatBytes(limits.maxArchiveBytes)} a package may have`);
  let tar: Buffer;
  try {
    tar = zlib.gunzipSync(tgz, { maxOutputLength: limits.maxUnpackedBytes });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) refuse(`it unpacks to more than ${formatBytes(limits.maxUnpackedBytes)} (a compression bomb, or a package too large)`);
    return refuse(`not a gzip file (${(err as Error).message})`);
  }

  const files: TarFile[] = [];
  const seen = new Map<string, string>(); // case-folded path -> path, to catch collisions
  const folders = new Set<string>(); // case-folded folders implied by the files so far
  let offset = 0;
  for (;;) {
    if (offset + BLOCK > tar.length) refuse('the archive ends in the middle (no end-of-archive marker)');
    const h = tar.subarray(offset, offset + BLOCK);
    if (h.every((b) => b === 0)) break; // end of archive (a second zero block may follow)
    if (files.length >= limits.maxEntries) refuse(`more than ${limits.maxEntries} entries`);
    if (checksum(h) !== readOctal(h, 148, 8, refuse)) refuse(`entry ${files.length + 1}: bad header checksum (a corrupt or cut archive)`);
    if (h.toString('latin1', 257, 263) !== 'ustar\u0000' || h.toString('latin1', 263, 265) !== '00') {
      refuse(`entry ${files.length + 1}: not a POSIX ustar header (packages are written by "interop pack")`);
    }
    const prefix = cString(h, 345, 155);
    const name = cString(h, 0, 100);
    const path = prefix ? `${prefix}/${name}` : name;
    const type = String.fromCharCode(h[156]!);
    const size = readOctal(h, 124, 12, refuse);
    offset += BLOCK;
    if (type === '5') {
      checkEntryPath(path.replace(/\/$/, ''), refuse);
      if (size !== 0) refuse(`"${path}": a folder entry with contents`);
      continue; // folders are created as files need them
    }
    if (type !== '0' && type !== '\u0000') refuse(`"${path}" is ${ENTRY_KINDS[type] ?? `an entry of type "${type}"`}; a package holds regular files only`);
    checkEntryPath(path, refuse);
    if (offset + size > tar.length) refuse(`"${path}" is cut short (${size} bytes declared, ${tar.length - offset} present)`);
    const folded = path.toLowerCase();
    const before = seen.get(folded);
    if (before !== undefined) refuse(before === path ? `"${path}" appears twice` : `"${path}" and "${before}" are the same file on a case-insensitive file system`);
    if (folders.has(folded)) refuse(`"${path}" is both a file and a folder`);
    const segments = folded.split('/');
    for (let i = 1; i < segments.length; i++) {
      const folder = segments.slice(0, i).join('/');
      if (seen.has(folder)) refuse(`"${path}" is inside "${seen.get(folder)}", which is a file`);
      folders.add(folder);
    }
    seen.set(folded, path);
    const mode = readOctal(h, 100, 8, refuse);
    files.push({ path, data: tar.subarray(offset, offset + size), executable: (mode & 0o111) !== 0 });
    offset += size + ((BLOCK - (size % BLOCK)) % BLOCK);
  }
  return files;
}

const ENTRY_KINDS: Record<string, string> = {
  '1': 'a hard link',
  '2': 'a symbolic link',
  '3': 'a character device',
  '4': 'a block device',
  '6': 'a FIFO',
  '7': 'a contiguous file',
  x: 'a pax extended header',
  g: 'a pax global header',
  L: 'a GNU long name',
  K: 'a GNU long link name',
};

/**
 * A path we are willing to create under a fresh folder: relative, `/`-separated, no `.` or `..`
 * segment, no empty segment, no backslash, drive letter, control character or NUL, bounded length
 * and depth. Both the writer and the reader apply it.
 */
export function checkEntryPath(path: string, refuse: (why: string) => never = (why) => { throw new LibraryError(why); }): void {
  const shown = JSON.stringify(path);
  if (path.length === 0) refuse('an entry with an empty name');
  if (path.startsWith('/')) refuse(`${shown} is an absolute path`);
  if (/^[A-Za-z]:/.test(path)) refuse(`${shown} starts with a drive letter`);
  if (path.includes('\\')) refuse(`${shown} contains a backslash`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) refuse(`${shown} contains a control character`);
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) refuse(`${shown} is longer than ${MAX_PATH_BYTES} bytes`);
  const segments = path.split('/');
  if (segments.length > MAX_DEPTH) refuse(`${shown} is nested deeper than ${MAX_DEPTH} folders`);
  for (const s of segments) {
    if (s === '..') refuse(`${shown} climbs out of the package folder ("..")`);
    if (s === '.' || s === '') refuse(`${shown} is not a plain relative path (empty or "." segment)`);
  }
}

function checksum(h: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  return sum;
}

function readOctal(h: Buffer, offset: number, width: number, refuse: (why: string) => never): number {
  if (h[offset]! & 0x80) refuse('a number in base-256 form (files over 8 GiB are not packages)');
  const text = h.toString('latin1', offset, offset + width).replace(/[\u0000 ]+$/, '').replace(/^ +/, '');
  if (!/^[0-7]*$/.test(text)) refuse(`a header number that is not octal (${JSON.stringify(text)})`);
  return text === '' ? 0 : parseInt(text, 8);
}

function cString(h: Buffer, offset: number, width: number): string {
  const field = h.subarray(offset, offset + width);
  const end = field.indexOf(0);
  return field.toString('utf8', 0, end < 0 ? width : end);
}
