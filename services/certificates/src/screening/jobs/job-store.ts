import type { Readable } from 'node:stream';
import type { Agency } from '@hub/domain';
import type { ScreenedLines, ScreeningSummary } from '../screen-roster.js';

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

export interface NewScreeningJob {
  id: string;
  agency: Agency;
  purpose: string;
  caseId?: string;
}

/**
 * Where screening jobs and their per-row results are kept: hub.db and files in embedded mode,
 * PostgreSQL in server mode. A job belongs to the process that created it; that process
 * refreshes its heartbeat while it works, and only it may progress or finish the job.
 */
export interface ScreeningJobStore {
  /** Creates the job, owned by this process, unless one with this id exists (a retry): true when created. */
  create(job: NewScreeningJob): Promise<boolean>;
  /** The job; a running job whose owner stopped (see `abandoned`) is failed first and read so. */
  get(id: string): Promise<ScreeningJob | undefined>;
  /** Throws ScreeningJobLostError when this process no longer owns the running job. */
  progress(id: string, summary: ScreeningSummary): Promise<void>;
  /**
   * Ends a job this process owns; a failed job keeps no results. False, with the results
   * dropped, when the job was no longer this process's (declared failed meanwhile).
   */
  finish(id: string, summary: ScreeningSummary, error?: string): Promise<boolean>;
  /** Streams the screened rows (JSON lines) into the job's results, reporting progress. */
  writeResults(
    id: string,
    rows: AsyncGenerator<ScreenedLines, ScreeningSummary>,
  ): Promise<ScreeningSummary>;
  /** The results as written, streamed (empty when the job has none). */
  readResults(id: string): Promise<Readable>;
  /**
   * Deletes finished (done or failed) jobs with their results, those named or finished before
   * an instant (ISO, UTC), when their purpose is served; running jobs are left. The ids deleted.
   */
  delete(which: { ids?: readonly string[]; finishedBefore?: string }): Promise<string[]>;
  close(): Promise<void>;
}

export interface JobStoreOptions {
  /** This process among all that share the store (default: a random id per store). */
  instanceId?: string;
  /**
   * A name only one live process holds at a time (the embedded hub's data-directory lock):
   * running jobs another instance under this name left behind are this process's own before
   * a restart, and are failed at once. Unset in server mode: only a stale heartbeat counts.
   */
  node?: string;
  /** How often the owner refreshes the heartbeat of its running jobs (default 5 s). */
  heartbeatMs?: number;
  /** A running job whose heartbeat is older than this is failed (default 30 s). */
  staleMs?: number;
  /**
   * The clock (ms) for times shown and, when given, for heartbeats (the tests' clock). Unset,
   * the PostgreSQL store writes and judges heartbeats by the database's clock, which every
   * process shares whatever its machine's clock says.
   */
  now?: () => number;
  /** A heartbeat that could not be written (the next one tries again). */
  onError?: (error: unknown) => void;
}

export const HEARTBEAT_MS = 5_000;
export const STALE_MS = 30_000;
/** Progress is written every so many rows (it refreshes the heartbeat too). */
export const PROGRESS_EVERY = 10_000;

export const OWNER_STOPPED =
  '处理该比对的进程已停止，请重新提交 / the process running this screening stopped; submit it again';

/** This process no longer owns the job: it was declared failed (a stale heartbeat) meanwhile. */
export class ScreeningJobLostError extends Error {
  readonly code = 'SCREENING_JOB_LOST';
  constructor(id: string) {
    super(
      `比对 ${id} 已不归本进程处理（已被判定为失败），结果不予保存 / screening ${id} is no longer this process's (it was declared failed); its results are not kept`,
    );
  }
}

export const EMPTY_SUMMARY: ScreeningSummary = {
  rows: 0,
  rejectedRows: 0,
  negativeRows: 0,
  anomalies: 0,
  byResult: {},
};

/** A job's row as both adapters store it. */
export interface JobRow {
  id: string;
  agency: string;
  purpose: string;
  case_id: string | null;
  status: ScreeningJob['status'];
  summary: string;
  started_at: string;
  finished_at: string | null;
  error: string | null;
  owner: string | null;
}

export function jobOfRow(row: JobRow): ScreeningJob {
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

/** Who owns a running job and when it last showed life, as stored. */
export interface Ownership {
  status: ScreeningJob['status'];
  owner: string | null;
  ownerNode: string | null;
  heartbeatAt: number | null;
}

/**
 * The one rule by which a process declares a running job failed: its heartbeat is stale
 * (or missing, a job from before heartbeats), or its owner is an earlier run of this very
 * process (the same node, another instance). Never because some other process is alive.
 */
export function abandoned(
  job: Ownership,
  me: { instanceId: string; node?: string },
  now: number,
  staleMs: number,
): boolean {
  if (job.status !== 'running') return false;
  if (me.node !== undefined && job.ownerNode === me.node && job.owner !== me.instanceId)
    return true;
  return job.heartbeatAt === null || now - job.heartbeatAt > staleMs;
}

/**
 * The same rule as SQL over `status`, `owner`, `owner_node`, `heartbeat_at`; the parameters
 * are named by the caller's placeholders (cutoff = now - staleMs).
 */
export function abandonedSql(p: { cutoff: string; node: string; me: string }): string {
  return `status = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < ${p.cutoff}
    OR (owner_node = ${p.node} AND owner <> ${p.me}))`;
}

/** Refreshes, from a timer, the heartbeat of the jobs this process owns while it has any. */
export class Heartbeats {
  private readonly owned = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> = Promise.resolve();

  constructor(
    private readonly everyMs: number,
    private readonly beat: (ids: string[]) => Promise<void> | void,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  add(id: string): void {
    this.owned.add(id);
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.beating = Promise.resolve()
        .then(() => this.beat([...this.owned]))
        .catch(this.onError);
    }, this.everyMs);
    // The heartbeat alone must not keep a process alive that has nothing else to do.
    this.timer.unref();
  }

  delete(id: string): void {
    this.owned.delete(id);
    if (this.owned.size > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.owned.clear();
    await this.beating;
  }
}
