import type pg from 'pg';
import { inTransaction, openSchemaPool } from '@hub/postgres-schema';
import type { CellQuery } from '@hub/domain';
import {
  CheckpointConflictError,
  ReadModelStoreFullError,
  type ProjectionBatch,
  type ProjectionCheckpoint,
  type ReadModelStore,
  type TracedFact,
} from '../port.js';
import {
  aggregatesInclude,
  aggregatesSql,
  exactInteger,
  groupedResult,
  statisticsSql,
} from '../statistics-sql.js';

/** An arbitrary constant: the advisory lock that serialises migrations of the read models. */
const MIGRATION_LOCK = 72_815_061;

/** The first migration (a later change to the tables is a step of its own). */
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
-- Aggregates a form reads instead of the facts (see the SQLite writer for what each holds).
CREATE TABLE IF NOT EXISTS rm_fact_sums (
  measure INTEGER NOT NULL,
  unit INTEGER NOT NULL,
  day INTEGER NOT NULL,
  hi BIGINT NOT NULL,
  lo BIGINT NOT NULL,
  PRIMARY KEY (measure, unit, day)
);
CREATE TABLE IF NOT EXISTS rm_key_days (
  measure INTEGER NOT NULL,
  digits INTEGER NOT NULL,
  scope INTEGER NOT NULL,
  dkey TEXT NOT NULL,
  day INTEGER NOT NULL,
  PRIMARY KEY (measure, dkey, digits, scope, day)
);
CREATE TABLE IF NOT EXISTS rm_distinct_days (
  measure INTEGER NOT NULL,
  digits INTEGER NOT NULL,
  scope INTEGER NOT NULL,
  day INTEGER NOT NULL,
  prev INTEGER NOT NULL,
  n BIGINT NOT NULL,
  PRIMARY KEY (measure, digits, scope, day, prev)
);
CREATE TABLE IF NOT EXISTS rm_fact_recorded (
  id INTEGER PRIMARY KEY CHECK (id = 0),
  max_ms BIGINT NOT NULL
);
-- Once per INSERT, over the rows it actually inserted (a conflicting row is not among them).
-- A key's new day d between its days p (or -1) and n (or none): (d, p) is counted, and n's
-- previous day becomes d instead of p. Key days are taken one at a time, in a loop, so each
-- sees the ones before it.
CREATE OR REPLACE FUNCTION rm_facts_aggregate() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r record;
  prev_day integer;
  next_day integer;
BEGIN
  INSERT INTO rm_fact_sums (measure, unit, day, hi, lo)
  SELECT measure, unit, day, sum(value >> 32), sum(value & 4294967295) FROM new_facts
  GROUP BY measure, unit, day
  ON CONFLICT (measure, unit, day)
  DO UPDATE SET hi = rm_fact_sums.hi + excluded.hi, lo = rm_fact_sums.lo + excluded.lo;
  INSERT INTO rm_fact_recorded (id, max_ms) SELECT 0, max(recorded_ms) FROM new_facts
  HAVING count(*) > 0
  ON CONFLICT (id) DO UPDATE SET max_ms = greatest(rm_fact_recorded.max_ms, excluded.max_ms);
  FOR r IN
    SELECT DISTINCT f.measure, l.digits, f.unit / l.size AS scope, f.dkey, f.day
    FROM new_facts f CROSS JOIN (VALUES (2, 10000), (4, 100), (6, 1)) AS l (digits, size)
    WHERE f.dkey IS NOT NULL
  LOOP
    INSERT INTO rm_key_days (measure, digits, scope, dkey, day)
    VALUES (r.measure, r.digits, r.scope, r.dkey, r.day) ON CONFLICT DO NOTHING;
    CONTINUE WHEN NOT FOUND;
    SELECT coalesce(max(k.day), -1) INTO prev_day FROM rm_key_days k
    WHERE k.measure = r.measure AND k.dkey = r.dkey AND k.digits = r.digits
      AND k.scope = r.scope AND k.day < r.day;
    SELECT min(k.day) INTO next_day FROM rm_key_days k
    WHERE k.measure = r.measure AND k.dkey = r.dkey AND k.digits = r.digits
      AND k.scope = r.scope AND k.day > r.day;
    INSERT INTO rm_distinct_days (measure, digits, scope, day, prev, n)
    VALUES (r.measure, r.digits, r.scope, r.day, prev_day, 1)
    ON CONFLICT (measure, digits, scope, day, prev) DO UPDATE SET n = rm_distinct_days.n + 1;
    IF next_day IS NOT NULL THEN
      UPDATE rm_distinct_days d SET n = d.n - 1
      WHERE d.measure = r.measure AND d.digits = r.digits AND d.scope = r.scope
        AND d.day = next_day AND d.prev = prev_day;
      INSERT INTO rm_distinct_days (measure, digits, scope, day, prev, n)
      VALUES (r.measure, r.digits, r.scope, next_day, r.day, 1)
      ON CONFLICT (measure, digits, scope, day, prev) DO UPDATE SET n = rm_distinct_days.n + 1;
    END IF;
  END LOOP;
  RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER rm_facts_aggregate AFTER INSERT ON rm_facts
REFERENCING NEW TABLE AS new_facts FOR EACH STATEMENT EXECUTE FUNCTION rm_facts_aggregate();
`;

/** The statistics read model: its facts and their aggregates. */
const STATISTICS_TABLES = 'rm_facts, rm_fact_sums, rm_key_days, rm_distinct_days, rm_fact_recorded';

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
    ({ pool: this.pool, ready: this.ready } = openSchemaPool({
      connectionString: options.connectionString,
      schema: options.schema,
      max: 4,
      migrations: { versionTable: 'rm_schema', lock: MIGRATION_LOCK, steps: [SCHEMA] },
    }));
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
    try {
      await inTransaction(this.pool, work);
    } catch (error) {
      // SQLSTATE 53100: disk_full.
      if ((error as { code?: unknown }).code === '53100')
        throw new ReadModelStoreFullError({ cause: error });
      throw error;
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
      if (projection === 'statistics') await client.query(`TRUNCATE ${STATISTICS_TABLES}`);
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

  async pageKeys(collection: string, page: { after?: string; limit: number }): Promise<string[]> {
    const { rows } = await this.query<{ key: string }>(
      'SELECT key FROM rm_documents WHERE collection = $1 AND key COLLATE "C" > $2 ORDER BY key COLLATE "C" LIMIT $3',
      [collection, page.after ?? '', page.limit],
    );
    return rows.map((r) => r.key);
  }

  async aggregate(query: CellQuery): Promise<Map<string, bigint>> {
    const fromAggregates = aggregatesSql(query);
    if (fromAggregates === undefined) return this.aggregateFromFacts(query);
    if (query.recordedUpToMs !== undefined) {
      const { rows } = await this.query<{ max_ms: string }>(
        'SELECT max_ms FROM rm_fact_recorded WHERE id = 0',
      );
      if (!aggregatesInclude(query, rows[0] ? Number(rows[0].max_ms) : undefined))
        return this.aggregateFromFacts(query);
    }
    return this.run(query, fromAggregates);
  }

  /** The same answer read from the facts alone, never the aggregates (checks compare both). */
  async aggregateFromFacts(query: CellQuery): Promise<Map<string, bigint>> {
    return this.run(query, statisticsSql(query, 'aggregate'));
  }

  private async run(
    query: CellQuery,
    { sql, params }: { sql: string; params: Array<number | bigint> },
  ): Promise<Map<string, bigint>> {
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
