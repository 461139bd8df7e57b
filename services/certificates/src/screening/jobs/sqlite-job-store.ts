import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import type { ScreenedLines, ScreeningSummary } from '../screen-roster.js';
import { writeScreenedLines } from '../write-results.js';
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

const OWNER_COLUMNS = [
  ['owner', 'TEXT'],
  ['owner_node', 'TEXT'],
  ['heartbeat_at', 'INTEGER'],
] as const;

const ABANDONED = abandonedSql({ cutoff: '@cutoff', node: '@node', me: '@me' });

/**
 * Screening jobs of an embedded hub: their state in hub.db, their per-row results as JSON
 * lines in the data directory (a million rows do not belong in a table row). One process per
 * data directory holds the lock and passes it as `node`, so jobs an earlier run left running
 * are failed when it starts, by the same rule as in server mode.
 */
export class SqliteScreeningJobStore implements ScreeningJobStore {
  private readonly db: Database.Database;
  private readonly instanceId: string;
  private readonly node: string | null;
  private readonly staleMs: number;
  private readonly now: () => number;
  private readonly heartbeats: Heartbeats;

  constructor(
    filename: string,
    private readonly resultsDir: string,
    options: JobStoreOptions = {},
  ) {
    this.instanceId = options.instanceId ?? randomUUID();
    this.node = options.node ?? null;
    this.staleMs = options.staleMs ?? STALE_MS;
    this.now = options.now ?? Date.now;
    mkdirSync(resultsDir, { recursive: true });
    this.db = new Database(filename);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS screening_jobs (
      id TEXT PRIMARY KEY, agency TEXT NOT NULL, purpose TEXT NOT NULL, case_id TEXT,
      status TEXT NOT NULL, summary TEXT NOT NULL, started_at TEXT NOT NULL,
      finished_at TEXT, error TEXT)`);
    // hub.db files from before owners and heartbeats: their running jobs have none, so are stale.
    // Under the write lock, read again: another process opening the file may have added them.
    const missing = () => {
      const columns = new Set(
        this.db
          .prepare<[], { name: string }>('PRAGMA table_info(screening_jobs)')
          .all()
          .map((c) => c.name),
      );
      return OWNER_COLUMNS.filter(([name]) => !columns.has(name));
    };
    if (missing().length > 0)
      this.db
        .transaction(() => {
          for (const [name, type] of missing())
            this.db.exec(`ALTER TABLE screening_jobs ADD COLUMN ${name} ${type}`);
        })
        .immediate();
    this.heartbeats = new Heartbeats(
      options.heartbeatMs ?? HEARTBEAT_MS,
      () => {
        this.db
          .prepare(
            `UPDATE screening_jobs SET heartbeat_at = ? WHERE owner = ? AND status = 'running'`,
          )
          .run(this.now(), this.instanceId);
      },
      options.onError,
    );
    this.failAbandoned();
  }

  /** Fails the abandoned running jobs (one, or all), dropping whatever results they left. */
  private failAbandoned(id?: string): void {
    const now = this.now();
    const failed = this.db
      .prepare<Record<string, unknown>, { id: string }>(
        `UPDATE screening_jobs SET status = 'failed', error = @error, finished_at = @at
         WHERE ${ABANDONED} ${id === undefined ? '' : 'AND id = @id'} RETURNING id`,
      )
      .all({
        error: OWNER_STOPPED,
        at: new Date(now).toISOString(),
        cutoff: now - this.staleMs,
        node: this.node,
        me: this.instanceId,
        ...(id === undefined ? {} : { id }),
      });
    for (const job of failed) rmSync(this.resultsFile(job.id), { force: true });
  }

  async get(id: string): Promise<ScreeningJob | undefined> {
    this.failAbandoned(id);
    const row = this.db
      .prepare<[string], JobRow>('SELECT * FROM screening_jobs WHERE id = ?')
      .get(id);
    return row ? jobOfRow(row) : undefined;
  }

  async create(job: NewScreeningJob): Promise<boolean> {
    const now = this.now();
    const result = this.db
      .prepare(
        `INSERT OR IGNORE INTO screening_jobs (id, agency, purpose, case_id, status, summary,
           started_at, owner, owner_node, heartbeat_at) VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)`,
      )
      .run(
        job.id,
        job.agency,
        job.purpose,
        job.caseId ?? null,
        JSON.stringify(EMPTY_SUMMARY),
        new Date(now).toISOString(),
        this.instanceId,
        this.node,
        now,
      );
    if (result.changes !== 1) return false;
    this.heartbeats.add(job.id);
    return true;
  }

  async progress(id: string, summary: ScreeningSummary): Promise<void> {
    this.progressNow(id, summary);
  }

  private progressNow(id: string, summary: ScreeningSummary): void {
    const changed = this.db
      .prepare(
        `UPDATE screening_jobs SET summary = ?, heartbeat_at = ?
         WHERE id = ? AND owner = ? AND status = 'running'`,
      )
      .run(JSON.stringify(summary), this.now(), id, this.instanceId).changes;
    if (changed === 0) throw new ScreeningJobLostError(id);
  }

  async finish(id: string, summary: ScreeningSummary, error?: string): Promise<boolean> {
    this.heartbeats.delete(id);
    if (error) rmSync(this.resultsFile(id), { force: true });
    const changed = this.db
      .prepare(
        `UPDATE screening_jobs SET status = ?, summary = ?, finished_at = ?, error = ?
         WHERE id = ? AND owner = ? AND status = 'running'`,
      )
      .run(
        error ? 'failed' : 'done',
        JSON.stringify(summary),
        new Date(this.now()).toISOString(),
        error ?? null,
        id,
        this.instanceId,
      ).changes;
    if (changed === 1) return true;
    const row = this.db
      .prepare<[string], JobRow>('SELECT * FROM screening_jobs WHERE id = ?')
      .get(id);
    // The same finish again (a retry) stands; results of a job declared failed meanwhile go.
    if (row?.owner === this.instanceId && row.status === (error ? 'failed' : 'done')) return true;
    if (row?.status !== 'done') rmSync(this.resultsFile(id), { force: true });
    return false;
  }

  private resultsFile(id: string): string {
    return join(this.resultsDir, `${id}.jsonl`);
  }

  async writeResults(
    id: string,
    rows: AsyncGenerator<ScreenedLines, ScreeningSummary>,
  ): Promise<ScreeningSummary> {
    const out = createWriteStream(this.resultsFile(id));
    let reported = 0;
    try {
      return await writeScreenedLines(rows, out, (written) => {
        if (written - reported < PROGRESS_EVERY) return;
        reported = written;
        this.progressNow(id, { ...EMPTY_SUMMARY, rows: written });
      });
    } finally {
      out.end();
      await once(out, 'finish');
    }
  }

  async readResults(id: string): Promise<Readable> {
    const file = this.resultsFile(id);
    return existsSync(file) ? createReadStream(file) : Readable.from([]);
  }

  /**
   * Finished jobs (done or failed) as kept here, with their results (done ones only), for
   * `hub migrate to-postgres`; and how many are still marked running (not moved).
   */
  finishedForMove(): { jobs: Array<{ row: JobRow; results?: () => Readable }>; running: number } {
    const rows = this.db
      .prepare<[], JobRow>(
        `SELECT * FROM screening_jobs WHERE status <> 'running' ORDER BY started_at, id`,
      )
      .all();
    const running = this.db
      .prepare<[], { n: number }>(
        `SELECT count(*) AS n FROM screening_jobs WHERE status = 'running'`,
      )
      .get()!.n;
    return {
      jobs: rows.map((row) => {
        const file = this.resultsFile(row.id);
        return row.status === 'done' && existsSync(file)
          ? { row, results: () => createReadStream(file) }
          : { row };
      }),
      running,
    };
  }

  async delete(which: { ids?: readonly string[]; finishedBefore?: string }): Promise<string[]> {
    const deleted = this.db
      .prepare<{ ids: string; before: string | null }, { id: string }>(
        `DELETE FROM screening_jobs WHERE status <> 'running'
           AND (id IN (SELECT value FROM json_each(@ids)) OR finished_at < @before)
         RETURNING id`,
      )
      .all({ ids: JSON.stringify(which.ids ?? []), before: which.finishedBefore ?? null })
      .map((r) => r.id);
    for (const id of deleted) rmSync(this.resultsFile(id), { force: true });
    return deleted;
  }

  async close(): Promise<void> {
    await this.heartbeats.stop();
    this.db.close();
  }
}
