/*
 * Authenticated encryption under a 32-byte key, in either suite.
 *
 * Sealed text: four fields joined by '.', the last three base64url without padding:
 *
 *   A256GCM.<IV, 12 bytes>.<ciphertext>.<GCM tag, 16 bytes>
 *   SM4CTR-HSM3.<IV, 16 bytes>.<ciphertext>.<first 16 bytes of the HMAC-SM3 tag>
 *
 * Keys: the 32-byte key is never used directly. HKDF (RFC 5869, empty salt, info
 * "hub/seal/v1/<alg>") derives the subkeys, with SHA-256 for AES-256-GCM (32-byte encryption
 * key ‖ 32-byte IV key) and with SM3 for the SM4 construction (16-byte SM4 key ‖ 32-byte MAC
 * key ‖ 32-byte IV key), so the national path uses national algorithms only.
 *
 * sm4-ctr-hmac-sm3 is encrypt-then-MAC (SM4 has no GCM in OpenSSL 3.0): SM4-CTR with the IV as
 * the initial 128-bit counter block, then HMAC-SM3 over
 *   "SM4CTR-HSM3" ‖ IV ‖ len(AD) as 8 bytes big-endian ‖ AD ‖ ciphertext,
 * truncated to 16 bytes like the GCM tag, and checked in constant time before decrypting.
 *
 * IVs: random mode draws a fresh IV. Deterministic mode derives it as in SIV modes, from a
 * keyed hash of what is sealed: IV = HMAC(IV key, len(AD) as 8 bytes ‖ AD ‖ plaintext),
 * truncated to the IV length (HMAC-SHA-256 for GCM, HMAC-SM3 for SM4). The associated data is
 * part of it on purpose: with GCM, one IV under two different associated data would reveal the
 * authentication key; covered, equal (plaintext, AD) still seal to equal text.
 */
import { createCipheriv, createDecipheriv, randomBytes, timingSafeEqual } from 'node:crypto';
import { bytesOf, u64be } from './bytes.js';
import { CryptoKeyError, SealOpenError } from './errors.js';
import { hmac } from './hash.js';
import { hkdf } from './hkdf.js';
import { type HashAlg, SEAL_ALGS, type SealAlg } from './suites.js';

export interface SealOptions {
  /** Derive the IV from the plaintext (and associated data) so equal values seal equally. */
  deterministic?: boolean;
  /** Bound to the sealed text but not stored in it: the same must be given to open. */
  associatedData?: Uint8Array | string;
}

interface Construction {
  tag: string;
  /** For the subkeys and the deterministic IV: the national construction uses SM3 only. */
  hash: HashAlg;
  ivLength: number;
  derive(key: Uint8Array): SubKeys;
  encrypt(keys: SubKeys, iv: Buffer, plaintext: Buffer, ad: Buffer): { body: Buffer; tag: Buffer };
  /** Throws SealOpenError when the tag does not match. */
  decrypt(keys: SubKeys, iv: Buffer, body: Buffer, tag: Buffer, ad: Buffer): Buffer;
}

interface SubKeys {
  encryption: Buffer;
  mac: Buffer;
  iv: Buffer;
}

const TAG_LENGTH = 16;
const SM4_LABEL = Buffer.from('SM4CTR-HSM3', 'ascii');

const CONSTRUCTIONS: Record<SealAlg, Construction> = {
  'aes-256-gcm': {
    tag: 'A256GCM',
    hash: 'sha256',
    ivLength: 12,
    derive(key) {
      const okm = hkdf('sha256', key, 'hub/seal/v1/aes-256-gcm', 64);
      return { encryption: okm.subarray(0, 32), mac: Buffer.alloc(0), iv: okm.subarray(32) };
    },
    encrypt(keys, iv, plaintext, ad) {
      const cipher = createCipheriv('aes-256-gcm', keys.encryption, iv, {
        authTagLength: TAG_LENGTH,
      });
      cipher.setAAD(ad);
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return { body, tag: cipher.getAuthTag() };
    },
    decrypt(keys, iv, body, tag, ad) {
      const decipher = createDecipheriv('aes-256-gcm', keys.encryption, iv, {
        authTagLength: TAG_LENGTH,
      });
      decipher.setAuthTag(tag);
      decipher.setAAD(ad);
      try {
        return Buffer.concat([decipher.update(body), decipher.final()]);
      } catch (error) {
        throw new SealOpenError('sealed value does not open: altered, or another key', {
          cause: error,
        });
      }
    },
  },
  'sm4-ctr-hmac-sm3': {
    tag: 'SM4CTR-HSM3',
    hash: 'sm3',
    ivLength: 16,
    derive(key) {
      const okm = hkdf('sm3', key, 'hub/seal/v1/sm4-ctr-hmac-sm3', 80);
      return { encryption: okm.subarray(0, 16), mac: okm.subarray(16, 48), iv: okm.subarray(48) };
    },
    encrypt(keys, iv, plaintext, ad) {
      const cipher = createCipheriv('sm4-ctr', keys.encryption, iv);
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return { body, tag: sm4Tag(keys, iv, body, ad) };
    },
    decrypt(keys, iv, body, tag, ad) {
      if (!timingSafeEqual(sm4Tag(keys, iv, body, ad), tag))
        throw new SealOpenError('sealed value does not open: altered, or another key');
      const decipher = createDecipheriv('sm4-ctr', keys.encryption, iv);
      return Buffer.concat([decipher.update(body), decipher.final()]);
    },
  },
};

const sm4Tag = (keys: SubKeys, iv: Buffer, body: Buffer, ad: Buffer) =>
  hmac('sm3', keys.mac, SM4_LABEL, iv, u64be(ad.length), ad, body).subarray(0, TAG_LENGTH);

const BY_TAG = new Map<string, SealAlg>(SEAL_ALGS.map((alg) => [CONSTRUCTIONS[alg].tag, alg]));

/** The bytes of one base64url field, refusing any text that is not the canonical encoding. */
function field(text: string): Buffer {
  const bytes = Buffer.from(text, 'base64url');
  // node skips characters outside the alphabet and ignores spare bits: without this check,
  // more than one text would open to the same value.
  if (bytes.toString('base64url') !== text) throw new SealOpenError('not a sealed value');
  return bytes;
}

/** Reads the alg from a sealed text's first field. */
export function sealAlgOf(sealed: string): SealAlg {
  const end = sealed.indexOf('.');
  const alg = BY_TAG.get(end < 0 ? sealed : sealed.slice(0, end));
  if (!alg) throw new SealOpenError('not a sealed value: unknown algorithm tag');
  return alg;
}

/** A 32-byte key with its subkeys derived once per algorithm, for sealing or opening many values. */
export interface SealingKey {
  seal(alg: SealAlg, plaintext: Uint8Array | string, options?: SealOptions): string;
  /** Throws SealOpenError (code SEAL_INVALID) when the text was altered or sealed under another key. */
  open(sealed: string, options?: Pick<SealOptions, 'associatedData'>): Buffer;
}

export function sealingKey(key: Uint8Array): SealingKey {
  if (key.length !== 32) throw new CryptoKeyError(`a sealing key has 32 bytes, not ${key.length}`);
  const secret = Buffer.from(key);
  const derived = new Map<SealAlg, SubKeys>();
  const keysFor = (alg: SealAlg) => {
    let keys = derived.get(alg);
    if (!keys) {
      keys = CONSTRUCTIONS[alg].derive(secret);
      derived.set(alg, keys);
    }
    return keys;
  };
  return {
    seal(alg, plaintext, options = {}) {
      const construction = CONSTRUCTIONS[alg];
      const keys = keysFor(alg);
      const data = bytesOf(plaintext);
      const ad =
        options.associatedData === undefined ? Buffer.alloc(0) : bytesOf(options.associatedData);
      const iv = options.deterministic
        ? hmac(construction.hash, keys.iv, u64be(ad.length), ad, data).subarray(
            0,
            construction.ivLength,
          )
        : randomBytes(construction.ivLength);
      const { body, tag } = construction.encrypt(keys, iv, data, ad);
      return [
        construction.tag,
        iv.toString('base64url'),
        body.toString('base64url'),
        tag.toString('base64url'),
      ].join('.');
    },
    open(sealed, options = {}) {
      const alg = sealAlgOf(sealed);
      const construction = CONSTRUCTIONS[alg];
      const parts = sealed.split('.');
      if (parts.length !== 4) throw new SealOpenError('not a sealed value: expected four fields');
      const iv = field(parts[1]!);
      const body = field(parts[2]!);
      const tag = field(parts[3]!);
      if (iv.length !== construction.ivLength || tag.length !== TAG_LENGTH)
        throw new SealOpenError('not a sealed value: wrong IV or tag length');
      const ad =
        options.associatedData === undefined ? Buffer.alloc(0) : bytesOf(options.associatedData);
      return construction.decrypt(keysFor(alg), iv, body, tag, ad);
    },
  };
}

/**
 * Authenticated encryption with a 32-byte key. Deterministic mode derives the IV from the
 * plaintext (SIV-like: IV = keyed hash of the plaintext and associated data) so equal values
 * seal equally and rebuilds are byte-identical; random mode uses a fresh IV. Output is
 * self-describing (see the format above).
 */
export function seal(
  alg: SealAlg,
  key: Uint8Array,
  plaintext: Uint8Array | string,
  options?: SealOptions,
): string {
  return sealingKey(key).seal(alg, plaintext, options);
}

/** Reads the alg from the sealed text; throws SealOpenError (code SEAL_INVALID) when altered or wrong key. */
export function open(
  key: Uint8Array,
  sealed: string,
  options?: { associatedData?: Uint8Array | string },
): Buffer {
  return sealingKey(key).open(sealed, options);
}
