import { HASH_LENGTH, hmac } from './hash.js';
import type { HashAlg } from './suites.js';

/**
 * HKDF (RFC 5869) with an empty salt, over SHA-256 or SM3. Written on HMAC rather than
 * node's hkdfSync because that one costs about 19 µs a call (it runs as a job), and sealing
 * derives its keys on every call with a per-subject key.
 */
export function hkdf(alg: HashAlg, ikm: Uint8Array, info: string, length: number): Buffer {
  const hashLength = HASH_LENGTH[alg];
  if (length > 255 * hashLength) throw new RangeError('HKDF output too long');
  const prk = hmac(alg, Buffer.alloc(hashLength), ikm);
  const blocks: Buffer[] = [];
  let previous: Buffer = Buffer.alloc(0);
  for (let i = 1; blocks.length * hashLength < length; i++) {
    previous = hmac(alg, prk, previous, info, Uint8Array.of(i));
    blocks.push(previous);
  }
  return Buffer.concat(blocks).subarray(0, length);
}
