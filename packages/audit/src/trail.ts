import { randomUUID } from 'node:crypto';
import { withoutIdNumbers } from './chain.js';
import type { AuditLog, AuditPage, AuditPageRequest, AuditQuery } from './port.js';
import { SqliteAuditLog } from './sqlite/sqlite-audit-log.js';
import type { AuditBody, AuditEntry, AuditRecord } from './record.js';

/** How services record: buffered for reads and exports, at once for openings of personal data. */
export interface AuditRecorder {
  /** An in-memory push; written within about `flushMs`, with others, in one transaction. */
  record(entry: AuditEntry): void;
  /**
   * Written, with everything buffered before it, and durable before this resolves: for an
   * access that opens personal data, whose value may be given only once it is on the record.
   * Rejects with AuditUnavailableError when it cannot be written.
   */
  recordNow(entry: AuditEntry): Promise<AuditRecord>;
}

export interface AuditReader {
  /** Newest first; what was recorded before the call is included. */
  query(query: AuditQuery, page: AuditPageRequest): Promise<AuditPage>;
}

export type Audit = AuditRecorder & AuditReader;

/** The audit record of an access could not be written: the access is not carried out. */
export class AuditUnavailableError extends Error {
  readonly code = 'AUDIT_UNAVAILABLE';
}

export interface AuditTrailOptions {
  /** Longest wait before buffered records are written (default 100 ms). */
  flushMs?: number;
  /** Buffered records written at once, whatever the wait (default 256). */
  batchSize?: number;
  /** Records kept for a retry while the log cannot be written; older ones are lost past it. */
  maxBuffered?: number;
  now?: () => Date;
  newId?: () => string;
  /** A write that failed (records are kept and retried), or records lost; never thrown. */
  onError?: (error: unknown, detail: { pending: number; lost: number }) => void;
}

const RETRY_MS = 1000;

/**
 * The one writer in front of the audit log. A GraphQL ledger page or an export pays only an
 * in-memory push; a timer writes what gathered in one transaction. Writes are serialised, so
 * records reach the chain in the order they were recorded.
 */
export class AuditTrail implements Audit {
  private buffer: AuditBody[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly flushMs: number;
  private readonly batchSize: number;
  private readonly maxBuffered: number;
  private readonly now: () => Date;
  private readonly newId: () => string;

  constructor(
    private readonly log: AuditLog,
    private readonly options: AuditTrailOptions = {},
  ) {
    this.flushMs = options.flushMs ?? 100;
    this.batchSize = options.batchSize ?? 256;
    this.maxBuffered = options.maxBuffered ?? 100_000;
    this.now = options.now ?? (() => new Date());
    this.newId = options.newId ?? randomUUID;
  }

  /** Records waiting to be written. */
  get pending(): number {
    return this.buffer.length;
  }

  record(entry: AuditEntry): void {
    const body = this.bodyOf(entry);
    if (this.closed) {
      this.report(new Error(`audit trail closed: a ${entry.action} record was lost`), 1);
      return;
    }
    this.buffer.push(body);
    if (this.buffer.length >= this.batchSize) void this.flush();
    else this.schedule(this.flushMs);
  }

  async recordNow(entry: AuditEntry): Promise<AuditRecord> {
    const body = this.bodyOf(entry);
    const run = this.writing.then(async () => {
      const earlier = this.buffer.splice(0);
      try {
        const stored = await this.log.append([...earlier, body]);
        return stored[stored.length - 1]!;
      } catch (error) {
        this.buffer.unshift(...earlier);
        this.schedule(RETRY_MS);
        throw new AuditUnavailableError(
          `审计记录无法写入，本次访问未予执行 / the audit record could not be written, so the access was not carried out: ${(error as Error).message}`,
          { cause: error },
        );
      }
    });
    // The caller gets the failure; the queue of writes goes on after it.
    this.writing = run.catch(() => undefined);
    return run;
  }

  /** Writes what is buffered; failures go to onError and the records stay for a retry. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const run = this.writing.then(() => this.writeBuffered());
    this.writing = run;
    return run;
  }

  async query(query: AuditQuery, page: AuditPageRequest): Promise<AuditPage> {
    await this.flush();
    return this.log.query(query, page);
  }

  /** Writes what is left (graceful shutdown); the log itself is closed by its owner. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length > 0) {
      const lost = this.buffer.length;
      this.buffer = [];
      this.report(
        new Error(
          `${lost} 条审计记录在停止前未能写入 / ${lost} audit records could not be written before shutdown`,
        ),
        lost,
      );
    }
  }

  private async writeBuffered(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.batchSize);
      try {
        await this.log.append(batch, { durable: false });
      } catch (error) {
        this.buffer.unshift(...batch);
        const lost = Math.max(0, this.buffer.length - this.maxBuffered);
        if (lost > 0) this.buffer.splice(0, lost);
        this.report(error, lost);
        if (!this.closed) this.schedule(RETRY_MS);
        return;
      }
    }
  }

  private schedule(ms: number): void {
    if (this.timer) return;
    // Unreferenced: a timer alone must not keep a finished command alive (close() flushes).
    this.timer = setTimeout(() => void this.flush(), ms);
    this.timer.unref();
  }

  private report(error: unknown, lost: number): void {
    this.options.onError?.(error, { pending: this.buffer.length, lost });
  }

  private bodyOf(entry: AuditEntry): AuditBody {
    return withoutIdNumbers({
      id: this.newId(),
      at: new Date(entry.at ?? this.now()).toISOString(),
      actor: entry.actor,
      action: entry.action,
      ...(entry.purpose !== undefined ? { purpose: entry.purpose } : {}),
      ...(entry.caseId !== undefined ? { caseId: entry.caseId } : {}),
      subject: entry.subject ?? {},
      from: entry.from ?? {},
      result: entry.result,
    });
  }
}

/** A trail over a log in memory: for tests and one-off tools that keep nothing. */
export function memoryAuditTrail(options: AuditTrailOptions = {}): AuditTrail {
  return new AuditTrail(new SqliteAuditLog(':memory:', { alg: 'sha256' }), options);
}
