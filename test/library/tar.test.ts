// The package archive reader refuses everything but plain files at plain relative paths, and stops
// a compression bomb at its limit; the writer is deterministic and GNU tar reads what it writes.
// Hostile archives are built byte by byte here, so each test shows the exact trick it refuses.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { LibraryError } from '../../runtime-ts/src/library/errors.js';
import { DEFAULT_ARCHIVE_LIMITS, readTgz, writeTgz } from '../../runtime-ts/src/library/tar.js';
import { tempDir } from '../temp.js';

interface RawEntry {
  name: string;
  type?: string;
  data?: string;
  prefix?: string;
  linkname?: string;
  magic?: string;
  badChecksum?: boolean;
}

/** A ustar header and body as a hostile tool would write them: no checks at all. */
function raw(entries: RawEntry[], { end = true } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const h = Buffer.alloc(512);
    const data = Buffer.from(e.data ?? '');
    h.write(e.name, 0, 100, 'utf8');
    h.write('0000644\0', 100, 'latin1');
    h.write('0000000\0', 108, 'latin1');
    h.write('0000000\0', 116, 'latin1');
    h.write(data.length.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
    h.write('00000000000\0', 136, 'latin1');
    h.fill(0x20, 148, 156);
    h.write(e.type ?? '0', 156, 'latin1');
    h.write(e.linkname ?? '', 157, 100, 'utf8');
    h.write(e.magic ?? 'ustar\u000000', 257, 'latin1');
    h.write(e.prefix ?? '', 345, 155, 'utf8');
    let sum = 0;
    for (const b of h) sum += b;
    h.write((e.badChecksum ? sum + 1 : sum).toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
    parts.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  if (end) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

const refusal = (tgz: Buffer, limits = DEFAULT_ARCHIVE_LIMITS): string => {
  try {
    readTgz(tgz, 'evil.tgz', limits);
  } catch (err) {
    expect(err).toBeInstanceOf(LibraryError);
    return (err as Error).message;
  }
  throw new Error('the archive was accepted');
};
const gz = (b: Buffer): Buffer => zlib.gzipSync(b);

describe('package archives', () => {
  it('round-trip, byte for byte the same for the same files in any order, and GNU tar reads them', () => {
    const files = [
      { path: 'b.py', data: Buffer.from('print(1)\n') },
      { path: 'bin/tool', data: Buffer.from('#!/bin/sh\n'), executable: true },
      { path: `${'d'.repeat(120)}/${'n'.repeat(90)}.txt`, data: Buffer.alloc(1500, 7) }, // needs the ustar prefix
    ];
    const a = writeTgz(files);
    const b = writeTgz([...files].reverse());
    expect(a.equals(b)).toBe(true);
    const back = readTgz(a, 'a.tgz');
    expect(back.map((f) => [f.path, Buffer.from(f.data).toString('base64'), f.executable])).toEqual(
      [...files].sort((x, y) => (x.path < y.path ? -1 : 1)).map((f) => [f.path, Buffer.from(f.data).toString('base64'), f.executable === true]),
    );
    const dir = tempDir('il-tar-');
    writeFileSync(path.join(dir, 'a.tgz'), a);
    const listing = execFileSync('tar', ['tzvf', path.join(dir, 'a.tgz')], { encoding: 'utf8' });
    expect(listing).toContain('rwxr-xr-x 0/0              10 1970-01-01 00:00 bin/tool');
    expect(listing).toContain(`${'d'.repeat(120)}/${'n'.repeat(90)}.txt`);
  });

  it('accepts a folder entry and a plain file written by another tool', () => {
    const files = readTgz(gz(raw([{ name: 'lib/', type: '5' }, { name: 'lib/x.js', data: 'x' }])), 'ok.tgz');
    expect(files.map((f) => f.path)).toEqual(['lib/x.js']);
  });

  it.each([
    ['a symbolic link', { name: 'evil', type: '2', linkname: '/etc/passwd' }, 'is a symbolic link'],
    ['a hard link', { name: 'evil', type: '1', linkname: '../../etc/passwd' }, 'is a hard link'],
    ['a character device', { name: 'evil', type: '3' }, 'is a character device'],
    ['a FIFO', { name: 'evil', type: '6' }, 'is a FIFO'],
    ['a pax header (which could rename the next entry)', { name: 'PaxHeader', type: 'x', data: '30 path=../../../etc/cron.d/x\n' }, 'is a pax extended header'],
    ['a GNU long name', { name: '././@LongLink', type: 'L', data: '../../evil' }, 'is a GNU long name'],
    ['an absolute path', { name: '/etc/cron.d/evil', data: 'x' }, 'is an absolute path'],
    ['a path climbing out', { name: '../../.bashrc', data: 'x' }, 'climbs out of the package folder'],
    ['a path climbing out through the prefix field', { prefix: 'a/../..', name: 'x', data: 'x' }, 'climbs out of the package folder'],
    ['a ".." in the middle', { name: 'lib/../../x', data: 'x' }, 'climbs out'],
    ['a backslash path (Windows traversal)', { name: '..\\..\\x', data: 'x' }, 'contains a backslash'],
    ['a drive letter', { name: 'C:/Windows/x', data: 'x' }, 'starts with a drive letter'],
    ['a control character', { name: 'a\u001b[2Jb', data: 'x' }, 'contains a control character'],
    ['an empty segment', { name: 'a//b', data: 'x' }, 'not a plain relative path'],
    ['a GNU (not POSIX) header', { name: 'x', data: 'x', magic: 'ustar  \u0000' }, 'not a POSIX ustar header'],
    ['a bad checksum', { name: 'x', data: 'x', badChecksum: true }, 'bad header checksum'],
  ] as Array<[string, RawEntry, string]>)('refuses %s', (_what, entry, message) => {
    expect(refusal(gz(raw([entry])))).toContain(message);
  });

  it('refuses two entries for one file, a case-insensitive clash, and a file that is also a folder', () => {
    expect(refusal(gz(raw([{ name: 'a.py', data: 'good' }, { name: 'a.py', data: 'evil' }])))).toContain('"a.py" appears twice');
    expect(refusal(gz(raw([{ name: 'Lib/a.py', data: '1' }, { name: 'lib/A.py', data: '2' }])))).toContain('same file on a case-insensitive file system');
    expect(refusal(gz(raw([{ name: 'lib', data: '1' }, { name: 'lib/a.py', data: '2' }])))).toContain('inside "lib", which is a file');
    expect(refusal(gz(raw([{ name: 'lib/a.py', data: '1' }, { name: 'lib', data: '2' }])))).toContain('both a file and a folder');
  });

  it('refuses a cut archive, a body shorter than its header says, and what is not gzip', () => {
    expect(refusal(gz(raw([{ name: 'a', data: 'x' }], { end: false })))).toContain('ends in the middle');
    const whole = raw([{ name: 'a', data: 'x'.repeat(2000) }]);
    expect(refusal(gz(whole.subarray(0, 1024)))).toMatch(/cut short|ends in the middle/);
    expect(refusal(Buffer.from('PK\u0003\u0004 a zip file'))).toContain('not a gzip file');
    expect(refusal(gz(Buffer.from('not a tar at all, but long enough? no.')))).toContain('ends in the middle');
  });

  it('stops a compression bomb at the unpacked limit, without unpacking it all', () => {
    // 16 MiB of zeros gzip to about 16 KiB; the limit here is 1 MiB.
    const bomb = raw([{ name: 'zeros', data: '' }]);
    const big = Buffer.concat([bomb.subarray(0, 512), Buffer.alloc(16 * 1024 * 1024)]);
    const tgz = zlib.gzipSync(big, { level: 9 });
    expect(tgz.length).toBeLessThan(64 * 1024);
    const message = refusal(tgz, { ...DEFAULT_ARCHIVE_LIMITS, maxUnpackedBytes: 1024 * 1024 });
    expect(message).toContain('unpacks to more than 1.0 MiB (a compression bomb');
    expect(DEFAULT_ARCHIVE_LIMITS.maxUnpackedBytes).toBe(256 * 1024 * 1024);
  });

  it('refuses more entries, or a larger archive, than the limits', () => {
    const many = gz(raw(Array.from({ length: 11 }, (_, i) => ({ name: `f${i}`, data: 'x' }))));
    expect(refusal(many, { ...DEFAULT_ARCHIVE_LIMITS, maxEntries: 10 })).toContain('more than 10 entries');
    expect(refusal(many, { ...DEFAULT_ARCHIVE_LIMITS, maxArchiveBytes: 100 })).toContain('more than the 100 B a package may have');
  });

  it('the writer refuses paths the reader would refuse', () => {
    expect(() => writeTgz([{ path: '../x', data: Buffer.from('') }])).toThrow(/climbs out/);
    expect(() => writeTgz([{ path: '/x', data: Buffer.from('') }])).toThrow(/absolute path/);
  });
});
