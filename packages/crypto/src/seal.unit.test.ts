import { createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { sm3, sm4 } from 'sm-crypto';
import { CryptoKeyError, SealOpenError } from './errors.js';
import { open, seal, sealAlgOf, sealingKey } from './seal.js';
import { SEAL_ALGS } from './suites.js';

const ID = '11010519491231002X';
const KEY = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
const fields = (sealed: string) => sealed.split('.');
const b64 = (text: string) => Buffer.from(text, 'base64url');

describe.each(SEAL_ALGS)('sealing with %s', (alg) => {
  const ivLength = alg === 'aes-256-gcm' ? 12 : 16;

  it('opens what it sealed: text, bytes, empty, long, non-ASCII', () => {
    for (const plaintext of [ID, '', '张三 · 特种作业操作证', 'x'.repeat(10_000)]) {
      expect(open(KEY, seal(alg, KEY, plaintext)).toString('utf8')).toBe(plaintext);
    }
    const bytes = randomBytes(1000);
    expect(open(KEY, seal(alg, KEY, bytes, { deterministic: true }))).toEqual(bytes);
  });

  it('writes <tag>.<iv>.<ciphertext>.<16-byte tag> and names its algorithm', () => {
    const sealed = seal(alg, KEY, ID);
    const [tag, iv, body, mac] = fields(sealed);
    expect(tag).toBe(alg === 'aes-256-gcm' ? 'A256GCM' : 'SM4CTR-HSM3');
    expect(b64(iv!)).toHaveLength(ivLength);
    expect(b64(body!)).toHaveLength(Buffer.byteLength(ID));
    expect(b64(mac!)).toHaveLength(16);
    expect(sealed).toMatch(/^[A-Z0-9-]+(\.[A-Za-z0-9_-]*){3}$/);
    expect(sealed).not.toContain(ID);
    expect(sealAlgOf(sealed)).toBe(alg);
  });

  it('seals equal values equally in deterministic mode, and differently in random mode', () => {
    const a = seal(alg, KEY, ID, { deterministic: true });
    expect(seal(alg, KEY, ID, { deterministic: true })).toBe(a);
    expect(seal(alg, KEY, Buffer.from(ID), { deterministic: true })).toBe(a);
    expect(seal(alg, KEY, `${ID} `, { deterministic: true })).not.toBe(a);
    expect(seal(alg, randomBytes(32), ID, { deterministic: true })).not.toBe(a);
    expect(seal(alg, KEY, ID, { deterministic: true, associatedData: 'holder' })).not.toBe(a);
    const randomIvs = new Set(Array.from({ length: 20 }, () => fields(seal(alg, KEY, ID))[1]));
    expect(randomIvs.size).toBe(20);
  });

  it('refuses another key with SealOpenError (code SEAL_INVALID)', () => {
    const sealed = seal(alg, KEY, ID);
    expect(() => open(randomBytes(32), sealed)).toThrow(SealOpenError);
    expect(() => open(randomBytes(32), sealed)).toThrow(
      expect.objectContaining({ code: 'SEAL_INVALID' }),
    );
  });

  it('refuses every single-bit change of the IV, the ciphertext and the tag', () => {
    const [tag, iv, body, mac] = fields(seal(alg, KEY, ID, { deterministic: true }));
    const parts = [b64(iv!), b64(body!), b64(mac!)];
    for (let part = 0; part < 3; part++) {
      for (let byte = 0; byte < parts[part]!.length; byte++) {
        for (let bit = 0; bit < 8; bit++) {
          const altered = parts.map((p) => Buffer.from(p));
          altered[part]![byte]! ^= 1 << bit;
          const text = [tag, ...altered.map((p) => p.toString('base64url'))].join('.');
          expect(() => open(KEY, text)).toThrow(SealOpenError);
        }
      }
    }
  });

  it('refuses a sealed text with any character replaced, cut short, extended or mangled', () => {
    const sealed = seal(alg, KEY, ID);
    const tagEnd = sealed.indexOf('.');
    for (let i = tagEnd; i < sealed.length; i++) {
      const replaced = `${sealed.slice(0, i)}${sealed[i] === 'A' ? 'B' : 'A'}${sealed.slice(i + 1)}`;
      expect(() => open(KEY, replaced)).toThrow(SealOpenError);
    }
    for (const mangled of [
      sealed.slice(0, -1),
      `${sealed}A`,
      `${sealed}.`,
      `${sealed}=`,
      sealed.replace('.', '..'),
      fields(sealed).slice(0, 3).join('.'),
      `X${sealed}`,
      '',
      'A256GCM',
    ])
      expect(() => open(KEY, mangled)).toThrow(SealOpenError);
  });

  it('binds the associated data: the same must be given to open', () => {
    const sealed = seal(alg, KEY, ID, { associatedData: 'subject-42' });
    expect(open(KEY, sealed, { associatedData: 'subject-42' }).toString()).toBe(ID);
    expect(open(KEY, sealed, { associatedData: Buffer.from('subject-42') }).toString()).toBe(ID);
    expect(() => open(KEY, sealed)).toThrow(SealOpenError);
    expect(() => open(KEY, sealed, { associatedData: 'subject-43' })).toThrow(SealOpenError);
    expect(() => open(KEY, seal(alg, KEY, ID), { associatedData: 'x' })).toThrow(SealOpenError);
  });

  it('a sealing key gives the same text as seal() and opens either', () => {
    const sealer = sealingKey(KEY);
    const sealed = sealer.seal(alg, ID, { deterministic: true });
    expect(sealed).toBe(seal(alg, KEY, ID, { deterministic: true }));
    expect(sealer.open(seal(alg, KEY, ID)).toString()).toBe(ID);
  });
});

describe('sealing keys and texts', () => {
  it('refuses a key that is not 32 bytes with CryptoKeyError', () => {
    expect(() => seal('aes-256-gcm', randomBytes(31), ID)).toThrow(CryptoKeyError);
    expect(() => open(randomBytes(16), seal('aes-256-gcm', KEY, ID))).toThrow(CryptoKeyError);
  });

  it('sealAlgOf refuses an unknown tag', () => {
    expect(() => sealAlgOf('k1.AAAA.AAAA.AAAA')).toThrow(SealOpenError);
  });

  it('does not open a text of one algorithm relabelled as the other', () => {
    const [, iv, body, tag] = fields(seal('sm4-ctr-hmac-sm3', KEY, ID));
    expect(() => open(KEY, ['A256GCM', iv, body, tag].join('.'))).toThrow(SealOpenError);
  });
});

describe('the documented constructions, rebuilt from their description', () => {
  it('aes-256-gcm: HKDF-SHA-256 subkeys, IV = HMAC-SHA-256(IV key, len(AD) ‖ AD ‖ plaintext)[0..12]', () => {
    const okm = Buffer.from(
      hkdfSync('sha256', KEY, Buffer.alloc(0), 'hub/seal/v1/aes-256-gcm', 64),
    );
    const sealed = seal('aes-256-gcm', KEY, ID, { deterministic: true, associatedData: 'ad' });
    const [, iv, body, tag] = fields(sealed).map(b64);
    const expectedIv = createHmac('sha256', okm.subarray(32))
      .update(Buffer.from('0000000000000002', 'hex'))
      .update('ad')
      .update(ID)
      .digest()
      .subarray(0, 12);
    expect(iv).toEqual(expectedIv);
    const decipher = createDecipheriv('aes-256-gcm', okm.subarray(0, 32), iv!);
    decipher.setAAD(Buffer.from('ad'));
    decipher.setAuthTag(tag!);
    expect(Buffer.concat([decipher.update(body!), decipher.final()]).toString()).toBe(ID);
  });

  it('sm4-ctr-hmac-sm3: opened with sm-crypto’s SM4 and HMAC-SM3 alone (HKDF-SM3, CTR, encrypt-then-MAC)', () => {
    // Everything below uses an independent SM3/SM4 implementation: an agency system that
    // follows the format comment can open the values without this package.
    const hmacSm3 = (key: Buffer, ...parts: Buffer[]) =>
      Buffer.from(
        sm3(Array.from(Buffer.concat(parts)), { mode: 'hmac', key: Array.from(key) }),
        'hex',
      );
    const prk = hmacSm3(Buffer.alloc(32), KEY);
    const info = Buffer.from('hub/seal/v1/sm4-ctr-hmac-sm3');
    const t1 = hmacSm3(prk, info, Buffer.of(1));
    const t2 = hmacSm3(prk, t1, info, Buffer.of(2));
    const t3 = hmacSm3(prk, t2, info, Buffer.of(3));
    const okm = Buffer.concat([t1, t2, t3]);
    const [encKey, macKey, ivKey] = [
      okm.subarray(0, 16),
      okm.subarray(16, 48),
      okm.subarray(48, 80),
    ];

    const plaintext = `${ID} and more than one block of text`;
    const ad = Buffer.from('subject-42');
    const sealed = seal('sm4-ctr-hmac-sm3', KEY, plaintext, {
      deterministic: true,
      associatedData: ad,
    });
    const [label, iv, body, tag] = fields(sealed);
    const adLength = Buffer.alloc(8);
    adLength.writeBigUInt64BE(BigInt(ad.length));
    expect(b64(iv!)).toEqual(hmacSm3(ivKey, adLength, ad, Buffer.from(plaintext)).subarray(0, 16));
    expect(b64(tag!)).toEqual(
      hmacSm3(macKey, Buffer.from(label!), b64(iv!), adLength, ad, b64(body!)).subarray(0, 16),
    );

    // CTR: keystream block i = SM4(key, IV + i), the counter being the whole 128-bit block.
    const ciphertext = b64(body!);
    const counter = BigInt(`0x${b64(iv!).toString('hex')}`);
    const clear = Buffer.alloc(ciphertext.length);
    for (let block = 0; block * 16 < ciphertext.length; block++) {
      const counterBlock = ((counter + BigInt(block)) % 2n ** 128n).toString(16).padStart(32, '0');
      const keystream = sm4.encrypt(
        Array.from(Buffer.from(counterBlock, 'hex')),
        Array.from(encKey),
        {
          padding: 'none',
          output: 'array',
        },
      );
      for (let i = 0; i < 16 && block * 16 + i < ciphertext.length; i++)
        clear[block * 16 + i] = ciphertext[block * 16 + i]! ^ Number(keystream[i]);
    }
    expect(clear.toString()).toBe(plaintext);
  });
});
