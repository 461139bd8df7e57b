import { randomBytes } from 'node:crypto';
import { bigintToBytes, bytesToBigint } from '../bytes.js';
import {
  DerError,
  TAG,
  decodeUnsignedInteger,
  encodeTlv,
  encodeUnsignedInteger,
  readChildren,
  readWhole,
} from '../der.js';
import { CryptoKeyError } from '../errors.js';
import { loadKey, privateKeyObject, publicKeyObject } from '../keys.js';
import { readPem, toPem } from '../pem.js';
import { type AffinePoint, SM2_P256, curveMath } from './curve.js';

/*
 * SM2 keys in the encodings OpenSSL, GmSSL and Tongsuo use: the EC public-key algorithm
 * (1.2.840.10045.2.1) with the SM2 curve (1.2.156.10197.1.301) as its parameter, in SPKI
 * for public keys and PKCS#8 around an ECPrivateKey (RFC 5915) for private keys.
 */

const OID_EC_PUBLIC_KEY = Buffer.from('2a8648ce3d0201', 'hex');
const OID_SM2_CURVE = Buffer.from('2a811ccf5501822d', 'hex');

const algorithmIdentifier = () =>
  encodeTlv(TAG.sequence, encodeTlv(TAG.oid, OID_EC_PUBLIC_KEY), encodeTlv(TAG.oid, OID_SM2_CURVE));

const uncompressed = (Q: AffinePoint) =>
  Buffer.concat([Buffer.of(0x04), bigintToBytes(Q.x, 32), bigintToBytes(Q.y, 32)]);

/** SubjectPublicKeyInfo with the uncompressed point: one encoding per key, for key ids. */
export const encodeSm2Spki = (Q: AffinePoint): Buffer =>
  encodeTlv(
    TAG.sequence,
    algorithmIdentifier(),
    encodeTlv(TAG.bitString, Buffer.of(0), uncompressed(Q)),
  );

/** PKCS#8 as `openssl genpkey -algorithm SM2` writes it: the public point is included. */
export const encodeSm2Pkcs8 = (d: bigint, Q: AffinePoint): Buffer =>
  encodeTlv(
    TAG.sequence,
    encodeUnsignedInteger(0n),
    algorithmIdentifier(),
    encodeTlv(
      TAG.octetString,
      encodeTlv(
        TAG.sequence,
        encodeUnsignedInteger(1n),
        encodeTlv(TAG.octetString, bigintToBytes(d, 32)),
        encodeTlv(TAG.context1, encodeTlv(TAG.bitString, Buffer.of(0), uncompressed(Q))),
      ),
    ),
  );

/** True when an AlgorithmIdentifier's content names EC on the SM2 curve. */
function isSm2Algorithm(content: Buffer): boolean {
  const [oid, curve] = orUndefined(() => readChildren(content, [TAG.oid, TAG.oid])) ?? [];
  return oid?.equals(OID_EC_PUBLIC_KEY) === true && curve?.equals(OID_SM2_CURVE) === true;
}

function orUndefined<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (error instanceof DerError) return undefined;
    throw error;
  }
}

/** The AlgorithmIdentifier content of an SPKI (tags: SEQUENCE) or a PKCS#8 (INTEGER, SEQUENCE). */
function algorithmOf(der: Buffer, tags: readonly number[]): Buffer | undefined {
  const children = orUndefined(() => readChildren(readWhole(der, TAG.sequence), tags));
  return children?.length === tags.length ? children.at(-1) : undefined;
}

export function isSm2Spki(spki: Buffer): boolean {
  const algorithm = algorithmOf(spki, [TAG.sequence]);
  return algorithm !== undefined && isSm2Algorithm(algorithm);
}

export function isSm2Pkcs8(pkcs8: Buffer): boolean {
  const algorithm = algorithmOf(pkcs8, [TAG.integer, TAG.sequence]);
  return algorithm !== undefined && isSm2Algorithm(algorithm);
}

function pointOf(encoded: Buffer): AffinePoint {
  const math = curveMath(SM2_P256);
  const prefix = encoded[0];
  let point: AffinePoint | undefined;
  if (prefix === 0x04 && encoded.length === 65)
    point = { x: bytesToBigint(encoded.subarray(1, 33)), y: bytesToBigint(encoded.subarray(33)) };
  else if ((prefix === 0x02 || prefix === 0x03) && encoded.length === 33)
    point = math.decompress(bytesToBigint(encoded.subarray(1)), prefix === 0x03);
  // On the curve (and not infinity) is enough: the cofactor is 1, so the point has order n.
  if (!point || !math.isOnCurve(point))
    throw new CryptoKeyError('SM2 public key is not a point on the curve');
  return point;
}

export function sm2PointOfSpki(spki: Buffer): AffinePoint {
  const [algorithm, bits] = loadKey('SM2 public key', () =>
    readChildren(readWhole(spki, TAG.sequence), [TAG.sequence, TAG.bitString]),
  );
  if (!algorithm || !bits || !isSm2Algorithm(algorithm))
    throw new CryptoKeyError('not an SM2 public key');
  if (bits[0] !== 0) throw new CryptoKeyError('SM2 public key bit string has unused bits');
  return pointOf(bits.subarray(1));
}

function scalarOfPkcs8(pkcs8: Buffer): bigint {
  return loadKey('SM2 private key', () => {
    const [version, algorithm, inner] = readChildren(readWhole(pkcs8, TAG.sequence), [
      TAG.integer,
      TAG.sequence,
      TAG.octetString,
    ]);
    if (!version || !algorithm || !inner || !isSm2Algorithm(algorithm))
      throw new CryptoKeyError('not an SM2 private key');
    const [ecVersion, secret] = readChildren(readWhole(inner, TAG.sequence), [
      TAG.integer,
      TAG.octetString,
    ]);
    if (!ecVersion || decodeUnsignedInteger(ecVersion) !== 1n || !secret)
      throw new CryptoKeyError('malformed SM2 ECPrivateKey');
    const d = bytesToBigint(secret);
    if (d < 1n || d > SM2_P256.n - 2n) throw new CryptoKeyError('SM2 private key out of range');
    return d;
  });
}

/*
 * PKCS#8 and SPKI PEM are read here directly (OpenSSL 3.0's decoders cost about 350 µs a
 * private key); any other form (SEC 1 "EC PRIVATE KEY", …) goes through node, which hands back
 * the same DER.
 */

export function sm2PublicKeyFromPem(pem: string): AffinePoint {
  const block = readPem(pem);
  if (block?.label === 'PUBLIC KEY') return sm2PointOfSpki(block.der);
  if (block?.label === 'PRIVATE KEY') return sm2PrivateKeyFromPem(pem).publicKey;
  return sm2PointOfSpki(publicKeyObject(pem).export({ type: 'spki', format: 'der' }));
}

export function sm2PrivateKeyFromPem(pem: string): { d: bigint; publicKey: AffinePoint } {
  const block = readPem(pem);
  const d = scalarOfPkcs8(
    block?.label === 'PRIVATE KEY'
      ? block.der
      : privateKeyObject(pem).export({ type: 'pkcs8', format: 'der' }),
  );
  // The public key is recomputed rather than taken from the optional field of the file.
  return { d, publicKey: curveMath(SM2_P256).multiplyBase(d) };
}

export function generateSm2KeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { n } = SM2_P256;
  let d = 0n;
  // Rejection sampling: uniform in [1, n-2] (n-1 is excluded: 1 + d must be invertible).
  while (d < 1n || d > n - 2n) d = bytesToBigint(randomBytes(32));
  const Q = curveMath(SM2_P256).multiplyBase(d);
  return {
    privateKeyPem: toPem('PRIVATE KEY', encodeSm2Pkcs8(d, Q)),
    publicKeyPem: toPem('PUBLIC KEY', encodeSm2Spki(Q)),
  };
}
