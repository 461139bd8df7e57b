import type Database from 'better-sqlite3';
import { STATISTIC_MEASURES, type CellQuery, type ExceptPair } from '@hub/domain';
import type { ProjectionBatch, ProjectionCheckpoint, ReadModelStore, TracedFact } from '../port.js';
import {
  aggregatesInclude,
  aggregatesSql,
  groupedResult,
  statisticsSql,
} from '../statistics-sql.js';
import { createBatchWriter, openReadModelFile, toWriterBatch } from './sqlite-writer.js';
import { ThreadWriter } from './thread-writer.js';

const KEYS_PER_STATEMENT = 100;
const CELL_STATEMENTS = 500;

const sqlite = (sql: string) => sql.replace(/\$\d+/g, '?');

export interface SqliteReadModelOptions {
  /**
   * Commit on a thread of its own, so the projection runner reads and projects the next page
   * while the previous one is written (a file, not ':memory:'; needs the built worker script).
   */
  writerThread?: boolean;
  /**
   * The measures whose `except` the aggregates answer (kept in rm_except_days as facts are
   * written): by default those of every form.
   */
  exceptPairs?: readonly ExceptPair[];
}

/** Read models in an SQLite file (the embedded default: the hub's `hub.db`). */
export class SqliteReadModelStore implements ReadModelStore {
  private readonly db: Database.Database;
  private readonly exceptPairs: readonly ExceptPair[];
  private readonly writer: {
    commit(batches: readonly ProjectionBatch[]): Promise<void>;
    reset(projection: string): Promise<void>;
    close(): Promise<void>;
  };
  /** Lookups of n keys in one statement, prepared once per n (1 to KEYS_PER_STATEMENT). */
  private readonly getByCount = new Map<
    number,
    Database.Statement<string[], { key: string; value: string }>
  >();
  private readonly getRecorded: Database.Statement<[], { max_ms: number }>;
  /** Asked by every cached GraphQL answer (its key holds the checkpoints): prepared once. */
  private readonly getCheckpoints: Database.Statement<
    [],
    { projection: string; version: number; position: string; updated_at: string }
  >;
  /**
   * A form's cells ask few distinct statements (a measure's shape, not its values, is in the
   * SQL): each prepared once. Bounded, since shapes come from what forms and callers ask.
   */
  private readonly cellStatements = new Map<
    string,
    Database.Statement<unknown[], { g: bigint; hi: bigint | null; lo: bigint | null }>
  >();
  private readonly getPage: Database.Statement<
    [string, string, number],
    { key: string; value: string }
  >;
  /** Answered from the (collection, key) index alone: no row of the table is read. */
  private readonly getPageKeys: Database.Statement<[string, string, number], string>;

  constructor(filename: string, options: SqliteReadModelOptions = {}) {
    this.db = openReadModelFile(filename);
    this.exceptPairs = options.exceptPairs ?? STATISTIC_MEASURES.exceptPairs();
    if (options.writerThread) {
      const thread = new ThreadWriter(filename, this.exceptPairs);
      this.writer = {
        commit: (batches) => thread.commit(batches.map(toWriterBatch)),
        reset: (projection) => thread.reset(projection),
        close: () => thread.close(),
      };
    } else {
      const inline = createBatchWriter(this.db, this.exceptPairs);
      this.writer = {
        commit: async (batches) => inline.apply(batches.map(toWriterBatch)),
        reset: async (projection) => inline.reset(projection),
        close: async () => {},
      };
    }
    this.getRecorded = this.db.prepare('SELECT max_ms FROM rm_fact_recorded WHERE id = 0');
    this.getCheckpoints = this.db.prepare(
      'SELECT projection, version, position, updated_at FROM rm_checkpoints ORDER BY projection',
    );
    this.getPage = this.db.prepare(
      'SELECT key, value FROM rm_documents WHERE collection = ? AND key > ? ORDER BY key LIMIT ?',
    );
    this.getPageKeys = this.db
      .prepare<[string, string, number], string>(
        'SELECT key FROM rm_documents WHERE collection = ? AND key > ? ORDER BY key LIMIT ?',
      )
      .pluck();
  }

  async checkpoints(): Promise<ProjectionCheckpoint[]> {
    const rows = this.getCheckpoints.all();
    return rows.map((r) => ({
      projection: r.projection,
      version: Number(r.version),
      position: BigInt(r.position),
      updatedAt: r.updated_at,
    }));
  }

  async commit(batches: readonly ProjectionBatch[]): Promise<void> {
    await this.writer.commit(batches);
  }

  async reset(projection: string): Promise<void> {
    await this.writer.reset(projection);
  }

  async getDocuments(collection: string, keys: readonly string[]): Promise<Map<string, unknown>> {
    const found = new Map<string, unknown>();
    // One statement per KEYS_PER_STATEMENT keys: a ledger page of 21 clues is one lookup, not
    // 21; screening looks up thousands of certificates at a time.
    for (let i = 0; i < keys.length; i += KEYS_PER_STATEMENT) {
      const chunk = keys.slice(i, i + KEYS_PER_STATEMENT);
      for (const row of this.lookup(chunk.length).all(collection, ...chunk))
        found.set(row.key, JSON.parse(row.value) as unknown);
    }
    return found;
  }

  private lookup(count: number) {
    let statement = this.getByCount.get(count);
    if (!statement) {
      statement = this.db.prepare(
        `SELECT key, value FROM rm_documents WHERE collection = ? AND key IN (${Array<string>(count).fill('?').join(', ')})`,
      );
      this.getByCount.set(count, statement);
    }
    return statement;
  }

  async listDocuments(collection: string): Promise<Array<{ key: string; value: unknown }>> {
    return this.db
      .prepare<[string], { key: string; value: string }>(
        'SELECT key, value FROM rm_documents WHERE collection = ? ORDER BY key',
      )
      .all(collection)
      .map((r) => ({ key: r.key, value: JSON.parse(r.value) as unknown }));
  }

  async pageDocuments(
    collection: string,
    page: { after?: string; limit: number },
  ): Promise<Array<{ key: string; value: unknown }>> {
    return this.getPage
      .all(collection, page.after ?? '', page.limit)
      .map((r) => ({ key: r.key, value: JSON.parse(r.value) as unknown }));
  }

  async pageKeys(collection: string, page: { after?: string; limit: number }): Promise<string[]> {
    return this.getPageKeys.all(collection, page.after ?? '', page.limit);
  }

  async aggregate(query: CellQuery): Promise<Map<string, bigint>> {
    const fromAggregates = aggregatesSql(query, this.exceptPairs);
    if (
      fromAggregates === undefined ||
      !aggregatesInclude(
        query,
        query.recordedUpToMs === undefined ? undefined : this.getRecorded.get()?.max_ms,
      )
    )
      return this.aggregateFromFacts(query);
    return this.run(query, fromAggregates);
  }

  /** The same answer read from the facts alone, never the aggregates (checks compare both). */
  async aggregateFromFacts(query: CellQuery): Promise<Map<string, bigint>> {
    return this.run(query, statisticsSql(query, 'aggregate'));
  }

  private run(
    query: CellQuery,
    { sql, params }: { sql: string; params: Array<number | bigint> },
  ): Map<string, bigint> {
    let statement = this.cellStatements.get(sql);
    if (!statement) {
      if (this.cellStatements.size >= CELL_STATEMENTS) this.cellStatements.clear();
      statement = this.db
        .prepare<unknown[], { g: bigint; hi: bigint | null; lo: bigint | null }>(sqlite(sql))
        .safeIntegers(true);
      this.cellStatements.set(sql, statement);
    }
    return groupedResult(query, statement.all(...params));
  }

  async trace(query: CellQuery, limit = 10_000): Promise<TracedFact[]> {
    const { sql, params } = statisticsSql(query, 'trace');
    return this.db
      .prepare<
        unknown[],
        { event_id: string; day: bigint; recorded_ms: bigint; position: bigint | Buffer }
      >(`${sqlite(sql)} LIMIT ${Math.floor(limit)}`)
      .safeIntegers(true)
      .all(...params)
      .map((r) => ({
        eventId: r.event_id,
        day: Number(r.day),
        recordedMs: Number(r.recorded_ms),
        position: positionOf(r.position),
      }));
  }

  async close(): Promise<void> {
    await this.writer.close();
    this.db.close();
  }
}

/** A fact's position as stored (see sqlite-writer.ts): an integer, or 16 bytes big-endian. */
function positionOf(stored: bigint | Buffer): bigint {
  if (typeof stored === 'bigint') return stored;
  return (stored.readBigUInt64BE(0) << 64n) | stored.readBigUInt64BE(8);
}
