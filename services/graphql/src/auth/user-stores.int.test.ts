import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '@hub/event-store-postgres';
import { PostgresUserStore } from './postgres-user-store.js';
import { SqliteUserStore } from './sqlite-user-store.js';
import { userStoreContract } from './user-store.contract.js';

describe('SqliteUserStore (user-store contract)', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const file = () => join(dirs[dirs.length - 1]!, 'hub.db');
  userStoreContract({
    async open() {
      dirs.push(mkdtempSync(join(tmpdir(), 'hub-users-')));
      return new SqliteUserStore(file());
    },
    async reopen() {
      return new SqliteUserStore(file());
    },
  });
});

const adminUrl = process.env.TEST_POSTGRES_URL;
(adminUrl ? describe : describe.skip)(
  `PostgresUserStore (user-store contract)${adminUrl ? '' : ` (skipped: ${process.env.TEST_POSTGRES_SKIP})`}`,
  () => {
    let db: { url: string; drop: () => Promise<void> };
    let schemas = 0;
    beforeAll(async () => (db = await createTestDatabase(adminUrl!, 'hubusers')));
    afterAll(async () => db?.drop());
    const connect = () =>
      new PostgresUserStore({ connectionString: db.url, schema: `s${schemas}` });
    userStoreContract({
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
