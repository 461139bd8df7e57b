import { createReadStream, createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import type { Agency } from '@hub/domain';
import type { ScreenedLines, ScreeningSummary } from './screen-roster.js';
import { writeScreenedLines } from './write-results.js';

export interface ScreeningJob {
  id: string;
  agency: Agency;
  purpose: string;
  caseId?: string;
  status: 'running' | 'done' | 'failed';
  rows: number;
  rejectedRows: number;
  negativeRows: number;
  anomalies: number;
  byResult: ScreeningSummary['byResult'];
  startedAt: string;
  finishedAt?: string;
  error?: string;
}

interface JobRow {
  id: string;
  agency: string;
  purpose: string;
  case_id: string | null;
  status: ScreeningJob['status'];
  summary: string;
  started_at: string;
  finished_at: string | null;
  error: string | null;
}

const EMPTY: ScreeningSummary = {
  rows: 0,
  rejectedRows: 0,
  negativeRows: 0,
  anomalies: 0,
  byResult: {},
};

/**
 * Screening jobs: their state in the hub database, their per-row results as JSON lines in
 * the data directory (a million rows do not belong in a table row). A job that was running
 * when the hub stopped is marked failed on start, with the reason, never left "running".
 */
export class ScreeningJobs {
  private readonly db: Database.Database;

  constructor(
    filename: string,
    private readonly resultsDir: string,
  ) {
    mkdirSync(resultsDir, { recursive: true });
    this.db = new Database(filename);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS screening_jobs (
      id TEXT PRIMARY KEY, agency TEXT NOT NULL, purpose TEXT NOT NULL, case_id TEXT,
      status TEXT NOT NULL, summary TEXT NOT NULL, started_at TEXT NOT NULL,
      finished_at TEXT, error TEXT)`);
    this.db
      .prepare(
        `UPDATE screening_jobs SET status = 'failed', error = 'the hub stopped during the screening; submit it again', finished_at = ? WHERE status = 'running'`,
      )
      .run(new Date().toISOString());
  }

  get(id: string): ScreeningJob | undefined {
    const row = this.db
      .prepare<[string], JobRow>('SELECT * FROM screening_jobs WHERE id = ?')
      .get(id);
    if (!row) return undefined;
    const summary = JSON.parse(row.summary) as ScreeningSummary;
    return {
      id: row.id,
      agency: row.agency as Agency,
      purpose: row.purpose,
      ...(row.case_id ? { caseId: row.case_id } : {}),
      status: row.status,
      ...summary,
      startedAt: row.started_at,
      ...(row.finished_at ? { finishedAt: row.finished_at } : {}),
      ...(row.error ? { error: row.error } : {}),
    };
  }

  /** Creates the job unless one with this id exists (a retried request); true when created. */
  create(job: { id: string; agency: Agency; purpose: string; caseId?: string }): boolean {
    const result = this.db
      .prepare(
        `INSERT OR IGNORE INTO screening_jobs (id, agency, purpose, case_id, status, summary, started_at) VALUES (?, ?, ?, ?, 'running', ?, ?)`,
      )
      .run(
        job.id,
        job.agency,
        job.purpose,
        job.caseId ?? null,
        JSON.stringify(EMPTY),
        new Date().toISOString(),
      );
    return result.changes === 1;
  }

  progress(id: string, summary: ScreeningSummary): void {
    this.db
      .prepare('UPDATE screening_jobs SET summary = ? WHERE id = ?')
      .run(JSON.stringify(summary), id);
  }

  /** Ends a job; a failed job keeps no results (they may be partial or not on record). */
  finish(id: string, summary: ScreeningSummary, error?: string): void {
    if (error) rmSync(this.resultsFile(id), { force: true });
    this.db
      .prepare(
        'UPDATE screening_jobs SET status = ?, summary = ?, finished_at = ?, error = ? WHERE id = ?',
      )
      .run(
        error ? 'failed' : 'done',
        JSON.stringify(summary),
        new Date().toISOString(),
        error ?? null,
        id,
      );
  }

  resultsFile(id: string): string {
    return join(this.resultsDir, `${id}.jsonl`);
  }

  /** Streams the screened rows (JSON lines) into the job's results file, updating progress. */
  async writeResults(
    id: string,
    rows: AsyncGenerator<ScreenedLines, ScreeningSummary>,
  ): Promise<ScreeningSummary> {
    const out = createWriteStream(this.resultsFile(id));
    let reported = 0;
    try {
      return await writeScreenedLines(rows, out, (written) => {
        if (written - reported < 10_000) return;
        reported = written;
        this.progress(id, { ...EMPTY, rows: written });
      });
    } finally {
      out.end();
      await once(out, 'finish');
    }
  }

  readResults(id: string): Readable {
    return createReadStream(this.resultsFile(id));
  }

  close(): void {
    this.db.close();
  }
}
