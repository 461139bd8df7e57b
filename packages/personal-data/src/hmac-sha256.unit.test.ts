import { createHmac, randomBytes } from 'node:crypto';
import { base64UrlOf24, HmacSha256 } from './hmac-sha256.js';

const reference = (key: Buffer, value: string) => createHmac('sha256', key).update(value).digest();
const bytesOf = (words: Int32Array) => {
  const out = Buffer.alloc(32);
  words.forEach((w, i) => out.writeInt32BE(w, i * 4));
  return out;
};

/** Random text mixing ASCII, CJK, astral characters and lone surrogates. */
function randomText(length: number): string {
  const alphabet = ['a', '7', 'X', ':', '张', '三', '丰', '😀', '\ud800', '\udfff', '\u00e9', ' '];
  let text = '';
  while (text.length < length) text += alphabet[Math.floor(Math.random() * alphabet.length)];
  return text.slice(0, length);
}

describe('HmacSha256', () => {
  it('gives what node:crypto gives at every length around the block boundaries', () => {
    for (const keyLength of [0, 16, 32, 64]) {
      const key = randomBytes(keyLength);
      const mac = new HmacSha256(key);
      for (let length = 0; length <= 200; length++) {
        const ascii = 'x'.repeat(length);
        expect(bytesOf(mac.mac(ascii))).toEqual(reference(key, ascii));
      }
    }
  });

  it('gives what node:crypto gives for text that is not ASCII, in any order of calls', () => {
    const key = randomBytes(32);
    const mac = new HmacSha256(key);
    for (let i = 0; i < 2000; i++) {
      const text = randomText(Math.floor(Math.random() * 150));
      expect(bytesOf(mac.mac(text))).toEqual(reference(key, text));
    }
    const long = randomText(5000);
    expect(bytesOf(mac.mac(long))).toEqual(reference(key, long));
    expect(bytesOf(mac.mac('310105194912310021'))).toEqual(reference(key, '310105194912310021'));
  });

  it('writes the first 24 bytes in base64url as a match key', () => {
    const key = randomBytes(32);
    const mac = new HmacSha256(key);
    for (const text of ['', '310105194912310021', '王小明', 'construction_special_operations:T1'])
      expect(base64UrlOf24(mac.mac(text))).toBe(
        reference(key, text).toString('base64url').slice(0, 32),
      );
  });

  it('refuses keys longer than a block rather than hashing them differently', () => {
    expect(() => new HmacSha256(randomBytes(65))).toThrow(/longer than 64 bytes/);
  });
});
