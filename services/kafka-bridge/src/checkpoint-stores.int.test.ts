import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '@hub/event-store-postgres';
import { checkpointStoreContract } from './checkpoint-store.contract.js';
import { SqliteCheckpointStore } from './checkpoints.js';
import { PostgresCheckpointStore } from './postgres-checkpoints.js';

describe('SqliteCheckpointStore (egress checkpoint-store contract)', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const file = () => join(dirs[dirs.length - 1]!, 'hub.db');
  checkpointStoreContract({
    async open() {
      dirs.push(mkdtempSync(join(tmpdir(), 'hub-bridge-checkpoints-')));
      return new SqliteCheckpointStore(file());
    },
    async reopen() {
      return new SqliteCheckpointStore(file());
    },
  });
});

const adminUrl = process.env.TEST_POSTGRES_URL;
(adminUrl ? describe : describe.skip)(
  `PostgresCheckpointStore (egress checkpoint-store contract)${adminUrl ? '' : ` (skipped: ${process.env.TEST_POSTGRES_SKIP})`}`,
  () => {
    let db: { url: string; drop: () => Promise<void> };
    let schemas = 0;
    beforeAll(async () => (db = await createTestDatabase(adminUrl!, 'hubstate_bridge')));
    afterAll(async () => db?.drop());
    const connect = () =>
      new PostgresCheckpointStore({ connectionString: db.url, schema: `s${schemas}` });
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
