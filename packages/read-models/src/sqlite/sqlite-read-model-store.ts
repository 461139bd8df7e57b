import Database from 'better-sqlite3';
import type { CellQuery } from '@hub/domain';
import {
  CheckpointConflictError,
  type ProjectionBatch,
  type ProjectionCheckpoint,
  type ReadModelStore,
  type StoredFact,
} from '../port.js';
import { groupedResult, statisticsSql } from '../statistics-sql.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS rm_checkpoints (
  projection TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  position TEXT NOT NULL, -- decimal: positions may exceed 64 bits (KurrentDB commit<<64|prepare)
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rm_documents (
  collection TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (collection, key)
) WITHOUT ROWID;
-- Clustered in query order: a form cell reads one contiguous range per measure.
CREATE TABLE IF NOT EXISTS rm_facts (
  measure INTEGER NOT NULL,
  unit INTEGER NOT NULL,
  day INTEGER NOT NULL,
  -- An integer while it fits 63 bits, else 16 bytes big-endian: SQLite sorts every integer
  -- before every blob, so the order stays that of the 128-bit position.
  position NOT NULL,
  event_id TEXT NOT NULL,
  value INTEGER NOT NULL,
  dkey TEXT,
  recorded_ms INTEGER NOT NULL,
  PRIMARY KEY (measure, unit, day, position)
) WITHOUT ROWID;
`;

// Each placeholder appears once, in order, so $n can become a plain ?.
const MAX_INTEGER = (1n << 63n) - 1n;
const FACTS_PER_STATEMENT = 64;
const KEYS_PER_STATEMENT = 100;

function storedPosition(position: bigint): bigint | Buffer {
  if (position <= MAX_INTEGER) return position;
  const bytes = Buffer.alloc(16);
  bytes.writeBigUInt64BE(position >> 64n, 0);
  bytes.writeBigUInt64BE(position & 0xffffffffffffffffn, 8);
  return bytes;
}

const sqlite = (sql: string) => sql.replace(/\$\d+/g, '?');

/** Read models in an SQLite file (the embedded default: the hub's `hub.db`). */
export class SqliteReadModelStore implements ReadModelStore {
  private readonly db: Database.Database;
  private readonly applyBatches: (batches: readonly ProjectionBatch[]) => void;
  private readonly getOne: Database.Statement<[string, string], { value: string }>;
  private readonly getMany: Database.Statement<string[], { key: string; value: string }>;
  private readonly getPage: Database.Statement<
    [string, string, number],
    { key: string; value: string }
  >;

  constructor(filename: string) {
    this.db = new Database(filename);
    this.db.pragma('journal_mode = WAL');
    // A checkpoint commits with its changes, so NORMAL cannot lose one without the other.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    // Facts are inserted across the whole clustered index: keep its pages in memory (64 MiB).
    this.db.pragma('cache_size = -65536');
    // Fewer, larger WAL checkpoints: a rebuild commits thousands of batches in a row.
    this.db.pragma('wal_autocheckpoint = 10000');
    this.db.exec(SCHEMA);
    this.getOne = this.db.prepare(
      'SELECT value FROM rm_documents WHERE collection = ? AND key = ?',
    );
    this.getPage = this.db.prepare(
      'SELECT key, value FROM rm_documents WHERE collection = ? AND key > ? ORDER BY key LIMIT ?',
    );
    this.getMany = this.db.prepare(
      `SELECT key, value FROM rm_documents WHERE collection = ? AND key IN (${Array<string>(KEYS_PER_STATEMENT).fill('?').join(', ')})`,
    );
    const getCheckpoint = this.db.prepare<[string], { position: string }>(
      'SELECT position FROM rm_checkpoints WHERE projection = ?',
    );
    const putCheckpoint = this.db.prepare(
      `INSERT INTO rm_checkpoints (projection, version, position, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (projection) DO UPDATE SET version = excluded.version, position = excluded.position, updated_at = excluded.updated_at`,
    );
    const putDocument = this.db.prepare(
      `INSERT INTO rm_documents (collection, key, value) VALUES (?, ?, ?)
       ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value`,
    );
    // Many rows per statement: one call into SQLite per 64 facts instead of one per fact.
    const insertFacts = (rows: number) =>
      this.db.prepare(
        `INSERT OR IGNORE INTO rm_facts (measure, unit, day, position, event_id, value, dkey, recorded_ms)
         VALUES ${Array<string>(rows).fill('(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      );
    const putFact = insertFacts(1);
    const putFacts = insertFacts(FACTS_PER_STATEMENT);
    const parameters: unknown[] = new Array(FACTS_PER_STATEMENT * 8);
    const fill = (f: StoredFact, at: number) => {
      parameters[at] = f.measureId;
      parameters[at + 1] = Number(f.unit);
      parameters[at + 2] = f.day;
      parameters[at + 3] = storedPosition(f.position);
      parameters[at + 4] = f.eventId;
      parameters[at + 5] = f.value;
      parameters[at + 6] = f.distinctKey ?? null;
      parameters[at + 7] = f.recordedMs;
    };
    this.applyBatches = this.db.transaction((batches: readonly ProjectionBatch[]) => {
      const now = new Date().toISOString();
      for (const batch of batches) {
        const current = getCheckpoint.get(batch.projection)?.position;
        const currentPosition = current === undefined ? undefined : BigInt(current);
        if (currentPosition !== batch.after)
          throw new CheckpointConflictError(
            `projection ${batch.projection} is at ${currentPosition ?? 'the start'}, the batch was computed after ${batch.after ?? 'the start'}`,
          );
        for (const d of batch.documents)
          putDocument.run(batch.projection, d.key, JSON.stringify(d.value));
        const facts = batch.facts;
        let i = 0;
        for (; i + FACTS_PER_STATEMENT <= facts.length; i += FACTS_PER_STATEMENT) {
          for (let k = 0; k < FACTS_PER_STATEMENT; k++) fill(facts[i + k]!, k * 8);
          putFacts.run(parameters);
        }
        for (; i < facts.length; i++) {
          fill(facts[i]!, 0);
          putFact.run(parameters.slice(0, 8));
        }
        putCheckpoint.run(batch.projection, batch.version, batch.position.toString(), now);
      }
    });
  }

  async checkpoints(): Promise<ProjectionCheckpoint[]> {
    const rows = this.db
      .prepare<[], { projection: string; version: number; position: string; updated_at: string }>(
        'SELECT projection, version, position, updated_at FROM rm_checkpoints ORDER BY projection',
      )
      .all();
    return rows.map((r) => ({
      projection: r.projection,
      version: Number(r.version),
      position: BigInt(r.position),
      updatedAt: r.updated_at,
    }));
  }

  async commit(batches: readonly ProjectionBatch[]): Promise<void> {
    this.applyBatches(batches);
  }

  async reset(projection: string): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM rm_documents WHERE collection = ?').run(projection);
      if (projection === 'statistics') this.db.prepare('DELETE FROM rm_facts').run();
      this.db.prepare('DELETE FROM rm_checkpoints WHERE projection = ?').run(projection);
    })();
  }

  async getDocuments(collection: string, keys: readonly string[]): Promise<Map<string, unknown>> {
    const found = new Map<string, unknown>();
    // Many keys per statement: screening looks up thousands of certificates at a time.
    let i = 0;
    for (; i + KEYS_PER_STATEMENT <= keys.length; i += KEYS_PER_STATEMENT)
      for (const row of this.getMany.all(collection, ...keys.slice(i, i + KEYS_PER_STATEMENT)))
        found.set(row.key, JSON.parse(row.value) as unknown);
    for (; i < keys.length; i++) {
      const row = this.getOne.get(collection, keys[i]!);
      if (row) found.set(keys[i]!, JSON.parse(row.value) as unknown);
    }
    return found;
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

  async aggregate(query: CellQuery): Promise<Map<string, number>> {
    const { sql, params } = statisticsSql(query, 'aggregate');
    const rows = this.db
      .prepare<unknown[], { g: number; v: number | null }>(sqlite(sql))
      .all(...params);
    return groupedResult(query, rows);
  }

  async trace(query: CellQuery, limit = 10_000): Promise<string[]> {
    const { sql, params } = statisticsSql(query, 'trace');
    return this.db
      .prepare<unknown[], { event_id: string }>(`${sqlite(sql)} LIMIT ${Math.floor(limit)}`)
      .all(...params)
      .map((r) => r.event_id);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
