import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type pg from 'pg';
import { inTransaction, openSchemaPool } from '@hub/postgres-schema';
import type { ScreenedLines, ScreeningSummary } from '../screen-roster.js';
import {
  abandonedSql,
  EMPTY_SUMMARY,
  HEARTBEAT_MS,
  Heartbeats,
  OWNER_STOPPED,
  PROGRESS_EVERY,
  ScreeningJobLostError,
  STALE_MS,
  jobOfRow,
  type JobRow,
  type JobStoreOptions,
  type NewScreeningJob,
  type ScreeningJob,
  type ScreeningJobStore,
} from './job-store.js';

/** Versioned schema migrations, applied in order under an advisory lock. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE hub_screening_jobs (
     id TEXT PRIMARY KEY, agency TEXT NOT NULL, purpose TEXT NOT NULL, case_id TEXT,
     status TEXT NOT NULL, summary TEXT NOT NULL, started_at TEXT NOT NULL,
     finished_at TEXT, error TEXT,
     owner TEXT NOT NULL, owner_node TEXT, heartbeat_at BIGINT);
   CREATE INDEX hub_screening_jobs_running ON hub_screening_jobs (owner) WHERE status = 'running';
   CREATE TABLE hub_screening_results (
     job_id TEXT NOT NULL REFERENCES hub_screening_jobs (id) ON DELETE CASCADE,
     seq INTEGER NOT NULL, chunk BYTEA NOT NULL, PRIMARY KEY (job_id, seq));`,
];

/** An arbitrary constant: the advisory lock that serialises migrations of the jobs schema. */
const MIGRATION_LOCK = 72_815_051;
const CHUNK_BYTES = 1024 * 1024;
/** The owner of jobs moved in from an embedded hub: finished, so no process runs them. */
const MOVED_OWNER = 'moved-from-embedded-hub';
/**
 * The database's clock in ms: what heartbeats are written and judged by when no clock is given.
 * Processes on several machines share it; their own clocks may disagree by more than the 30 s
 * a heartbeat may age, and a process whose clock ran ahead would fail live jobs of the others.
 */
const DB_NOW_MS = '(extract(epoch FROM clock_timestamp()) * 1000)::bigint';
/** $1: a given clock's cutoff (null: the database's clock less $7, the stale age). */
const ABANDONED = abandonedSql({
  cutoff: `COALESCE($1::bigint, ${DB_NOW_MS} - $7::bigint)`,
  node: '$2',
  me: '$3',
});

export interface PostgresJobStoreOptions extends JobStoreOptions {
  connectionString: string;
  /** A schema of its own (created if missing): tests side by side. */
  schema?: string;
  /** Bytes of results per row of hub_screening_results (default 1 MiB). */
  chunkBytes?: number;
}

/**
 * Screening jobs in PostgreSQL, for hubs whose API processes run on several machines: a job
 * submitted through one is read, and its results downloaded, through any other. Results are
 * kept as ordered chunks, written as the screening streams and read back one chunk at a time,
 * so no process holds a whole screening in memory.
 */
export class PostgresScreeningJobStore implements ScreeningJobStore {
  private readonly pool: pg.Pool;
  private readonly ready: Promise<void>;
  private readonly instanceId: string;
  private readonly node: string | null;
  private readonly staleMs: number;
  private readonly chunkBytes: number;
  private readonly now: () => number;
  /** A heartbeat time from the given clock; null: the database's clock (written in SQL). */
  private readonly beatAt: () => number | null;
  private readonly heartbeats: Heartbeats;

  constructor(options: PostgresJobStoreOptions) {
    this.instanceId = options.instanceId ?? randomUUID();
    this.node = options.node ?? null;
    this.staleMs = options.staleMs ?? STALE_MS;
    this.chunkBytes = options.chunkBytes ?? CHUNK_BYTES;
    this.now = options.now ?? Date.now;
    this.beatAt = options.now ? options.now : () => null;
    ({ pool: this.pool, ready: this.ready } = openSchemaPool({
      connectionString: options.connectionString,
      schema: options.schema,
      max: 4,
      migrations: {
        versionTable: 'hub_screening_jobs_schema',
        lock: MIGRATION_LOCK,
        steps: MIGRATIONS,
      },
    }));
    this.heartbeats = new Heartbeats(
      options.heartbeatMs ?? HEARTBEAT_MS,
      async () => {
        await this.query(
          `UPDATE hub_screening_jobs SET heartbeat_at = COALESCE($1::bigint, ${DB_NOW_MS})
           WHERE owner = $2 AND status = 'running'`,
          [this.beatAt(), this.instanceId],
        );
      },
      options.onError,
    );
  }

  private async query<R extends pg.QueryResultRow>(text: string, values: unknown[]) {
    await this.ready;
    return this.pool.query<R>(text, values);
  }

  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    await this.ready;
    return inTransaction(this.pool, work);
  }

  /** Fails the job if abandoned, with its chunks, in one transaction. */
  private async failAbandoned(id: string): Promise<void> {
    const now = this.now();
    const given = this.beatAt();
    await this.transaction(async (client) => {
      const { rowCount } = await client.query(
        `UPDATE hub_screening_jobs SET status = 'failed', error = $4, finished_at = $5
         WHERE ${ABANDONED} AND id = $6`,
        [
          given === null ? null : given - this.staleMs,
          this.node,
          this.instanceId,
          OWNER_STOPPED,
          new Date(now).toISOString(),
          id,
          this.staleMs,
        ],
      );
      if (rowCount) await client.query('DELETE FROM hub_screening_results WHERE job_id = $1', [id]);
    });
  }

  async get(id: string): Promise<ScreeningJob | undefined> {
    await this.failAbandoned(id);
    const { rows } = await this.query<JobRow>('SELECT * FROM hub_screening_jobs WHERE id = $1', [
      id,
    ]);
    return rows[0] ? jobOfRow(rows[0]) : undefined;
  }

  async create(job: NewScreeningJob): Promise<boolean> {
    const now = this.now();
    const { rowCount } = await this.query(
      `INSERT INTO hub_screening_jobs (id, agency, purpose, case_id, status, summary, started_at,
         owner, owner_node, heartbeat_at)
       VALUES ($1, $2, $3, $4, 'running', $5, $6, $7, $8, COALESCE($9::bigint, ${DB_NOW_MS}))
       ON CONFLICT (id) DO NOTHING`,
      [
        job.id,
        job.agency,
        job.purpose,
        job.caseId ?? null,
        JSON.stringify(EMPTY_SUMMARY),
        new Date(now).toISOString(),
        this.instanceId,
        this.node,
        this.beatAt(),
      ],
    );
    if (rowCount !== 1) return false;
    this.heartbeats.add(job.id);
    return true;
  }

  async progress(id: string, summary: ScreeningSummary): Promise<void> {
    const { rowCount } = await this.query(
      `UPDATE hub_screening_jobs SET summary = $1, heartbeat_at = COALESCE($2::bigint, ${DB_NOW_MS})
       WHERE id = $3 AND owner = $4 AND status = 'running'`,
      [JSON.stringify(summary), this.beatAt(), id, this.instanceId],
    );
    if (rowCount !== 1) throw new ScreeningJobLostError(id);
  }

  async finish(id: string, summary: ScreeningSummary, error?: string): Promise<boolean> {
    this.heartbeats.delete(id);
    const status = error ? 'failed' : 'done';
    return this.transaction(async (client) => {
      const { rowCount } = await client.query(
        `UPDATE hub_screening_jobs SET status = $1, summary = $2, finished_at = $3, error = $4
         WHERE id = $5 AND owner = $6 AND status = 'running'`,
        [
          status,
          JSON.stringify(summary),
          new Date(this.now()).toISOString(),
          error ?? null,
          id,
          this.instanceId,
        ],
      );
      if (rowCount === 1) {
        if (error) await client.query('DELETE FROM hub_screening_results WHERE job_id = $1', [id]);
        return true;
      }
      const { rows } = await client.query<{ owner: string; status: string }>(
        'SELECT owner, status FROM hub_screening_jobs WHERE id = $1',
        [id],
      );
      // The same finish again (a retry) stands; chunks of a job declared failed meanwhile go.
      if (rows[0]?.owner === this.instanceId && rows[0].status === status) return true;
      if (rows[0]?.status !== 'done')
        await client.query('DELETE FROM hub_screening_results WHERE job_id = $1', [id]);
      return false;
    });
  }

  /**
   * A chunk goes in only while the job is this process's and running; the row is locked
   * meanwhile, so a process declaring the job failed waits and then drops every chunk.
   */
  private async writeChunk(id: string, seq: number, chunk: Buffer): Promise<void> {
    await this.transaction(async (client) => {
      const { rowCount } = await client.query(
        `SELECT 1 FROM hub_screening_jobs WHERE id = $1 AND owner = $2 AND status = 'running'
         FOR SHARE`,
        [id, this.instanceId],
      );
      if (rowCount !== 1) throw new ScreeningJobLostError(id);
      await client.query(
        `INSERT INTO hub_screening_results (job_id, seq, chunk) VALUES ($1, $2, $3)
         ON CONFLICT (job_id, seq) DO UPDATE SET chunk = excluded.chunk`,
        [id, seq, chunk],
      );
    });
  }

  async writeResults(
    id: string,
    rows: AsyncGenerator<ScreenedLines, ScreeningSummary>,
  ): Promise<ScreeningSummary> {
    await this.query('DELETE FROM hub_screening_results WHERE job_id = $1', [id]);
    let pending: Buffer[] = [];
    let size = 0;
    let seq = 0;
    let written = 0;
    let reported = 0;
    // Cut at exactly chunkBytes (a character may span two chunks: they are read back as bytes).
    const flush = async (all: boolean) => {
      while (size >= this.chunkBytes || (all && size > 0)) {
        const joined = Buffer.concat(pending, size);
        const take = Math.min(this.chunkBytes, size);
        await this.writeChunk(id, seq++, joined.subarray(0, take));
        pending = take < size ? [joined.subarray(take)] : [];
        size -= take;
      }
    };
    let next = await rows.next();
    while (!next.done) {
      const bytes = Buffer.from(next.value.text, 'utf8');
      pending.push(bytes);
      size += bytes.length;
      written += next.value.rows;
      await flush(false);
      if (written - reported >= PROGRESS_EVERY) {
        reported = written;
        await this.progress(id, { ...EMPTY_SUMMARY, rows: written });
      }
      next = await rows.next();
    }
    await flush(true);
    return next.value;
  }

  async readResults(id: string): Promise<Readable> {
    await this.ready;
    const chunks = async function* (store: PostgresScreeningJobStore) {
      for (let seq = 0; ; seq++) {
        const { rows } = await store.query<{ chunk: Buffer }>(
          'SELECT chunk FROM hub_screening_results WHERE job_id = $1 AND seq = $2',
          [id, seq],
        );
        if (!rows[0]) return;
        yield rows[0].chunk;
      }
    };
    return Readable.from(chunks(this), { objectMode: false });
  }

  /**
   * Takes in a finished job of an embedded hub (`hub migrate to-postgres`) with its results, in
   * one transaction, as it was (times, summary, outcome). A job here already (a move run again,
   * or an id taken) is left as it is: false.
   */
  async importFinished(row: JobRow, results?: AsyncIterable<Buffer | string>): Promise<boolean> {
    if (row.status === 'running') throw new Error(`screening ${row.id} is still running`);
    return this.transaction(async (client) => {
      const { rowCount } = await client.query(
        `INSERT INTO hub_screening_jobs (id, agency, purpose, case_id, status, summary, started_at,
           finished_at, error, owner) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (id) DO NOTHING`,
        [
          row.id,
          row.agency,
          row.purpose,
          row.case_id,
          row.status,
          row.summary,
          row.started_at,
          row.finished_at,
          row.error,
          MOVED_OWNER,
        ],
      );
      if (rowCount !== 1 || !results) return rowCount === 1;
      let pending = Buffer.alloc(0);
      let seq = 0;
      const put = (chunk: Buffer) =>
        client.query('INSERT INTO hub_screening_results (job_id, seq, chunk) VALUES ($1, $2, $3)', [
          row.id,
          seq++,
          chunk,
        ]);
      for await (const piece of results) {
        pending = Buffer.concat([pending, typeof piece === 'string' ? Buffer.from(piece) : piece]);
        while (pending.length >= this.chunkBytes) {
          await put(pending.subarray(0, this.chunkBytes));
          pending = pending.subarray(this.chunkBytes);
        }
      }
      if (pending.length > 0) await put(pending);
      return true;
    });
  }

  async delete(which: { ids?: readonly string[]; finishedBefore?: string }): Promise<string[]> {
    // The results go with the job (ON DELETE CASCADE).
    const { rows } = await this.query<{ id: string }>(
      `DELETE FROM hub_screening_jobs WHERE status <> 'running'
         AND (id = ANY($1::text[]) OR finished_at < $2) RETURNING id`,
      [[...(which.ids ?? [])], which.finishedBefore ?? null],
    );
    return rows.map((r) => r.id);
  }

  async close(): Promise<void> {
    await this.heartbeats.stop();
    await this.pool.end();
  }
}
