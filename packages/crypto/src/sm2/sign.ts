import { createHash, createHmac } from 'node:crypto';
import { bigintToBytes, bytesToBigint } from '../bytes.js';
import { type AffinePoint, type Curve, type PointTable, curveMath, invertSecret } from './curve.js';

/** The default signer identity of GM/T 0009-2012 (and of GB/T 35276), used unless both sides agree on another. */
export const SM2_DEFAULT_USER_ID = '1234567812345678';

export interface Sm2Signature {
  r: bigint;
  s: bigint;
}

/**
 * Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A) of GB/T 32918.2 §5.5: binds the
 * signature to the signer's identity and public key, and is what plain ECDSA lacks.
 */
export function sm2Za(curve: Curve, publicKey: AffinePoint, userId: Uint8Array): Buffer {
  const bits = userId.length * 8;
  if (bits > 0xffff) throw new RangeError('an SM2 user id is at most 8191 bytes');
  const hash = createHash('sm3')
    .update(Uint8Array.of(bits >> 8, bits & 0xff))
    .update(userId);
  for (const v of [curve.a, curve.b, curve.gx, curve.gy, publicKey.x, publicKey.y])
    hash.update(bigintToBytes(v, curve.size));
  return hash.digest();
}

/** e = SM3(Z_A ‖ M) as an integer (GB/T 32918.2 §6.1 steps A1-A2). */
export function sm2MessageDigest(
  curve: Curve,
  publicKey: AffinePoint,
  userId: Uint8Array,
  message: Uint8Array,
): bigint {
  return digestWithZa(sm2Za(curve, publicKey, userId), message);
}

const digestWithZa = (za: Buffer, message: Uint8Array): bigint =>
  bytesToBigint(createHash('sm3').update(za).update(message).digest());

/**
 * Candidate nonces by RFC 6979 §3.2 with HMAC-SM3, from the private key and e: signing is
 * deterministic like Ed25519 (the same message gives the same signature), and never depends
 * on the quality of a random source at signing time.
 */
export function* rfc6979Nonces(curve: Curve, d: bigint, e: bigint): Generator<bigint> {
  const { n, size } = curve;
  const mac = (key: Buffer, ...parts: Uint8Array[]) => {
    const h = createHmac('sm3', key);
    for (const part of parts) h.update(part);
    return h.digest();
  };
  // bits2int is the identity here: SM3 gives 256 bits and n has 256 bits.
  const x = bigintToBytes(d, size);
  const h1 = bigintToBytes(e % n, size);
  let v = Buffer.alloc(32, 0x01);
  let k = Buffer.alloc(32, 0x00);
  k = mac(k, v, Uint8Array.of(0x00), x, h1);
  v = mac(k, v);
  k = mac(k, v, Uint8Array.of(0x01), x, h1);
  v = mac(k, v);
  for (;;) {
    v = mac(k, v);
    const candidate = bytesToBigint(v.subarray(0, size));
    if (candidate >= 1n && candidate < n) yield candidate;
    k = mac(k, v, Uint8Array.of(0x00));
    v = mac(k, v);
  }
}

function checkPrivateKey(curve: Curve, d: bigint): void {
  if (d < 1n || d > curve.n - 2n) throw new RangeError('SM2 private key out of range [1, n-2]');
}

/** GB/T 32918.2 §6.1 steps A3-A7 on e, with (1 + d)⁻¹ mod n given. */
function signWith(
  curve: Curve,
  d: bigint,
  inverse: bigint,
  e: bigint,
  nonces: Iterable<bigint>,
): Sm2Signature {
  const { n } = curve;
  const math = curveMath(curve);
  for (const k of nonces) {
    const { x } = math.multiplyBase(k);
    const r = (e + x) % n;
    if (r === 0n || r + k === n) continue;
    const s = (inverse * ((((k - r * d) % n) + n) % n)) % n;
    if (s !== 0n) return { r, s };
  }
  throw new RangeError('no usable nonce');
}

/**
 * Signs e with private key d. `nonces` is for the standard's worked examples, which fix k;
 * otherwise k comes from RFC 6979.
 */
export function sm2SignDigest(
  curve: Curve,
  d: bigint,
  e: bigint,
  nonces: Iterable<bigint> = rfc6979Nonces(curve, d, e),
): Sm2Signature {
  checkPrivateKey(curve, d);
  return signWith(curve, d, invertSecret(1n + d, curve.n), e, nonces);
}

/** Signing with one key: Z_A and (1 + d)⁻¹ are computed once. */
export function sm2Signer(
  curve: Curve,
  d: bigint,
  publicKey: AffinePoint,
  userId: Uint8Array,
): (message: Uint8Array) => Sm2Signature {
  checkPrivateKey(curve, d);
  const za = sm2Za(curve, publicKey, userId);
  const inverse = invertSecret(1n + d, curve.n);
  return (message) => {
    const e = digestWithZa(za, message);
    return signWith(curve, d, inverse, e, rfc6979Nonces(curve, d, e));
  };
}

/**
 * GB/T 32918.2 §7.1 steps B1-B7 on e; the public key must already be checked to lie on the
 * curve. `table` is the key's own precomputed multiples, when the caller has them.
 */
export function sm2VerifyDigest(
  curve: Curve,
  publicKey: AffinePoint,
  e: bigint,
  { r, s }: Sm2Signature,
  table?: PointTable,
): boolean {
  const { n } = curve;
  if (r < 1n || r >= n || s < 1n || s >= n) return false;
  const t = (r + s) % n;
  if (t === 0n) return false;
  const point = curveMath(curve).multiplyTwo(s, t, publicKey, table);
  return point !== undefined && (e + point.x) % n === r;
}

/**
 * Building a key's table costs about as much as ten verifications and makes every later one
 * about three times cheaper, so a verifier builds it once it has been used this often: never
 * for a one-off check, soon for `hub verify` going over the batches of one agency key.
 */
const TABLE_AFTER_USES = 16;

/** Verification under one key: Z_A computed once, the key's table after a few uses. */
export function sm2Verifier(
  curve: Curve,
  publicKey: AffinePoint,
  userId: Uint8Array,
): (message: Uint8Array, signature: Sm2Signature) => boolean {
  const za = sm2Za(curve, publicKey, userId);
  let uses = 0;
  let table: PointTable | undefined;
  return (message, signature) => {
    if (++uses === TABLE_AFTER_USES) table = curveMath(curve).precompute(publicKey);
    return sm2VerifyDigest(curve, publicKey, digestWithZa(za, message), signature, table);
  };
}
