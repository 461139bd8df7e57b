import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '@hub/event-store-postgres';
import { jobStoreContract } from './job-store.contract.js';
import { PostgresScreeningJobStore } from './postgres-job-store.js';
import { SqliteScreeningJobStore } from './sqlite-job-store.js';

describe('SqliteScreeningJobStore (screening job store contract)', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const at = () => dirs[dirs.length - 1]!;
  const connect = (options = {}) =>
    new SqliteScreeningJobStore(join(at(), 'hub.db'), join(at(), 'screenings'), options);
  jobStoreContract({
    async open(options) {
      dirs.push(mkdtempSync(join(tmpdir(), 'screening-jobs-')));
      return connect(options);
    },
    async reopen(options) {
      return connect(options);
    },
  });
});

const adminUrl = process.env.TEST_POSTGRES_URL;
(adminUrl ? describe : describe.skip)(
  `PostgresScreeningJobStore (screening job store contract)${adminUrl ? '' : ` (skipped: ${process.env.TEST_POSTGRES_SKIP})`}`,
  () => {
    let db: { url: string; drop: () => Promise<void> };
    let schemas = 0;
    beforeAll(async () => (db = await createTestDatabase(adminUrl!, 'hub_screening_jobs')));
    afterAll(async () => db?.drop());
    const connect = (options = {}) =>
      new PostgresScreeningJobStore({
        connectionString: db.url,
        schema: `s${schemas}`,
        ...options,
      });
    jobStoreContract({
      async open(options) {
        schemas++;
        return connect(options);
      },
      async reopen(options) {
        return connect(options);
      },
    });
  },
);
