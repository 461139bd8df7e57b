import { hkdfSync } from 'node:crypto';
import { sm3 } from 'sm-crypto';
import { digest, hasher, hmac } from './hash.js';
import { hkdf } from './hkdf.js';

const hex = (b: Buffer) => b.toString('hex');

describe('hashes', () => {
  describe('SM3', () => {
    it('gives the digest of GB/T 32905-2016 example 1 ("abc")', () => {
      expect(hex(digest('sm3', 'abc'))).toBe(
        '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0',
      );
    });

    it('gives the digest of GB/T 32905-2016 example 2 ("abcd" × 16, one full block)', () => {
      expect(hex(digest('sm3', 'abcd'.repeat(16)))).toBe(
        'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732',
      );
    });
  });

  it('SHA-256 gives the FIPS 180-4 "abc" digest', () => {
    expect(hex(digest('sha256', 'abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it.each(['sha256', 'sm3'] as const)(
    '%s hashes its parts as if concatenated, text as UTF-8',
    (alg) => {
      const whole = digest(alg, Buffer.from('证书 number 12', 'utf8'));
      expect(
        digest(alg, '证书', Buffer.from(' num'), new Uint8Array([0x62, 0x65, 0x72]), ' 12'),
      ).toEqual(whole);
      expect(digest(alg)).toEqual(digest(alg, ''));
    },
  );

  it.each(['sha256', 'sm3'] as const)(
    'the reusable %s hasher gives the same digests and starts afresh after each',
    (alg) => {
      const h = hasher(alg);
      h.update('ab');
      h.update(Buffer.from('c'));
      expect(h.digest()).toEqual(digest(alg, 'abc'));
      h.update('record 2');
      expect(h.digest()).toEqual(digest(alg, 'record 2'));
      expect(h.digest()).toEqual(digest(alg));
    },
  );

  it('HMAC-SHA-256 gives RFC 4231 test case 2', () => {
    expect(hex(hmac('sha256', Buffer.from('Jefe'), 'what do ya ', 'want for nothing?'))).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('HMAC-SM3 agrees with an independent implementation (sm-crypto)', () => {
    const key = Buffer.from(
      '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
      'hex',
    );
    for (const message of ['', 'abc', 'x'.repeat(200)]) {
      expect(hex(hmac('sm3', key, message))).toBe(
        sm3(message, { mode: 'hmac', key: key.toString('hex') }),
      );
    }
  });
});

describe('HKDF', () => {
  it('gives RFC 5869 test case 3 (SHA-256, no salt, no info)', () => {
    expect(hex(hkdf('sha256', Buffer.alloc(22, 0x0b), '', 42))).toBe(
      '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
    );
  });

  it.each(['sha256', 'sm3'] as const)(
    'matches node hkdfSync with %s at every length up to 100',
    (alg) => {
      const ikm = Buffer.from('a 32-byte key for the seal tests');
      for (let length = 1; length <= 100; length++) {
        expect(hkdf(alg, ikm, 'hub/test', length)).toEqual(
          Buffer.from(hkdfSync(alg, ikm, Buffer.alloc(0), 'hub/test', length)),
        );
      }
    },
  );
});
