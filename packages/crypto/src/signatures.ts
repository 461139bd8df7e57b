/*
 * Ed25519 through node:crypto; SM2 (GB/T 32918.2) in ./sm2, on BigInt.
 *
 * Why not node's SM2: with Node 20's OpenSSL 3.0, crypto.sign('sm3', m, sm2Key) does compute a
 * real SM2 signature with Z_A, but over an empty user id (ENTL = 0), not the default id
 * 1234567812345678 of GM/T 0009 that other 国密 tools assume, and node offers no way to pass
 * one (OpenSSL's `distid` parameter is not reachable). Such signatures verify nowhere else
 * unless the other side also sets an empty id. A key made by generateKeyPairSync('ec',
 * { namedCurve: 'SM2' }) is worse: node treats it as plain EC and signs ECDSA on the SM2 curve.
 */
import {
  type KeyObject,
  createHash,
  generateKeyPairSync,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import { bytesOf } from './bytes.js';
import { DerError, decodeSignature, encodeSignature } from './der.js';
import { CryptoKeyError } from './errors.js';
import { privateKeyObject, publicKeyObject } from './keys.js';
import { readPem } from './pem.js';
import { SM2_P256 } from './sm2/curve.js';
import {
  encodeSm2Spki,
  generateSm2KeyPair,
  isSm2Pkcs8,
  isSm2Spki,
  sm2PointOfSpki,
  sm2PrivateKeyFromPem,
  sm2PublicKeyFromPem,
} from './sm2/keys.js';
import { SM2_DEFAULT_USER_ID, sm2Signer, sm2Verifier } from './sm2/sign.js';
import type { SignatureAlg } from './suites.js';

export interface KeyPairPem {
  alg: SignatureAlg;
  /** PKCS#8 PEM. */
  privateKeyPem: string;
  /** SubjectPublicKeyInfo PEM. */
  publicKeyPem: string;
}

const DEFAULT_USER_ID = Buffer.from(SM2_DEFAULT_USER_ID, 'ascii');

export function generateSigningKeyPair(alg: SignatureAlg): KeyPairPem {
  switch (alg) {
    case 'ed25519': {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519', {
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      });
      return { alg, privateKeyPem: privateKey, publicKeyPem: publicKey };
    }
    case 'sm2':
      return { alg, ...generateSm2KeyPair() };
  }
}

/** Detects the algorithm of a PEM public or private key (Ed25519, or EC on the SM2 curve). */
export function signatureAlgOfPem(pem: string): SignatureAlg {
  const block = readPem(pem);
  // Each SM2 branch reads the key fully, so a key that is detected is also usable.
  if (block?.label === 'PUBLIC KEY' && isSm2Spki(block.der)) {
    sm2PointOfSpki(block.der);
    return 'sm2';
  }
  if (block?.label === 'PRIVATE KEY' && isSm2Pkcs8(block.der)) {
    sm2PrivateKeyFromPem(pem);
    return 'sm2';
  }
  const key = publicKeyObject(pem);
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  // OpenSSL reads a key on the SM2 curve as its own key type, which node leaves unnamed.
  const spki = key.export({ type: 'spki', format: 'der' });
  if (isSm2Spki(spki)) {
    sm2PointOfSpki(spki);
    return 'sm2';
  }
  throw new CryptoKeyError(
    `unsupported key (${key.asymmetricKeyType ?? 'unknown type'}): expected Ed25519 or SM2`,
  );
}

function requireEd25519(key: KeyObject): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519')
    throw new CryptoKeyError(
      `the key is ${key.asymmetricKeyType ?? 'SM2 or unknown'}, not Ed25519`,
    );
  return key;
}

export interface Signer {
  readonly alg: SignatureAlg;
  sign(message: Uint8Array | string): Buffer;
}

export interface Verifier {
  readonly alg: SignatureAlg;
  verify(message: Uint8Array | string, signature: Uint8Array): boolean;
}

/**
 * Signing with one key, its PEM read once (reading an Ed25519 PKCS#8 PEM costs OpenSSL 3.0
 * more than the signature itself). Signatures as from sign().
 */
export function signer(alg: SignatureAlg, privateKeyPem: string): Signer {
  switch (alg) {
    case 'ed25519': {
      const key = requireEd25519(privateKeyObject(privateKeyPem));
      return { alg, sign: (message) => nodeSign(null, bytesOf(message), key) };
    }
    case 'sm2': {
      const { d, publicKey } = sm2PrivateKeyFromPem(privateKeyPem);
      const signDigest = sm2Signer(SM2_P256, d, publicKey, DEFAULT_USER_ID);
      return {
        alg,
        sign(message) {
          const { r, s } = signDigest(bytesOf(message));
          return encodeSignature(r, s);
        },
      };
    }
  }
}

/**
 * Verification under one key, its PEM read once; an SM2 verifier also precomputes multiples
 * of the key after a few uses, which makes long runs (re-checking a whole history) about
 * three times cheaper. Answers as verify().
 */
export function verifier(alg: SignatureAlg, publicKeyPem: string): Verifier {
  switch (alg) {
    case 'ed25519': {
      const key = requireEd25519(publicKeyObject(publicKeyPem));
      return {
        alg,
        verify: (message, signature) =>
          signature.length === 64 && nodeVerify(null, bytesOf(message), key, signature),
      };
    }
    case 'sm2': {
      const verifyDigest = sm2Verifier(
        SM2_P256,
        sm2PublicKeyFromPem(publicKeyPem),
        DEFAULT_USER_ID,
      );
      return {
        alg,
        verify(message, signature) {
          let rs: { r: bigint; s: bigint };
          try {
            rs = decodeSignature(bytesOf(signature));
          } catch (error) {
            if (error instanceof DerError) return false;
            throw error;
          }
          return verifyDigest(bytesOf(message), rs);
        },
      };
    }
  }
}

/**
 * A detached signature: 64 bytes for Ed25519; DER SEQUENCE { r, s } for SM2 (GM/T 0009), with
 * the default user id and a deterministic nonce (RFC 6979 with HMAC-SM3).
 */
export function sign(
  alg: SignatureAlg,
  privateKeyPem: string,
  message: Uint8Array | string,
): Buffer {
  return signer(alg, privateKeyPem).sign(message);
}

/**
 * Whether `signature` is a valid signature of `message` under the key. A malformed signature
 * is simply not valid (false); a key that is not of `alg` or does not load throws
 * CryptoKeyError, because that is a configuration error rather than a forgery.
 */
export function verify(
  alg: SignatureAlg,
  publicKeyPem: string,
  message: Uint8Array | string,
  signature: Uint8Array,
): boolean {
  return verifier(alg, publicKeyPem).verify(message, signature);
}

/** Stable short id of a public key: first 16 hex chars of SHA-256 of its DER SubjectPublicKeyInfo. */
export function keyIdOf(publicKeyPem: string): string {
  // An SM2 key is re-encoded with its point uncompressed, so the same key always has the same
  // id whatever form the PEM used (this is also the form `openssl pkey -pubout` writes).
  const spki =
    signatureAlgOfPem(publicKeyPem) === 'sm2'
      ? encodeSm2Spki(sm2PublicKeyFromPem(publicKeyPem))
      : publicKeyObject(publicKeyPem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('hex').slice(0, 16);
}
