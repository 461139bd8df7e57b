import pg from 'pg';
import type { CellQuery } from '@hub/domain';
import {
  CheckpointConflictError,
  ReadModelStoreFullError,
  type ProjectionBatch,
  type ProjectionCheckpoint,
  type ReadModelStore,
  type TracedFact,
} from '../port.js';
import { exactInteger, groupedResult, statisticsSql } from '../statistics-sql.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS rm_checkpoints (
  projection TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  position NUMERIC(39) NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS rm_documents (
  collection TEXT NOT NULL,
  key TEXT NOT NULL,
  value JSONB NOT NULL,
  PRIMARY KEY (collection, key)
);
CREATE TABLE IF NOT EXISTS rm_facts (
  measure INTEGER NOT NULL,
  unit INTEGER NOT NULL,
  day INTEGER NOT NULL,
  position NUMERIC(39) NOT NULL,
  event_id TEXT NOT NULL,
  value BIGINT NOT NULL,
  dkey TEXT,
  recorded_ms BIGINT NOT NULL,
  PRIMARY KEY (measure, unit, day, position)
);
`;

/** Rows per INSERT: PostgreSQL allows 65,535 parameters per statement. */
const FACTS_PER_INSERT = 1000;

export interface PostgresReadModelStoreOptions {
  connectionString: string;
  /** A schema of its own (created if missing): tests and tenants side by side. */
  schema?: string;
}

/**
 * Read models in PostgreSQL (server mode, DATABASE_URL). Positions are NUMERIC: event-store
 * positions are unsigned 128-bit values packed in a bigint on the KurrentDB side.
 */
export class PostgresReadModelStore implements ReadModelStore {
  private readonly pool: pg.Pool;
  private readonly ready: Promise<void>;

  constructor(options: PostgresReadModelStoreOptions) {
    const schema = options.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
      throw new Error(`schema name "${schema}" must be lower-case letters, digits and _`);
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: 4,
      options: `-c search_path=${schema}`,
    });
    this.pool = pool;
    this.ready = (async () => {
      await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await pool.query(SCHEMA);
    })();
    // Surfaced by the first query; keep it from becoming an unhandled rejection meanwhile.
    this.ready.catch(() => undefined);
  }

  private async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) {
    await this.ready;
    return this.pool.query<R>(sql, params);
  }

  async checkpoints(): Promise<ProjectionCheckpoint[]> {
    const { rows } = await this.query<{
      projection: string;
      version: number;
      position: string;
      updated_at: Date;
    }>('SELECT projection, version, position, updated_at FROM rm_checkpoints ORDER BY projection');
    return rows.map((r) => ({
      projection: r.projection,
      version: r.version,
      position: BigInt(r.position),
      updatedAt: r.updated_at.toISOString(),
    }));
  }

  /** Runs `work` in one transaction on one connection; rolls back on any error. */
  private async transaction(work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    await this.ready;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await work(client);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      // SQLSTATE 53100: disk_full.
      if ((error as { code?: unknown }).code === '53100')
        throw new ReadModelStoreFullError({ cause: error });
      throw error;
    } finally {
      client.release();
    }
  }

  async commit(batches: readonly ProjectionBatch[]): Promise<void> {
    await this.transaction(async (client) => {
      for (const batch of batches) {
        // A lock per projection, held to the commit: two runners' first pages (no checkpoint
        // row to lock yet) are then serialised too, and the second is refused.
        await client.query("SELECT pg_advisory_xact_lock(hashtext('rm_checkpoint:' || $1))", [
          batch.projection,
        ]);
        const { rows } = await client.query<{ position: string }>(
          'SELECT position FROM rm_checkpoints WHERE projection = $1',
          [batch.projection],
        );
        const current = rows[0] ? BigInt(rows[0].position) : undefined;
        if (current !== batch.after)
          throw new CheckpointConflictError(
            `projection ${batch.projection} is at ${current ?? 'the start'}, the batch was computed after ${batch.after ?? 'the start'}`,
          );
        if (batch.documents.length > 0)
          await client.query(
            `INSERT INTO rm_documents (collection, key, value)
             SELECT $1, d.key, d.value FROM jsonb_to_recordset($2::jsonb) AS d(key text, value jsonb)
             ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value`,
            [batch.projection, JSON.stringify(batch.documents)],
          );
        for (let i = 0; i < batch.facts.length; i += FACTS_PER_INSERT) {
          const slice = batch.facts.slice(i, i + FACTS_PER_INSERT);
          const params: unknown[] = [];
          const values = slice.map((f) => {
            const base = params.length;
            params.push(
              f.measureId,
              Number(f.unit),
              f.day,
              f.position.toString(),
              f.eventId,
              exactInteger(f.value).toString(),
              f.distinctKey ?? null,
              f.recordedMs,
            );
            return `(${Array.from({ length: 8 }, (_, k) => `$${base + k + 1}`).join(',')})`;
          });
          await client.query(
            `INSERT INTO rm_facts (measure, unit, day, position, event_id, value, dkey, recorded_ms)
             VALUES ${values.join(',')} ON CONFLICT DO NOTHING`,
            params,
          );
        }
        await client.query(
          `INSERT INTO rm_checkpoints (projection, version, position, updated_at) VALUES ($1, $2, $3, now())
           ON CONFLICT (projection) DO UPDATE SET version = excluded.version, position = excluded.position, updated_at = excluded.updated_at`,
          [batch.projection, batch.version, batch.position.toString()],
        );
      }
    });
  }

  async reset(projection: string): Promise<void> {
    await this.transaction(async (client) => {
      await client.query('DELETE FROM rm_documents WHERE collection = $1', [projection]);
      if (projection === 'statistics') await client.query('TRUNCATE rm_facts');
      await client.query('DELETE FROM rm_checkpoints WHERE projection = $1', [projection]);
    });
  }

  async getDocuments(collection: string, keys: readonly string[]): Promise<Map<string, unknown>> {
    if (keys.length === 0) return new Map();
    const { rows } = await this.query<{ key: string; value: unknown }>(
      'SELECT key, value FROM rm_documents WHERE collection = $1 AND key = ANY($2)',
      [collection, keys],
    );
    return new Map(rows.map((r) => [r.key, r.value]));
  }

  async listDocuments(collection: string): Promise<Array<{ key: string; value: unknown }>> {
    const { rows } = await this.query<{ key: string; value: unknown }>(
      'SELECT key, value FROM rm_documents WHERE collection = $1 ORDER BY key COLLATE "C"',
      [collection],
    );
    return rows;
  }

  async pageDocuments(
    collection: string,
    page: { after?: string; limit: number },
  ): Promise<Array<{ key: string; value: unknown }>> {
    const { rows } = await this.query<{ key: string; value: unknown }>(
      'SELECT key, value FROM rm_documents WHERE collection = $1 AND key COLLATE "C" > $2 ORDER BY key COLLATE "C" LIMIT $3',
      [collection, page.after ?? '', page.limit],
    );
    return rows;
  }

  async aggregate(query: CellQuery): Promise<Map<string, bigint>> {
    const { sql, params } = statisticsSql(query, 'aggregate');
    // SUM of bigint is numeric and COUNT is bigint: pg gives both as decimal strings.
    const { rows } = await this.query<{ g: number; hi: string | null; lo: string | null }>(
      sql,
      params,
    );
    return groupedResult(query, rows);
  }

  async trace(query: CellQuery, limit = 10_000): Promise<TracedFact[]> {
    const { sql, params } = statisticsSql(query, 'trace');
    // recorded_ms is BIGINT, which pg gives as a string.
    const { rows } = await this.query<{
      event_id: string;
      day: number;
      recorded_ms: string;
      position: string;
    }>(`${sql} LIMIT ${Math.floor(limit)}`, params);
    return rows.map((r) => ({
      eventId: r.event_id,
      day: r.day,
      recordedMs: Number(r.recorded_ms),
      position: BigInt(r.position),
    }));
  }

  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    await this.pool.end();
  }
}
