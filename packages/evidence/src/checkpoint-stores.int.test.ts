import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '@hub/event-store-postgres';
import { checkpointStoreContract } from './checkpoint-store.contract.js';
import { PostgresChainCheckpointStore } from './postgres-checkpoint-store.js';
import { SqliteChainCheckpointStore } from './sqlite-checkpoint-store.js';

describe('SqliteChainCheckpointStore (checkpoint-store contract)', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const file = () => join(dirs[dirs.length - 1]!, 'evidence.db');
  checkpointStoreContract({
    async open() {
      dirs.push(mkdtempSync(join(tmpdir(), 'hub-checkpoints-')));
      return new SqliteChainCheckpointStore(file());
    },
    async reopen() {
      return new SqliteChainCheckpointStore(file());
    },
  });
});

const adminUrl = process.env.TEST_POSTGRES_URL;
(adminUrl ? describe : describe.skip)(
  `PostgresChainCheckpointStore (checkpoint-store contract)${adminUrl ? '' : ` (skipped: ${process.env.TEST_POSTGRES_SKIP})`}`,
  () => {
    let db: { url: string; drop: () => Promise<void> };
    let schemas = 0;
    beforeAll(async () => (db = await createTestDatabase(adminUrl!, 'hubstate_checkpoints')));
    afterAll(async () => db?.drop());
    const connect = () =>
      new PostgresChainCheckpointStore({ connectionString: db.url, schema: `s${schemas}` });
    checkpointStoreContract({
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
