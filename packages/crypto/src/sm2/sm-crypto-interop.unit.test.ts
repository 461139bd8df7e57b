import { sm2 } from 'sm-crypto';
import { bigintToBytes } from '../bytes.js';
import { decodeSignature, encodeSignature } from '../der.js';
import { toPem } from '../pem.js';
import { generateSigningKeyPair, sign, verify } from '../signatures.js';
import { SM2_P256, curveMath } from './curve.js';
import {
  encodeSm2Pkcs8,
  encodeSm2Spki,
  sm2PrivateKeyFromPem,
  sm2PublicKeyFromPem,
} from './keys.js';
import { sm2MessageDigest, sm2SignDigest, sm2VerifyDigest } from './sign.js';

/*
 * Interoperability with sm-crypto 0.5, an independent SM2 implementation in JavaScript (on
 * jsbn) that many Chinese web and mini-program systems use. Its conventions: keys as hex
 * (private: 64 hex digits; public: 04 ‖ x ‖ y), signatures as raw r ‖ s hex unless `der`, and
 * Z_A hashing with the default id 1234567812345678 when `hash` is on (the default in 0.5).
 */

const hex64 = (v: bigint) => bigintToBytes(v, 32).toString('hex');

function theirPublicKeyOf(publicKeyPem: string): string {
  const { x, y } = sm2PublicKeyFromPem(publicKeyPem);
  return `04${hex64(x)}${hex64(y)}`;
}

function ourPemsOf(pair: { privateKey: string; publicKey: string }) {
  const d = BigInt(`0x${pair.privateKey}`);
  const Q = {
    x: BigInt(`0x${pair.publicKey.slice(2, 66)}`),
    y: BigInt(`0x${pair.publicKey.slice(66)}`),
  };
  return {
    privateKeyPem: toPem('PRIVATE KEY', encodeSm2Pkcs8(d, Q)),
    publicKeyPem: toPem('PUBLIC KEY', encodeSm2Spki(Q)),
  };
}

const MESSAGES: Array<string | Uint8Array> = [
  'abc',
  '{"type":"CertificateRevoked","data":{"holder":"张三","reason":"伪造"}}',
  Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff),
  '',
];

describe('SM2 interoperability with sm-crypto', () => {
  it('derives the same public key from a private key', () => {
    const ours = generateSigningKeyPair('sm2');
    const { d } = sm2PrivateKeyFromPem(ours.privateKeyPem);
    expect(sm2.getPublicKeyFromPrivateKey(hex64(d))).toBe(theirPublicKeyOf(ours.publicKeyPem));
  });

  it('sm-crypto verifies signatures made here (DER, default user id)', () => {
    const ours = generateSigningKeyPair('sm2');
    const theirKey = theirPublicKeyOf(ours.publicKeyPem);
    for (const message of MESSAGES) {
      const signature = sign('sm2', ours.privateKeyPem, message).toString('hex');
      expect(sm2.doVerifySignature(message, signature, theirKey, { der: true, hash: true })).toBe(
        true,
      );
      expect(
        sm2.doVerifySignature(message, signature, theirKey, {
          der: true,
          hash: true,
          userId: 'other',
        }),
      ).toBe(false);
    }
  });

  it('signatures made by sm-crypto verify here, in DER and as raw r ‖ s re-encoded', () => {
    const theirs = sm2.generateKeyPairHex();
    const { publicKeyPem } = ourPemsOf(theirs);
    for (const message of MESSAGES) {
      const der = sm2.doSignature(message, theirs.privateKey, {
        der: true,
        hash: true,
        publicKey: theirs.publicKey,
      });
      expect(verify('sm2', publicKeyPem, message, Buffer.from(der, 'hex'))).toBe(true);
      const raw = sm2.doSignature(message, theirs.privateKey, { hash: true });
      const asDer = encodeSignature(BigInt(`0x${raw.slice(0, 64)}`), BigInt(`0x${raw.slice(64)}`));
      expect(verify('sm2', publicKeyPem, message, asDer)).toBe(true);
      expect(
        verify('sm2', publicKeyPem, `${typeof message === 'string' ? message : 'x'}!`, asDer),
      ).toBe(false);
    }
  });

  it('a key made by sm-crypto signs here, and sm-crypto verifies it', () => {
    const theirs = sm2.generateKeyPairHex();
    const { privateKeyPem } = ourPemsOf(theirs);
    const signature = sign('sm2', privateKeyPem, 'abc');
    expect(
      sm2.doVerifySignature('abc', signature.toString('hex'), theirs.publicKey, { der: true }),
    ).toBe(true);
  });

  it('agrees on a user id other than the default', () => {
    const d = 0x3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8n;
    const Q = curveMath(SM2_P256).multiplyBase(d);
    const userId = 'ALICE123@YAHOO.COM';
    const e = sm2MessageDigest(SM2_P256, Q, Buffer.from(userId), Buffer.from('message digest'));
    const { r, s } = sm2SignDigest(SM2_P256, d, e);
    expect(
      sm2.doVerifySignature(
        'message digest',
        `${hex64(r)}${hex64(s)}`,
        `04${hex64(Q.x)}${hex64(Q.y)}`,
        {
          userId,
        },
      ),
    ).toBe(true);
    const theirs = sm2.doSignature('message digest', hex64(d), { der: true, userId });
    expect(sm2VerifyDigest(SM2_P256, Q, e, decodeSignature(Buffer.from(theirs, 'hex')))).toBe(true);
  });

  it('sm-crypto verifies the published GM/T 0003.5 example signature as this package does', () => {
    const publicKey =
      '0409f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020' +
      'ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13';
    const signature =
      'f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3' +
      'b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa';
    expect(sm2.doVerifySignature('message digest', signature, publicKey)).toBe(true);
    const publicKeyPem = toPem(
      'PUBLIC KEY',
      encodeSm2Spki({
        x: BigInt(`0x${publicKey.slice(2, 66)}`),
        y: BigInt(`0x${publicKey.slice(66)}`),
      }),
    );
    const der = encodeSignature(
      BigInt(`0x${signature.slice(0, 64)}`),
      BigInt(`0x${signature.slice(64)}`),
    );
    expect(verify('sm2', publicKeyPem, 'message digest', der)).toBe(true);
  });
});
