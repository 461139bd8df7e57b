import { createHash, createHmac, type Hash } from 'node:crypto';
import { bytesOf } from './bytes.js';
import type { HashAlg } from './suites.js';

/** Digest length in bytes; SHA-256 and SM3 both give 32. */
export const HASH_LENGTH: Record<HashAlg, number> = { sha256: 32, sm3: 32 };

/** Hash of the parts concatenated (strings as UTF-8). */
export function digest(alg: HashAlg, ...parts: Array<Uint8Array | string>): Buffer {
  const hash = createHash(alg);
  for (const part of parts) hash.update(bytesOf(part));
  return hash.digest();
}

export interface Hasher {
  update(part: Uint8Array | string): void;
  /** The digest of everything given since the last digest; the hasher then starts afresh. */
  digest(): Buffer;
}

/** A reusable incremental hasher (createHash-like) for hot paths. */
export function hasher(alg: HashAlg): Hasher {
  // A fresh native hash per record is cheaper than copying a pristine one (measured: 1.5 µs
  // against 1.8 µs for SHA-256 of 400 bytes), so digest() simply starts the next one.
  let hash: Hash = createHash(alg);
  return {
    update(part) {
      hash.update(typeof part === 'string' ? Buffer.from(part, 'utf8') : part);
    },
    digest() {
      const out = hash.digest();
      hash = createHash(alg);
      return out;
    },
  };
}

/** HMAC (RFC 2104) of the parts concatenated, with SHA-256 or SM3. */
export function hmac(alg: HashAlg, key: Uint8Array, ...parts: Array<Uint8Array | string>): Buffer {
  const mac = createHmac(alg, key);
  for (const part of parts) mac.update(bytesOf(part));
  return mac.digest();
}
