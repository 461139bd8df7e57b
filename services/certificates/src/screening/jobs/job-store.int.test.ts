import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import pg from 'pg';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '@hub/event-store-postgres';
import { EMPTY_SUMMARY, OWNER_STOPPED } from './job-store.js';
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

  it('a hub.db from before owners and heartbeats: its running job is failed on opening, its finished one kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'screening-jobs-'));
    dirs.push(dir);
    const old = new Database(join(dir, 'hub.db'));
    old.exec(`CREATE TABLE screening_jobs (
      id TEXT PRIMARY KEY, agency TEXT NOT NULL, purpose TEXT NOT NULL, case_id TEXT,
      status TEXT NOT NULL, summary TEXT NOT NULL, started_at TEXT NOT NULL,
      finished_at TEXT, error TEXT)`);
    const summary = '{"rows":1,"rejectedRows":0,"negativeRows":0,"anomalies":0,"byResult":{}}';
    for (const [id, status] of [
      ['SCR-RUN', 'running'],
      ['SCR-DONE', 'done'],
    ])
      old
        .prepare(
          `INSERT INTO screening_jobs VALUES (?, 'construction', '自查', NULL, ?, ?, '2026-11-01T00:00:00.000Z', NULL, NULL)`,
        )
        .run(id, status, summary);
    old.close();
    mkdirSync(join(dir, 'screenings'));
    for (const id of ['SCR-RUN', 'SCR-DONE'])
      writeFileSync(join(dir, 'screenings', `${id}.jsonl`), '{"line":2}\n');
    const store = new SqliteScreeningJobStore(join(dir, 'hub.db'), join(dir, 'screenings'));
    try {
      expect(await store.get('SCR-RUN')).toMatchObject({ status: 'failed', error: OWNER_STOPPED });
      expect(existsSync(join(dir, 'screenings', 'SCR-RUN.jsonl'))).toBe(false);
      // Positive control: the finished job and its results are as they were.
      expect(await store.get('SCR-DONE')).toMatchObject({ status: 'done', rows: 1 });
      expect(existsSync(join(dir, 'screenings', 'SCR-DONE.jsonl'))).toBe(true);
    } finally {
      await store.close();
    }
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

    describe("heartbeats by the database's clock (machines' clocks disagree)", () => {
      const aJob = (id: string) => ({ id, agency: 'construction' as const, purpose: '自查' });
      /** Runs one statement on its own connection. */
      const sql = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) => {
        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        try {
          return (await client.query<R>(text, values)).rows;
        } finally {
          await client.end();
        }
      };
      const heartbeatAge = async (id: string) =>
        Number(
          (
            await sql<{ age: string }>(
              `SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint - heartbeat_at AS age
                 FROM s${schemas}.hub_screening_jobs WHERE id = $1`,
              [id],
            )
          )[0]!.age,
        );

      it("machines' clocks ten minutes apart: the owner's heartbeats carry the database's time, and a process ahead does not fail the live job; judged by its own clock it would", async () => {
        schemas++;
        const real = Date.now();
        // The owner's machine runs ten minutes behind (its clock is what Date.now answers there).
        const behind = jest.spyOn(Date, 'now').mockReturnValue(real - 600_000);
        const owner = connect({ heartbeatMs: 3_600_000 });
        try {
          expect(await owner.create(aJob('SCR-LIVE'))).toBe(true);
          // Written by the database's clock, not the owner's (which would be ten minutes old).
          expect(Math.abs(await heartbeatAge('SCR-LIVE'))).toBeLessThan(5_000);
          await owner.progress('SCR-LIVE', { ...EMPTY_SUMMARY, rows: 10 });
          expect(Math.abs(await heartbeatAge('SCR-LIVE'))).toBeLessThan(5_000);
          behind.mockRestore();
          // Another process, on a machine ten minutes ahead, looks at the job.
          const ahead = jest.spyOn(Date, 'now').mockReturnValue(real + 600_000);
          const other = connect();
          try {
            expect(await other.get('SCR-LIVE')).toMatchObject({ status: 'running' });
          } finally {
            ahead.mockRestore();
            await other.close();
          }
          // Positive control: the same look judged by that machine's clock fails the live job.
          const skewed = connect({ now: () => real + 600_000 });
          try {
            expect(await skewed.get('SCR-LIVE')).toMatchObject({
              status: 'failed',
              error: OWNER_STOPPED,
            });
          } finally {
            await skewed.close();
          }
        } finally {
          behind.mockRestore();
          await owner.close();
        }
      });

      it('a heartbeat older than the stale age by the database clock is failed, a younger one is not', async () => {
        schemas++;
        const owner = connect({ heartbeatMs: 3_600_000 });
        const other = connect({ staleMs: 2_000 });
        try {
          await owner.create(aJob('SCR-OLD'));
          await owner.create(aJob('SCR-YOUNG'));
          await sql(
            `UPDATE s${schemas}.hub_screening_jobs SET heartbeat_at = heartbeat_at - 10000 WHERE id = 'SCR-OLD'`,
          );
          expect(await other.get('SCR-OLD')).toMatchObject({ status: 'failed' });
          expect(await other.get('SCR-YOUNG')).toMatchObject({ status: 'running' });
        } finally {
          await owner.close();
          await other.close();
        }
      });
    });
  },
);
