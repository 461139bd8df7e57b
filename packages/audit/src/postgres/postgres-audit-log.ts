import type pg from 'pg';
import { inTransaction, openSchemaPool } from '@hub/postgres-schema';
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

/** Versioned schema migrations, applied in order under an advisory lock. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE audit_log (
     seq BIGINT PRIMARY KEY, hash TEXT NOT NULL, document TEXT NOT NULL,
     id TEXT NOT NULL UNIQUE, at TEXT NOT NULL, action TEXT NOT NULL, actor_id TEXT NOT NULL,
     agency TEXT, holder_key TEXT, registry_key TEXT, purpose TEXT, outcome TEXT NOT NULL);
   CREATE INDEX audit_log_at ON audit_log (at);
   CREATE INDEX audit_log_holder ON audit_log (holder_key, seq) WHERE holder_key IS NOT NULL;
   CREATE INDEX audit_log_registry ON audit_log (registry_key, seq) WHERE registry_key IS NOT NULL;
   CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);
   CREATE INDEX audit_log_action ON audit_log (action, seq);
   CREATE TABLE audit_anchors (
     through_seq BIGINT PRIMARY KEY, hash TEXT NOT NULL, count BIGINT NOT NULL,
     total_count BIGINT NOT NULL, purged_before TEXT NOT NULL, purged_at TEXT NOT NULL,
     retention_days INTEGER NOT NULL);`,
];

/** An arbitrary constant: the advisory lock that serialises migrations of the audit schema. */
const MIGRATION_LOCK = 72_815_001;

interface Row {
  seq: string;
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

export interface PostgresAuditLogOptions {
  connectionString: string;
  alg: HashAlg;
  /** A schema of its own (created if missing): tests and tenants side by side. */
  schema?: string;
}

/**
 * The audit log in PostgreSQL, for hubs that share one server. Appends lock the log table
 * (SHARE ROW EXCLUSIVE: readers go on, other appends wait), so several hub processes keep
 * one chain.
 */
export class PostgresAuditLog implements AuditLog {
  private readonly pool: pg.Pool;
  private readonly ready: Promise<void>;
  readonly alg: HashAlg;

  constructor(options: PostgresAuditLogOptions) {
    this.alg = options.alg;
    ({ pool: this.pool, ready: this.ready } = openSchemaPool({
      connectionString: options.connectionString,
      schema: options.schema,
      max: 4,
      migrations: { versionTable: 'audit_schema', lock: MIGRATION_LOCK, steps: MIGRATIONS },
    }));
  }

  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    await this.ready;
    return inTransaction(this.pool, work);
  }

  async append(
    bodies: readonly AuditBody[],
    options: { durable?: boolean } = {},
  ): Promise<AuditRecord[]> {
    if (bodies.length === 0) return [];
    const rows = await this.transaction(async (client) => {
      // Buffered reads need not wait for the WAL flush; openings do (the server's default).
      if (options.durable === false) await client.query('SET LOCAL synchronous_commit = off');
      await client.query('LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE');
      const chained = chainBodies(this.alg, await this.head(client), bodies);
      const values: unknown[] = [];
      const tuples = chained.map(({ seq, hash, document, columns: c }, i) => {
        values.push(
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
        return `(${Array.from({ length: 12 }, (_, j) => `$${i * 12 + j + 1}`).join(', ')})`;
      });
      await client.query(
        `INSERT INTO audit_log (seq, hash, document, id, at, action, actor_id, agency, holder_key,
           registry_key, purpose, outcome) VALUES ${tuples.join(', ')}`,
        values,
      );
      return chained;
    });
    return rows.map(recordOf);
  }

  private async head(client: pg.PoolClient): Promise<{ seq: number; hash: string | undefined }> {
    const last = await client.query<{ seq: string; hash: string }>(
      `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`,
    );
    const row =
      last.rows[0] ??
      (
        await client.query<{ seq: string; hash: string }>(
          'SELECT through_seq AS seq, hash FROM audit_anchors ORDER BY through_seq DESC LIMIT 1',
        )
      ).rows[0];
    return row ? { seq: Number(row.seq), hash: row.hash } : { seq: 0, hash: undefined };
  }

  async query(query: AuditQuery, page: AuditPageRequest): Promise<AuditPage> {
    await this.ready;
    const { sql, params } = conditionsOf(query, (column) => `strpos(${column}, ?) > 0`);
    return pageThrough(
      async (before, limit) => {
        const where = [...sql, ...(before === undefined ? [] : ['seq < ?'])];
        let n = 0;
        const text = `SELECT seq, hash, document FROM audit_log
          ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`.replace(
          /\?/g,
          () => `$${++n}`,
        );
        const { rows } = await this.pool.query<Row>(text, [
          ...params,
          ...(before === undefined ? [] : [before]),
          limit,
        ]);
        return rows.map((r) => recordOf({ ...r, seq: Number(r.seq) }));
      },
      query.scope,
      page,
    );
  }

  async purge(request: PurgeRequest): Promise<PurgeResult> {
    checkRetention(request.before, request.now, request.retentionDays);
    const before = new Date(request.before).toISOString();
    return this.transaction(async (client): Promise<PurgeResult> => {
      await client.query('LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE');
      const seqOf = async (sql: string, ...args: unknown[]) => {
        const value = (await client.query<{ seq: string | null }>(sql, args)).rows[0]?.seq;
        return value === null || value === undefined ? null : Number(value);
      };
      // Only a prefix of the chain goes: up to the first record that must stay.
      const firstKept = await seqOf('SELECT min(seq) AS seq FROM audit_log WHERE at >= $1', before);
      const last =
        firstKept === null ? await seqOf('SELECT max(seq) AS seq FROM audit_log') : firstKept - 1;
      if (last === null) return { purged: 0 };
      const lastRow = (
        await client.query<{ seq: string; hash: string }>(
          'SELECT seq, hash FROM audit_log WHERE seq <= $1 ORDER BY seq DESC LIMIT 1',
          [last],
        )
      ).rows[0];
      if (!lastRow) return { purged: 0 };
      const previous = await client.query<{ total: string | null }>(
        'SELECT max(total_count) AS total FROM audit_anchors',
      );
      const deleted = await client.query('DELETE FROM audit_log WHERE seq <= $1', [lastRow.seq]);
      const count = deleted.rowCount ?? 0;
      const anchor: AuditAnchor = {
        throughSeq: Number(lastRow.seq),
        hash: lastRow.hash,
        count,
        totalCount: Number(previous.rows[0]?.total ?? 0) + count,
        before,
        purgedAt: request.now.toISOString(),
        retentionDays: request.retentionDays,
      };
      await client.query('INSERT INTO audit_anchors VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        anchor.throughSeq,
        anchor.hash,
        anchor.count,
        anchor.totalCount,
        anchor.before,
        anchor.purgedAt,
        anchor.retentionDays,
      ]);
      return { purged: count, anchor };
    });
  }

  async readRows(afterSeq: number, limit: number): Promise<StoredAuditRow[]> {
    await this.ready;
    const { rows } = await this.pool.query<Row>(
      'SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2',
      [afterSeq, limit],
    );
    return rows.map((r) => ({
      seq: Number(r.seq),
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
    await this.ready;
    const { rows } = await this.pool.query<{
      through_seq: string;
      hash: string;
      count: string;
      total_count: string;
      purged_before: string;
      purged_at: string;
      retention_days: number;
    }>('SELECT * FROM audit_anchors ORDER BY through_seq');
    return rows.map((a) => ({
      throughSeq: Number(a.through_seq),
      hash: a.hash,
      count: Number(a.count),
      totalCount: Number(a.total_count),
      before: a.purged_before,
      purgedAt: a.purged_at,
      retentionDays: a.retention_days,
    }));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
