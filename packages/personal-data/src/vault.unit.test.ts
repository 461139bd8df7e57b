import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { PersonalDataVault, SealError, parseVaultKey } from './vault.js';

const key = (id: string) => ({ id, secret: randomBytes(32) });
const ID = '11010519491231002X';

describe('personal-data vault', () => {
  it('gives equal match keys for equal values and different ones for different values or keys', () => {
    const k1 = key('k1');
    const vault = new PersonalDataVault(k1);
    expect(vault.matchKey(ID)).toBe(new PersonalDataVault(k1).matchKey(ID));
    expect(vault.matchKey(ID)).not.toBe(vault.matchKey('110105194912310021'));
    expect(new PersonalDataVault(key('k1')).matchKey(ID)).not.toBe(vault.matchKey(ID));
    expect(vault.matchKey(ID)).not.toContain('1949');
  });

  it('computes a standard HMAC-SHA-256 under the derived match key', () => {
    const k1 = key('k1');
    const matchKey = Buffer.from(hkdfSync('sha256', k1.secret, Buffer.alloc(0), 'hub/match', 32));
    expect(new PersonalDataVault(k1).matchKey(ID)).toBe(
      createHmac('sha256', matchKey).update(ID).digest('base64url').slice(0, 32),
    );
  });

  it('seals deterministically and opens the sealed copy, also after a rotation', async () => {
    const k1 = key('k1');
    const old = new PersonalDataVault(k1);
    const sealed = old.seal(ID);
    expect(sealed).toBe(old.seal(ID));
    expect(sealed.startsWith('k1.')).toBe(true);
    expect(sealed).not.toContain(ID);
    const rotated = new PersonalDataVault(key('k2'), [k1]);
    expect(await rotated.unseal(sealed)).toBe(ID);
    expect(rotated.seal(ID).startsWith('k2.')).toBe(true);
    await expect(new PersonalDataVault(key('k3')).unseal(sealed)).rejects.toThrow(SealError);
  });

  it('refuses a tampered sealed value', async () => {
    const vault = new PersonalDataVault(key('k1'));
    const [id, iv, body, tag] = vault.seal(ID).split('.');
    const flipped = Buffer.from(body!, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    await expect(
      vault.unseal([id, iv, flipped.toString('base64url'), tag].join('.')),
    ).rejects.toThrow(/altered or wrong key/);
  });

  it('reads keys as id:base64 and says how a key must look', () => {
    const secret = randomBytes(32).toString('base64');
    expect(parseVaultKey(`k9:${secret}`, 'HUB_PII_KEY').id).toBe('k9');
    expect(() => parseVaultKey('k9:short', 'HUB_PII_KEY')).toThrow(
      /HUB_PII_KEY must be <id>:<32 bytes in base64>/,
    );
  });
});
