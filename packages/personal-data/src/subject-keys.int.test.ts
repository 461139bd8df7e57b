import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSealedRef } from '@hub/domain';
import { residentIdFor } from '@hub/domain/testing';
import { createTestDatabase } from '@hub/event-store-postgres';
import { MemorySubjectKeyStore } from './memory-subject-keys.js';
import { PostgresSubjectKeyStore } from './postgres-subject-keys.js';
import { subjectKeyStoreContract } from './subject-key-store.contract.js';
import { SqliteSubjectKeyStore, SubjectKeyDestroyedError } from './subject-keys.js';
import { PersonalDataVault } from './vault.js';

describe('SqliteSubjectKeyStore (subject-key-store contract)', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const file = () => join(dirs[dirs.length - 1]!, 'vault.db');
  subjectKeyStoreContract({
    async open(masters) {
      dirs.push(mkdtempSync(join(tmpdir(), 'hub-vault-')));
      return new SqliteSubjectKeyStore(file(), masters, 'aes-256-gcm');
    },
    async reopen(masters) {
      return new SqliteSubjectKeyStore(file(), masters, 'aes-256-gcm');
    },
  });

  it('leaves no trace of a destroyed key in the file or its write-ahead log (secure_delete, truncated WAL)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-vault-'));
    dirs.push(dir);
    const master = { id: 'k1', secret: randomBytes(32) };
    const vault = new PersonalDataVault(master, [], {
      subjectKeys: new SqliteSubjectKeyStore(
        join(dir, 'vault.db'),
        { current: master, previous: [] },
        'aes-256-gcm',
      ),
    });
    const a = vault.sealIdNumber(residentIdFor('19800101', 1));
    const b = vault.sealIdNumber(residentIdFor('19800101', 2));
    await vault.commitKeys([a, b]);
    // The wrap's associated data names key and subject: each key's row holds it in clear.
    const trace = (sealed: string) => Buffer.from(`${parseSealedRef(sealed)!.keyId}`);
    const inFiles = (sealed: string) =>
      readdirSync(dir).some((f) => readFileSync(join(dir, f)).includes(trace(sealed)));
    // Positive control: a live key's row is found in the files.
    expect(inFiles(b)).toBe(true);
    await vault.forget(parseSealedRef(a)!.key, '保存期限届满');
    await expect(vault.unseal(a)).rejects.toBeInstanceOf(SubjectKeyDestroyedError);
    await vault.close();
    const wrappedOf = (sealed: string) => Buffer.from(`${parseSealedRef(sealed)!.keyId}|`);
    for (const f of readdirSync(dir))
      expect(readFileSync(join(dir, f)).includes(wrappedOf(a))).toBe(false);
  });
});

describe('MemorySubjectKeyStore (subject-key-store contract)', () => {
  subjectKeyStoreContract({ open: async () => new MemorySubjectKeyStore() });
});

const adminUrl = process.env.TEST_POSTGRES_URL;
(adminUrl ? describe : describe.skip)(
  `PostgresSubjectKeyStore (subject-key-store contract)${adminUrl ? '' : ` (skipped: ${process.env.TEST_POSTGRES_SKIP})`}`,
  () => {
    let db: { url: string; drop: () => Promise<void> };
    let schemas = 0;
    beforeAll(async () => (db = await createTestDatabase(adminUrl!, 'hubstate_vault')));
    afterAll(async () => db?.drop());
    const connect = (masters: Parameters<typeof PostgresSubjectKeyStore.open>[0]['masters']) =>
      PostgresSubjectKeyStore.open({
        connectionString: db.url,
        schema: `s${schemas}`,
        masters,
        wrapAlg: 'aes-256-gcm',
      });
    subjectKeyStoreContract({
      async open(masters) {
        schemas++;
        return connect(masters);
      },
      async reopen(masters) {
        return connect(masters);
      },
    });
  },
);
