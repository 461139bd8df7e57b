import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKeyPair, keyIdOf, sign, signatureAlgOfPem, verify } from '../signatures.js';

/*
 * Interoperability with the OpenSSL command line, which agencies use to make keys and sign
 * batches by hand. OpenSSL 3 signs SM2 over an EMPTY user id unless told otherwise: the
 * default id of GM/T 0009 has to be passed as `-pkeyopt distid:1234567812345678` (pkeyutl) or
 * `-sigopt distid:1234567812345678` (dgst). These tests pin both halves of that.
 */

const DISTID = 'distid:1234567812345678';
const MESSAGE = '{"batch":[{"type":"ClueTransferred","id":"0b6f1f8e"}],"agency":"police"}';

function openssl(args: string[], input?: Buffer) {
  return spawnSync('openssl', args, { input, encoding: 'buffer', timeout: 10_000 });
}

function skipReason(): string | undefined {
  const version = openssl(['version']);
  if (version.error || version.status !== 0) return 'no openssl command on PATH';
  const dir = mkdtempSync(join(tmpdir(), 'hub-sm2-probe-'));
  try {
    const gen = openssl(['genpkey', '-algorithm', 'SM2', '-out', join(dir, 'k.pem')]);
    if (gen.status !== 0)
      return `${version.stdout.toString().trim()} cannot make SM2 keys: ${gen.stderr.toString().trim()}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return undefined;
}

const skip = skipReason();

if (skip) {
  describe('SM2 interoperability with the openssl command', () => {
    it.skip(`was skipped: ${skip}`, () => undefined);
  });
} else {
  describe('SM2 interoperability with the openssl command', () => {
    let dir: string;
    const file = (name: string) => join(dir, name);

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'hub-sm2-'));
      writeFileSync(file('message'), MESSAGE);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    function opensslKeyPair(name: string) {
      expect(openssl(['genpkey', '-algorithm', 'SM2', '-out', file(`${name}.pem`)]).status).toBe(0);
      expect(
        openssl(['pkey', '-in', file(`${name}.pem`), '-pubout', '-out', file(`${name}.pub.pem`)])
          .status,
      ).toBe(0);
      return {
        privateKeyPem: readFileSync(file(`${name}.pem`), 'utf8'),
        publicKeyPem: readFileSync(file(`${name}.pub.pem`), 'utf8'),
      };
    }

    const opensslVerify = (publicKeyFile: string, signatureFile: string, distid: boolean) =>
      openssl([
        'pkeyutl',
        '-verify',
        '-rawin',
        '-digest',
        'sm3',
        '-pubin',
        '-inkey',
        publicKeyFile,
        '-in',
        file('message'),
        '-sigfile',
        signatureFile,
        ...(distid ? ['-pkeyopt', DISTID] : []),
      ]);

    it('keys from `openssl genpkey -algorithm SM2` are detected and have the id openssl would give', () => {
      const keys = opensslKeyPair('theirs');
      expect(signatureAlgOfPem(keys.privateKeyPem)).toBe('sm2');
      expect(signatureAlgOfPem(keys.publicKeyPem)).toBe('sm2');
      const der = openssl([
        'pkey',
        '-pubin',
        '-in',
        file('theirs.pub.pem'),
        '-outform',
        'DER',
      ]).stdout;
      const expected = createHash('sha256').update(der).digest('hex').slice(0, 16);
      expect(keyIdOf(keys.publicKeyPem)).toBe(expected);
      expect(keyIdOf(keys.privateKeyPem)).toBe(expected);
    });

    it('openssl reads keys made here as SM2 keys', () => {
      const keys = generateSigningKeyPair('sm2');
      writeFileSync(file('ours.pem'), keys.privateKeyPem);
      writeFileSync(file('ours.pub.pem'), keys.publicKeyPem);
      const text = openssl(['pkey', '-in', file('ours.pem'), '-noout', '-text']);
      expect(text.status).toBe(0);
      expect(text.stdout.toString()).toMatch(/ASN1 OID: SM2/);
      const derived = openssl(['pkey', '-in', file('ours.pem'), '-pubout']);
      expect(derived.stdout.toString()).toBe(keys.publicKeyPem);
    });

    it('openssl verifies a signature made here with the default id, and not with its empty default', () => {
      const keys = generateSigningKeyPair('sm2');
      writeFileSync(file('signer.pub.pem'), keys.publicKeyPem);
      writeFileSync(file('ours.sig'), sign('sm2', keys.privateKeyPem, MESSAGE));
      const withId = opensslVerify(file('signer.pub.pem'), file('ours.sig'), true);
      expect(withId.stdout.toString()).toMatch(/Signature Verified Successfully/);
      expect(opensslVerify(file('signer.pub.pem'), file('ours.sig'), false).status).not.toBe(0);
    });

    it('a signature by `openssl pkeyutl -sign` or `openssl dgst -sign` with the default id verifies here; one without it does not', () => {
      const keys = opensslKeyPair('signer2');
      const signWith = (args: string[], out: string) => {
        expect(openssl(args).status).toBe(0);
        return readFileSync(file(out));
      };
      const pkeyutl = signWith(
        // prettier-ignore
        ['pkeyutl', '-sign', '-rawin', '-digest', 'sm3', '-inkey', file('signer2.pem'), '-in', file('message'), '-pkeyopt', DISTID, '-out', file('pkeyutl.sig')],
        'pkeyutl.sig',
      );
      const dgst = signWith(
        // prettier-ignore
        ['dgst', '-sm3', '-sign', file('signer2.pem'), '-sigopt', DISTID, '-out', file('dgst.sig'), file('message')],
        'dgst.sig',
      );
      const emptyId = signWith(
        // prettier-ignore
        ['pkeyutl', '-sign', '-rawin', '-digest', 'sm3', '-inkey', file('signer2.pem'), '-in', file('message'), '-out', file('empty.sig')],
        'empty.sig',
      );
      expect(verify('sm2', keys.publicKeyPem, MESSAGE, pkeyutl)).toBe(true);
      expect(verify('sm2', keys.publicKeyPem, MESSAGE, dgst)).toBe(true);
      expect(verify('sm2', keys.publicKeyPem, MESSAGE, emptyId)).toBe(false);
      expect(verify('sm2', keys.publicKeyPem, `${MESSAGE} `, pkeyutl)).toBe(false);
      // The private key openssl wrote signs here too, and openssl accepts that signature.
      writeFileSync(file('ours2.sig'), sign('sm2', keys.privateKeyPem, MESSAGE));
      expect(opensslVerify(file('signer2.pub.pem'), file('ours2.sig'), true).status).toBe(0);
    });
  });
}
