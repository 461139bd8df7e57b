import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSealedRef } from '@hub/domain';
import { residentIdFor } from '@hub/domain/testing';
import {
  SqliteSubjectKeyStore,
  SubjectKeyDestroyedError,
  SubjectKeysChangedError,
} from './subject-keys.js';
import { PersonalDataVault } from './vault.js';

const master = { id: 'k1', secret: randomBytes(32) };
let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hub-vault-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const open = (
  suite: 'international' | 'national' = 'international',
  current = master,
  previous = [] as (typeof master)[],
) =>
  new PersonalDataVault(current, previous, {
    suite,
    subjectKeys: new SqliteSubjectKeyStore(
      join(dir, 'vault.db'),
      { current, previous },
      suite === 'national' ? 'sm4-ctr-hmac-sm3' : 'aes-256-gcm',
    ),
  });
const A = residentIdFor('19800101', 1);
const B = residentIdFor('19800101', 2);

describe('subject keys', () => {
  it.each(['international', 'national'] as const)(
    'seals an ID number under its person’s key (%s), the same each time, and opens it after a restart',
    (suite) => {
      const vault = open(suite);
      const sealed = vault.sealIdNumber(A);
      expect(vault.sealIdNumber(A)).toBe(sealed);
      expect(sealed).not.toContain(A);
      expect(parseSealedRef(sealed)).toMatchObject({ kind: 'id', key: vault.matchKey(A) });
      vault.commitKeys();
      vault.close();
      const again = open(suite);
      expect(again.unseal(sealed)).toBe(A);
      again.close();
    },
  );

  it('destroys a person’s key so nothing sealed under it opens, and leaves other people alone', () => {
    const vault = open();
    const a = vault.sealIdNumber(A);
    const b = vault.sealIdNumber(B);
    vault.commitKeys();
    expect(vault.forget(vault.matchKey(A), '保存期限届满')).toBe(1);
    expect(() => vault.unseal(a)).toThrow(SubjectKeyDestroyedError);
    expect(vault.unseal(b)).toBe(B);
    vault.close();
    // The wrapped key is gone from the file, write-ahead log included (secure_delete, truncated WAL).
    const wrapped = parseSealedRef(a)!.keyId;
    for (const file of readdirSync(dir))
      expect(readFileSync(join(dir, file)).includes(Buffer.from(`${wrapped}|`))).toBe(false);
  });

  it('refuses to commit values sealed with a key destroyed meanwhile, and not others', () => {
    const hub = open();
    const other = open();
    hub.sealIdNumber(B);
    hub.commitKeys();
    hub.sealIdNumber(A);
    hub.commitKeys();
    // Another process forgets B: a batch of the hub sealing only A still goes through …
    other.forget(other.matchKey(B), '保存期限届满');
    hub.sealIdNumber(A);
    expect(() => hub.commitKeys()).not.toThrow();
    // … but one that sealed B before it learnt of the destruction must be sealed again.
    const third = open();
    hub.sealIdNumber(B);
    third.forget(third.matchKey(B), '再次');
    hub.sealIdNumber(B);
    const fresh = open();
    const stale = hub.sealIdNumber(A);
    fresh.forget(fresh.matchKey(A), 'gone');
    expect(() => hub.commitKeys()).toThrow(SubjectKeysChangedError);
    expect(() => hub.unseal(stale)).toThrow(SubjectKeyDestroyedError);
    for (const v of [hub, other, third, fresh]) v.close();
  });

  it('keeps match keys when the master key rotates: they are kept in events', () => {
    const first = open();
    const before = first.matchKey(A);
    const sealed = first.sealIdNumber(A);
    first.commitKeys();
    first.close();
    const rotated = open('international', { id: 'k2', secret: randomBytes(32) }, [master]);
    expect(rotated.matchKey(A)).toBe(before);
    expect(rotated.unseal(sealed)).toBe(A);
    rotated.close();
  });
});
