import { bigintToBytes } from '../bytes.js';
import { type Curve, SM2_P256, curveMath } from './curve.js';
import {
  SM2_DEFAULT_USER_ID,
  rfc6979Nonces,
  sm2MessageDigest,
  sm2SignDigest,
  sm2VerifyDigest,
  sm2Za,
} from './sign.js';

const big = (hex: string) => BigInt(`0x${hex.replace(/\s+/g, '')}`);
const ascii = (text: string) => Buffer.from(text, 'ascii');
const MESSAGE = ascii('message digest');

function take(nonces: Iterator<bigint>, count: number): bigint[] {
  const out: bigint[] = [];
  while (out.length < count) {
    const next = nonces.next();
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

/** The 256-bit prime-field test curve of GB/T 32918.2-2016 Annex A (not the recommended curve). */
const TEST_CURVE: Curve = {
  name: 'GB/T 32918 Fp-256 example curve',
  p: big('8542D69E 4C044F18 E8B92435 BF6FF7DE 45728391 5C45517D 722EDB8B 08F1DFC3'),
  a: big('787968B4 FA32C3FD 2417842E 73BBFEFF 2F3C848B 6831D7E0 EC65228B 3937E498'),
  b: big('63E4C6D3 B23B0C84 9CF84241 484BFE48 F61D59A5 B16BA06E 6E12D1DA 27C5249A'),
  n: big('8542D69E 4C044F18 E8B92435 BF6FF7DD 29772063 0485628D 5AE74EE7 C32E79B7'),
  gx: big('421DEBD6 1B62EAB6 746434EB C3CC315E 32220B3B ADD50BDC 4C4E6C14 7FEDD43D'),
  gy: big('0680512B CBB42C07 D47349D2 153B70C4 E5D7FDFC BFA36EA1 A85841B9 E46E09A2'),
  size: 32,
};

describe('SM2 digital signature (GB/T 32918.2)', () => {
  describe('the worked example on the recommended curve (GM/T 0003.5-2012 / GB/T 32918.5 Annex A), default user id', () => {
    const d = big('3945208F 7B2144B1 3F36E38A C6D39F95 88939369 2860B51A 42FB81EF 4DF7C5B8');
    const publicKey = {
      x: big('09F9DF31 1E5421A1 50DD7D16 1E4BC5C6 72179FAD 1833FC07 6BB08FF3 56F35020'),
      y: big('CCEA490C E26775A5 2DC6EA71 8CC1AA60 0AED05FB F35E084A 6632F607 2DA9AD13'),
    };
    const k = big('59276E27 D506861A 16680F3A D9C02DCC EF3CC1FA 3CDBE4CE 6D54B80D EAC1BC21');
    const r = big('F5A03B06 48D2C463 0EEAC513 E1BB81A1 5944DA38 27D5B741 43AC7EAC EEE720B3');
    const s = big('B1B6AA29 DF212FD8 763182BC 0D421CA1 BB9038FD 1F7F42D4 840B69C4 85BBC1AA');
    const userId = ascii(SM2_DEFAULT_USER_ID);

    it('derives the published public key from the private key', () => {
      expect(curveMath(SM2_P256).multiplyBase(d)).toEqual(publicKey);
    });

    it('computes the published k·G, Z_A and e', () => {
      expect(curveMath(SM2_P256).multiplyBase(k)).toEqual({
        x: big('04EBFC71 8E8D1798 62043226 8E77FEB6 415E2EDE 0E073C0F 4F640ECD 2E149A73'),
        y: big('E858F9D8 1E5430A5 7B36DAAB 8F950A3C 64E6EE6A 63094D99 283AFF76 7E124DF0'),
      });
      expect(sm2Za(SM2_P256, publicKey, userId).toString('hex')).toBe(
        'b2e14c5c79c6df5b85f4fe7ed8db7a262b9da7e07ccb0ea9f4747b8ccda8a4f3',
      );
      expect(sm2MessageDigest(SM2_P256, publicKey, userId, MESSAGE)).toBe(
        big('F0B43E94 BA45ACCA ACE692ED 534382EB 17E6AB5A 19CE7B31 F4486FDF C0D28640'),
      );
    });

    it('signs with the published k to the published (r, s), and verifies it', () => {
      const e = sm2MessageDigest(SM2_P256, publicKey, userId, MESSAGE);
      expect(sm2SignDigest(SM2_P256, d, e, [k])).toEqual({ r, s });
      expect(sm2VerifyDigest(SM2_P256, publicKey, e, { r, s })).toBe(true);
    });

    it('does not verify the published signature for another message, id or key', () => {
      const e = sm2MessageDigest(SM2_P256, publicKey, userId, MESSAGE);
      const other = sm2MessageDigest(SM2_P256, publicKey, userId, ascii('message digesT'));
      const otherId = sm2MessageDigest(SM2_P256, publicKey, ascii('1234567812345679'), MESSAGE);
      expect(sm2VerifyDigest(SM2_P256, publicKey, other, { r, s })).toBe(false);
      expect(sm2VerifyDigest(SM2_P256, publicKey, otherId, { r, s })).toBe(false);
      const anotherKey = curveMath(SM2_P256).multiplyBase(d + 1n);
      expect(sm2VerifyDigest(SM2_P256, anotherKey, e, { r, s })).toBe(false);
      expect(sm2VerifyDigest(SM2_P256, publicKey, e, { r: r + 1n, s })).toBe(false);
      expect(sm2VerifyDigest(SM2_P256, publicKey, e, { r, s: s - 1n })).toBe(false);
    });
  });

  describe('the example of GB/T 32918.2-2016 Annex A on its test curve, user id ALICE123@YAHOO.COM', () => {
    const d = big('128B2FA8 BD433C6C 068C8D80 3DFF7979 2A519A55 171B1B65 0C23661D 15897263');
    const publicKey = {
      x: big('0AE4C779 8AA0F119 471BEE11 825BE462 02BB79E2 A5844495 E97C04FF 4DF2548A'),
      y: big('7C0240F8 8F1CD4E1 6352A73C 17B7F16F 07353E53 A176D684 A9FE0C6B B798E857'),
    };
    const k = big('6CB28D99 385C175C 94F94E93 4817663F C176D925 DD72B727 260DBAAE 1FB2F96F');
    const r = big('40F1EC59 F793D9F4 9E09DCEF 49130D41 94F79FB1 EED2CAA5 5BACDB49 C4E755D1');
    const s = big('6FC6DAC3 2C5D5CF1 0C77DFB2 0F7C2EB6 67A45787 2FB09EC5 6327A67E C7DEEBE7');
    const userId = ascii('ALICE123@YAHOO.COM');

    it('derives the public key, signs with the published k to the published (r, s) and verifies it', () => {
      const math = curveMath(TEST_CURVE);
      expect(math.isOnCurve({ x: TEST_CURVE.gx, y: TEST_CURVE.gy })).toBe(true);
      expect(math.multiplyBase(d)).toEqual(publicKey);
      const e = sm2MessageDigest(TEST_CURVE, publicKey, userId, MESSAGE);
      expect(sm2SignDigest(TEST_CURVE, d, e, [k])).toEqual({ r, s });
      expect(sm2VerifyDigest(TEST_CURVE, publicKey, e, { r, s })).toBe(true);
      expect(sm2VerifyDigest(TEST_CURVE, publicKey, e + 1n, { r, s })).toBe(false);
    });
  });

  describe('nonces (RFC 6979 with HMAC-SM3)', () => {
    const d = 0x1234567890abcdefn;
    const publicKey = curveMath(SM2_P256).multiplyBase(d);
    const e = (text: string) =>
      sm2MessageDigest(SM2_P256, publicKey, ascii(SM2_DEFAULT_USER_ID), ascii(text));

    it('signing is deterministic: one signature per key and message', () => {
      expect(sm2SignDigest(SM2_P256, d, e('a'))).toEqual(sm2SignDigest(SM2_P256, d, e('a')));
      expect(sm2SignDigest(SM2_P256, d, e('a'))).not.toEqual(sm2SignDigest(SM2_P256, d, e('b')));
      expect(sm2SignDigest(SM2_P256, d + 1n, e('a'))).not.toEqual(
        sm2SignDigest(SM2_P256, d, e('a')),
      );
    });

    it('gives distinct nonces in [1, n-1] for distinct messages, and a further one when asked', () => {
      const [k1, k2] = take(rfc6979Nonces(SM2_P256, d, e('a')), 2);
      const [other] = take(rfc6979Nonces(SM2_P256, d, e('b')), 1);
      for (const k of [k1!, k2!, other!]) expect(k >= 1n && k < SM2_P256.n).toBe(true);
      expect(new Set([k1, k2, other]).size).toBe(3);
    });

    it('skips a nonce that makes r + k = n or r = 0 and signs with the next one', () => {
      const digest = e('retry');
      const k = 0x42n;
      const x1 = curveMath(SM2_P256).multiplyBase(k).x;
      // A digest for which k = 0x42 gives r + k = n: the standard says to draw another k.
      const bad = (((SM2_P256.n - k - x1) % SM2_P256.n) + SM2_P256.n) % SM2_P256.n;
      const sig = sm2SignDigest(SM2_P256, d, bad, [k, 0x43n]);
      expect(sig).toEqual(sm2SignDigest(SM2_P256, d, bad, [0x43n]));
      expect(sm2VerifyDigest(SM2_P256, publicKey, bad, sig)).toBe(true);
      expect(sm2VerifyDigest(SM2_P256, publicKey, digest, sig)).toBe(false);
    });
  });

  it('refuses r or s outside [1, n-1] and a private key outside [1, n-2]', () => {
    const d = 7n;
    const publicKey = curveMath(SM2_P256).multiplyBase(d);
    const e = 12345n;
    const { r, s } = sm2SignDigest(SM2_P256, d, e);
    expect(sm2VerifyDigest(SM2_P256, publicKey, e, { r, s })).toBe(true);
    for (const bad of [
      { r: 0n, s },
      { r, s: 0n },
      { r: r + SM2_P256.n, s },
      { r, s: s + SM2_P256.n },
      { r: SM2_P256.n - s, s }, // t = r + s = n
    ])
      expect(sm2VerifyDigest(SM2_P256, publicKey, e, bad)).toBe(false);
    expect(() => sm2SignDigest(SM2_P256, 0n, e)).toThrow(RangeError);
    expect(() => sm2SignDigest(SM2_P256, SM2_P256.n - 1n, e)).toThrow(RangeError);
  });
});

describe('SM2 curve arithmetic', () => {
  const math = curveMath(SM2_P256);

  it('the generator is on the curve and its multiples agree however they are computed', () => {
    expect(math.isOnCurve({ x: SM2_P256.gx, y: SM2_P256.gy })).toBe(true);
    const G = { x: SM2_P256.gx, y: SM2_P256.gy };
    for (const [u, v] of [
      [1n, 1n],
      [5n, 0x1_0000_0000n],
      [SM2_P256.n - 2n, 3n],
      [0x7fffffffn, SM2_P256.n - 0x7fffffffn - 1n],
    ] as const) {
      // u·G + v·G through the two-scalar path must equal (u + v)·G through the comb.
      expect(math.multiplyTwo(u, v, G)).toEqual(math.multiplyBase((u + v) % SM2_P256.n));
    }
    // (n - 1)·G = -G, and G + (-G) is the point at infinity.
    expect(math.multiplyBase(SM2_P256.n - 1n)).toEqual({ x: G.x, y: SM2_P256.p - G.y });
    expect(math.multiplyTwo(1n, SM2_P256.n - 1n, G)).toBeUndefined();
  });

  it("u·G + v·Q is the same with Q's precomputed table as with the window method", () => {
    const Q = math.multiplyBase(0x5eed_5eed_5eedn);
    const table = math.precompute(Q);
    for (const [u, v] of [
      [1n, 1n],
      [SM2_P256.n - 1n, 0xfedcba9876543210n],
      [0x1234n, SM2_P256.n - 2n],
    ] as const)
      expect(math.multiplyTwo(u, v, Q, table)).toEqual(math.multiplyTwo(u, v, Q));
  });

  it('decompresses a point from x and the parity of y', () => {
    const P = math.multiplyBase(0xabcdefn);
    expect(math.decompress(P.x, (P.y & 1n) === 1n)).toEqual(P);
    expect(math.decompress(P.x, (P.y & 1n) === 0n)).toEqual({ x: P.x, y: SM2_P256.p - P.y });
    expect(math.isOnCurve({ x: P.x, y: P.y ^ 1n })).toBe(false);
    expect(bigintToBytes(P.x, 32)).toHaveLength(32);
  });
});
