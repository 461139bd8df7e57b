import { randomBytes } from 'node:crypto';
import { MATCH_KEY_BYTES, matchKeyBytes } from './match-key-bytes.js';
import { PersonalDataVault } from './vault.js';

describe('match key bytes', () => {
  it('gives back the 24 bytes a match key was made from, at the offset asked', () => {
    const vault = new PersonalDataVault({ id: 'k1', secret: randomBytes(32) });
    for (const value of ['11010519491231002X', '张三', '']) {
      const key = vault.matchKey(value);
      const out = new Uint8Array(MATCH_KEY_BYTES + 5);
      expect(matchKeyBytes(key, out, 5)).toBe(true);
      expect(Buffer.from(out.subarray(5)).toString('base64url')).toBe(key);
    }
  });

  it('says so when the text is not a match key', () => {
    const out = new Uint8Array(MATCH_KEY_BYTES);
    expect(matchKeyBytes('too-short', out, 0)).toBe(false);
    expect(matchKeyBytes(`${'A'.repeat(31)}=`, out, 0)).toBe(false);
    expect(matchKeyBytes(`${'A'.repeat(31)}字`, out, 0)).toBe(false);
  });
});
