// Signed libraries (docs/library.md "Signed libraries"): a publisher signs each module index with
// an Ed25519 key (`interop publish --sign-key key.pem`), writing `<module>/index.json.sig` beside
// it; an application that lists a library's public keys accepts an index from it only with a valid
// signature by one of them. The index gives every archive's sha256, and archives are checked
// against it, so one signature covers the whole module. Keys are written `ed25519:<base64url of
// the 32-byte public key>`, short enough for a config file.

import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LibraryError } from './errors.js';

/** The signature file of `<module>/index.json`. */
export const SIGNATURE_SUFFIX = '.sig';
/** A signature file larger than this is refused. */
export const MAX_SIGNATURE_BYTES = 64 * 1024;

const KEY_PREFIX = 'ed25519:';

export interface IndexSignature {
  /** The signer's public key, `ed25519:…`. */
  key: string;
  /** Base64 Ed25519 signature of the index file's bytes. */
  signature: string;
}

/** A private key from a PEM file (`openssl genpkey -algorithm ed25519 -out key.pem`). */
export function readSigningKey(file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(file));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not a PEM private key';
    throw new LibraryError(`${file}: ${why}; make an Ed25519 key with "openssl genpkey -algorithm ed25519 -out ${file}"`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new LibraryError(`${file}: a ${key.asymmetricKeyType} key; library signatures are Ed25519 ("openssl genpkey -algorithm ed25519")`);
  return key;
}

/** `ed25519:…` for a private or public key. */
export function publicKeyText(key: KeyObject): string {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  return `${KEY_PREFIX}${jwk.x}`;
}

export function signIndex(index: Uint8Array, key: KeyObject): IndexSignature {
  return { key: publicKeyText(key), signature: sign(null, index, key).toString('base64') };
}

/**
 * Throws unless `signatureText` is a signature of `index` by one of `trusted` (`ed25519:…` keys).
 * `what` names the index in errors.
 */
export function verifyIndex(index: Uint8Array, signatureText: string | undefined, trusted: readonly string[], what: string): void {
  const expected = `the config trusts ${trusted.join(', ')} for this library`;
  if (signatureText === undefined) {
    throw new LibraryError(`${what}: refused: it is not signed (no ${SIGNATURE_SUFFIX} file beside it), and ${expected}. The publisher signs with "interop publish --sign-key"`);
  }
  let parsed: Partial<IndexSignature>;
  try {
    parsed = JSON.parse(signatureText) as Partial<IndexSignature>;
  } catch {
    parsed = {};
  }
  if (typeof parsed.key !== 'string' || typeof parsed.signature !== 'string') {
    throw new LibraryError(`${what}: refused: its ${SIGNATURE_SUFFIX} file is not a signature ({"key": "ed25519:…", "signature": "…"})`);
  }
  if (!trusted.includes(parsed.key)) throw new LibraryError(`${what}: refused: signed by ${parsed.key}, and ${expected}`);
  if (!verify(null, index, publicKey(parsed.key), Buffer.from(parsed.signature, 'base64'))) {
    throw new LibraryError(`${what}: refused: the signature by ${parsed.key} does not match the index (changed after it was signed); nothing was downloaded`);
  }
}

function publicKey(text: string): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: text.slice(KEY_PREFIX.length) }, format: 'jwk' });
}
