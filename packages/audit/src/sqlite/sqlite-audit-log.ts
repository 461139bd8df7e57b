import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { HashAlg } from '@hub/crypto';
import { chainBodies, recordOf } from '../chain.js';
import {
  conditionsOf,
  pageThrough,
  type AuditAnchor,
  type AuditLog,
  type AuditPage,
  type AuditPageRequest,
  type AuditQuery,
  type PurgeRequest,
  type PurgeResult,
  type StoredAuditRow,
} from '../port.js';
import type { AuditBody, AuditRecord } from '../record.js';
import { checkRetention } from '../retention.js';
import { builtWorkerScript, type AppendReply } from './thread-messages.js';

interface Row {
  seq: number;
  hash: string;
  document: string;
  id: string;
  at: string;
  action: string;
  actor_id: string;
  agency: string | null;
  holder_key: string | null;
  registry_key: string | null;
  purpose: string | null;
  outcome: string;
}

interface AnchorRow {
  through_seq: number;
  hash: string;
  count: number;
  total_count: number;
  purged_before: string;
  purged_at: string;
  retention_days: number;
}

/** Versioned schema migrations: an installed hub upgrades in place, never rebuilding its audit. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE audit_log (
     seq INTEGER PRIMARY KEY, hash TEXT NOT NULL, document TEXT NOT NULL,
     id TEXT NOT NULL UNIQUE, at TEXT NOT NULL, action TEXT NOT NULL, actor_id TEXT NOT NULL,
     agency TEXT, holder_key TEXT, registry_key TEXT, purpose TEXT, outcome TEXT NOT NULL);
   CREATE INDEX audit_log_at ON audit_log (at);
   CREATE INDEX audit_log_holder ON audit_log (holder_key, seq) WHERE holder_key IS NOT NULL;
   CREATE INDEX audit_log_registry ON audit_log (registry_key, seq) WHERE registry_key IS NOT NULL;
   CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);
   CREATE INDEX audit_log_action ON audit_log (action, seq);
   CREATE TABLE audit_anchors (
     through_seq INTEGER PRIMARY KEY, hash TEXT NOT NULL, count INTEGER NOT NULL,
     total_count INTEGER NOT NULL, purged_before TEXT NOT NULL, purged_at TEXT NOT NULL,
     retention_days INTEGER NOT NULL);`,
];

/**
 * The audit log in one SQLite file of the data directory (`audit.db`): hub state, never
 * rebuilt from anything, so it lives apart from the read models. WAL; durable appends commit
 * with synchronous=FULL, so a record written for an unmasking is on disk before the value is
 * opened. Appends take the write lock first (BEGIN IMMEDIATE), so the hub and a command
 * beside it keep one chain.
 */
export class SqliteAuditLog implements AuditLog {
  private readonly db: Database.Database;
  readonly alg: HashAlg;
  private durable = true;

  /** Appends go to a thread of its own, which canonicalises, hashes and commits them. */
  private readonly writer: AuditWriterThread | undefined;

  constructor(filename: string, options: { alg: HashAlg; writerThread?: boolean }) {
    this.alg = options.alg;
    this.db = new Database(filename);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    if (options.writerThread) this.writer = new AuditWriterThread(filename, options.alg);
  }

  private migrate(): void {
    this.db
      .transaction(() => {
        const version = this.db.pragma('user_version', { simple: true }) as number;
        for (let v = version; v < MIGRATIONS.length; v++) this.db.exec(MIGRATIONS[v]!);
        if (version < MIGRATIONS.length) this.db.pragma(`user_version = ${MIGRATIONS.length}`);
      })
      .immediate();
  }

  async append(
    bodies: readonly AuditBody[],
    options: { durable?: boolean } = {},
  ): Promise<AuditRecord[]> {
    if (bodies.length === 0) return [];
    if (this.writer) return this.writer.append(bodies, options.durable ?? true);
    // In WAL mode NORMAL commits without a sync; the next FULL commit syncs the log file,
    // earlier frames included. Buffered reads then cost the event loop no fsync.
    const durable = options.durable ?? true;
    if (durable !== this.durable) {
      this.db.pragma(`synchronous = ${durable ? 'FULL' : 'NORMAL'}`);
      this.durable = durable;
    }
    const insert = this.db.prepare(
      `INSERT INTO audit_log (seq, hash, document, id, at, action, actor_id, agency, holder_key,
         registry_key, purpose, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const rows = this.db
      .transaction(() => {
        const chained = chainBodies(this.alg, this.head(), bodies);
        for (const { seq, hash, document, columns: c } of chained)
          insert.run(
            seq,
            hash,
            document,
            c.id,
            c.at,
            c.action,
            c.actorId,
            c.agency,
            c.holderKey,
            c.registryKey,
            c.purpose,
            c.outcome,
          );
        return chained;
      })
      .immediate();
    return rows.map(recordOf);
  }

  /** The last record, or after a purge of everything, the anchor: what the next one chains on. */
  private head(): { seq: number; hash: string | undefined } {
    const last = this.db
      .prepare<[], { seq: number; hash: string }>(
        'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
      )
      .get();
    if (last) return last;
    const anchor = this.db
      .prepare<[], { seq: number; hash: string }>(
        'SELECT through_seq AS seq, hash FROM audit_anchors ORDER BY through_seq DESC LIMIT 1',
      )
      .get();
    return anchor ?? { seq: 0, hash: undefined };
  }

  async query(query: AuditQuery, page: AuditPageRequest): Promise<AuditPage> {
    const { sql, params } = conditionsOf(query, (column) => `instr(${column}, ?) > 0`);
    return pageThrough(
      async (before, limit) => {
        const where = [...sql, ...(before === undefined ? [] : ['seq < ?'])];
        return this.db
          .prepare<unknown[], Row>(
            `SELECT seq, hash, document FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
             ORDER BY seq DESC LIMIT ?`,
          )
          .all(...params, ...(before === undefined ? [] : [before]), limit)
          .map(recordOf);
      },
      query.scope,
      page,
    );
  }

  async purge(request: PurgeRequest): Promise<PurgeResult> {
    checkRetention(request.before, request.now, request.retentionDays);
    const before = new Date(request.before).toISOString();
    return this.db
      .transaction((): PurgeResult => {
        // Only a prefix of the chain goes: up to the first record that must stay.
        const seqOf = (sql: string, ...args: string[]) =>
          this.db.prepare<string[], { seq: number | null }>(sql).get(...args)?.seq ?? null;
        const firstKept = seqOf('SELECT min(seq) AS seq FROM audit_log WHERE at >= ?', before);
        const last =
          firstKept === null ? seqOf('SELECT max(seq) AS seq FROM audit_log') : firstKept - 1;
        const lastRow =
          last === null
            ? undefined
            : this.db
                .prepare<[number], { seq: number; hash: string }>(
                  'SELECT seq, hash FROM audit_log WHERE seq <= ? ORDER BY seq DESC LIMIT 1',
                )
                .get(last);
        if (!lastRow) return { purged: 0 };
        const previous = this.db
          .prepare<[], { total: number | null }>(
            'SELECT max(total_count) AS total FROM audit_anchors',
          )
          .get()?.total;
        const count = this.db
          .prepare('DELETE FROM audit_log WHERE seq <= ?')
          .run(lastRow.seq).changes;
        const anchor: AuditAnchor = {
          throughSeq: lastRow.seq,
          hash: lastRow.hash,
          count,
          totalCount: (previous ?? 0) + count,
          before,
          purgedAt: request.now.toISOString(),
          retentionDays: request.retentionDays,
        };
        this.db
          .prepare('INSERT INTO audit_anchors VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(
            anchor.throughSeq,
            anchor.hash,
            anchor.count,
            anchor.totalCount,
            anchor.before,
            anchor.purgedAt,
            anchor.retentionDays,
          );
        return { purged: count, anchor };
      })
      .immediate();
  }

  async readRows(afterSeq: number, limit: number): Promise<StoredAuditRow[]> {
    return this.db
      .prepare<[number, number], Row>('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?')
      .all(afterSeq, limit)
      .map((r) => ({
        seq: r.seq,
        hash: r.hash,
        document: r.document,
        columns: {
          id: r.id,
          at: r.at,
          action: r.action,
          actorId: r.actor_id,
          agency: r.agency,
          holderKey: r.holder_key,
          registryKey: r.registry_key,
          purpose: r.purpose,
          outcome: r.outcome,
        },
      }));
  }

  async anchors(): Promise<AuditAnchor[]> {
    return this.db
      .prepare<[], AnchorRow>('SELECT * FROM audit_anchors ORDER BY through_seq')
      .all()
      .map((a) => ({
        throughSeq: a.through_seq,
        hash: a.hash,
        count: a.count,
        totalCount: a.total_count,
        before: a.purged_before,
        purgedAt: a.purged_at,
        retentionDays: a.retention_days,
      }));
  }

  async close(): Promise<void> {
    await this.writer?.close();
    this.db.close();
  }
}

/**
 * The main thread's end of the writer thread: requests are applied in the order sent, each
 * answering once its transaction has committed or failed. The main thread pays a message.
 */
class AuditWriterThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<
    number,
    { resolve: (records: AuditRecord[]) => void; reject: (e: Error) => void }
  >();
  private nextId = 0;
  private failed: Error | undefined;

  constructor(filename: string, alg: HashAlg) {
    this.worker = new Worker(
      builtWorkerScript(new URL('./audit-writer-thread.js', import.meta.url)),
      { workerData: { filename, alg } },
    );
    this.worker.on('message', (reply: AppendReply) => {
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (reply.error)
        waiter?.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
      else waiter?.resolve(reply.records ?? []);
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`audit writer thread exited (${code})`)));
  }

  private fail(error: Error): void {
    this.failed ??= error;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }

  private send(message: object): Promise<AuditRecord[]> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id });
    });
  }

  append(bodies: readonly AuditBody[], durable: boolean): Promise<AuditRecord[]> {
    return this.send({ bodies, durable });
  }

  async close(): Promise<void> {
    if (!this.failed) await this.send({ close: true });
    await this.worker.terminate();
  }
}
