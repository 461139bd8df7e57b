import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '@hub/event-store-postgres';
import { credentialStoreContract } from './credential-store.contract.js';
import { PostgresCredentialStore } from './postgres-credential-store.js';
import { SqliteCredentialStore } from './sqlite-credential-store.js';

describe('SqliteCredentialStore (credential-store contract)', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const file = () => join(dirs[dirs.length - 1]!, 'hub.db');
  credentialStoreContract({
    async open() {
      dirs.push(mkdtempSync(join(tmpdir(), 'hub-credentials-')));
      return new SqliteCredentialStore(file());
    },
    async reopen() {
      return new SqliteCredentialStore(file());
    },
  });
});

const adminUrl = process.env.TEST_POSTGRES_URL;
(adminUrl ? describe : describe.skip)(
  `PostgresCredentialStore (credential-store contract)${adminUrl ? '' : ` (skipped: ${process.env.TEST_POSTGRES_SKIP})`}`,
  () => {
    let db: { url: string; drop: () => Promise<void> };
    let schemas = 0;
    beforeAll(async () => (db = await createTestDatabase(adminUrl!, 'hubstate_credentials')));
    afterAll(async () => db?.drop());
    const connect = () =>
      new PostgresCredentialStore({ connectionString: db.url, schema: `s${schemas}` });
    credentialStoreContract({
      async open() {
        schemas++;
        return connect();
      },
      async reopen() {
        return connect();
      },
    });
  },
);
