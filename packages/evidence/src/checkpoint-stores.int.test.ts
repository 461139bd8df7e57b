import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
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

/**
 * A database of this file's own (evidence cannot use event-store-postgres's helper: that
 * package's tests depend on this one).
 */
async function createTestDatabase(admin: string, prefix: string) {
  const name = `${prefix}_${process.pid}_${randomUUID().slice(0, 8)}`;
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
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
