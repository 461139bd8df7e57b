import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { ExceptPair } from '@hub/domain';
import {
  CheckpointConflictError,
  ReadModelStoreFullError,
  type ProjectionBatch,
  type StoredFact,
} from '../port.js';
import { exactInteger } from '../statistics-sql.js';
import {
  AGGREGATES_SCHEMA,
  createAggregatesWriter,
  INSERTED_FACT_COLUMNS,
  type InsertedFact,
} from './fact-aggregates.js';

/**
 * Documents are a kilobyte or more (a clue's timeline): kept in a rowid table, so that the
 * (collection, key) index holds only keys. As a WITHOUT ROWID table the whole document sat in
 * the b-tree's interior cells, three to a page: eleven levels at 200,000 documents, a spill
 * page per row, 70% of its pages empty.
 */
const DOCUMENTS_TABLE = `CREATE TABLE IF NOT EXISTS rm_documents (
  collection TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (collection, key)
);`;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS rm_checkpoints (
  projection TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  position TEXT NOT NULL, -- decimal: positions may exceed 64 bits (KurrentDB commit<<64|prepare)
  updated_at TEXT NOT NULL
);
${DOCUMENTS_TABLE}
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
${AGGREGATES_SCHEMA}`;

/** Opens the read-model file with the settings every connection to it uses. */
export function openReadModelFile(filename: string): Database.Database {
  const db = new Database(filename);
  db.pragma('journal_mode = WAL');
  // A checkpoint commits with its changes, so NORMAL cannot lose one without the other.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // Facts are inserted across the whole clustered index: keep its pages in memory (64 MiB).
  db.pragma('cache_size = -65536');
  // Fewer, larger WAL checkpoints: a rebuild commits thousands of batches in a row.
  db.pragma('wal_autocheckpoint = 10000');
  db.exec(SCHEMA);
  migrateKeyDays(db);
  migrateDocumentsToRowid(db);
  return db;
}

/**
 * A file of schema 4 kept a key's days per division (rm_key_days); its rows of 6 digits are
 * the key's units and days, all that rm_key_unit_days keeps. Copied once, in the transaction
 * that drops the old table, so that a key known before still counts once.
 */
function migrateKeyDays(db: Database.Database): void {
  const old = () =>
    db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'rm_key_days'").get();
  if (!old()) return;
  db.transaction(() => {
    // Another connection to the file may have done it meanwhile.
    if (!old()) return;
    db.exec(`INSERT OR IGNORE INTO rm_key_unit_days (measure, dkey, unit, day)
      SELECT measure, dkey, scope, day FROM rm_key_days WHERE digits = 6;
      DROP TABLE rm_key_days;`);
  }).immediate();
}

/**
 * Files of earlier releases kept documents in a WITHOUT ROWID table: copied once, in key
 * order, into the rowid table, in the transaction that drops the old one.
 */
function migrateDocumentsToRowid(db: Database.Database): void {
  const old = () =>
    /WITHOUT\s+ROWID/i.test(
      db
        .prepare<[], { sql: string }>(
          "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'rm_documents'",
        )
        .get()?.sql ?? '',
    );
  if (!old()) return;
  db.transaction(() => {
    // Another connection to the file may have done it meanwhile.
    if (!old()) return;
    db.exec(`ALTER TABLE rm_documents RENAME TO rm_documents_without_rowid;
      ${DOCUMENTS_TABLE}
      INSERT INTO rm_documents (collection, key, value)
        SELECT collection, key, value FROM rm_documents_without_rowid ORDER BY collection, key;
      DROP TABLE rm_documents_without_rowid;`);
  }).immediate();
}

/** The statistics read model: its facts and their aggregates. */
export const STATISTICS_TABLES = [
  'rm_facts',
  'rm_fact_sums',
  'rm_key_unit_days',
  'rm_distinct_days',
  'rm_except_days',
  'rm_fact_recorded',
] as const;

const FACT_COLUMNS = 8;
const FACTS_PER_STATEMENT = 64;
const MAX_INTEGER = (1n << 63n) - 1n;

function storedPosition(position: bigint): bigint | Buffer {
  if (position <= MAX_INTEGER) return position;
  const bytes = Buffer.alloc(16);
  bytes.writeBigUInt64BE(position >> 64n, 0);
  bytes.writeBigUInt64BE(position & 0xffffffffffffffffn, 8);
  return bytes;
}

/**
 * A batch as the writer takes it: documents already JSON (key, json, key, json, …) and facts
 * as flat rows in column order. Plain strings and numbers cross to a writer thread cheaply.
 */
export interface WriterBatch {
  projection: string;
  version: number;
  after: bigint | undefined;
  position: bigint;
  documents: string[];
  facts: unknown[];
}

/**
 * A batch for the writer, its documents and facts in their tables' key order: written in
 * random order they dirtied pages all over each B-tree, and every commit wrote them all.
 */
export function toWriterBatch(batch: ProjectionBatch): WriterBatch {
  const documents = new Array<string>(batch.documents.length * 2);
  [...batch.documents]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .forEach((d, i) => {
      documents[2 * i] = d.key;
      documents[2 * i + 1] = JSON.stringify(d.value);
    });
  const facts = new Array<unknown>(batch.facts.length * FACT_COLUMNS);
  factsInKeyOrder(batch.facts).forEach((index, i) => {
    const f = batch.facts[index]!;
    const at = i * FACT_COLUMNS;
    facts[at] = f.measureId;
    facts[at + 1] = Number(f.unit);
    facts[at + 2] = f.day;
    facts[at + 3] = storedPosition(f.position);
    facts[at + 4] = f.eventId;
    facts[at + 5] = exactInteger(f.value);
    facts[at + 6] = f.distinctKey ?? null;
    facts[at + 7] = f.recordedMs;
  });
  return {
    projection: batch.projection,
    version: batch.version,
    after: batch.after,
    position: batch.position,
    documents,
    facts,
  };
}

/**
 * The facts' indexes in rm_facts' key order: measure, unit, day, position. Sorted by numbers
 * worked out once per fact (unit and day as one), not per comparison: a page's facts are
 * compared a million times.
 */
function factsInKeyOrder(facts: readonly StoredFact[]): Uint32Array {
  const measures = new Float64Array(facts.length);
  const unitDays = new Float64Array(facts.length);
  const order = new Uint32Array(facts.length);
  facts.forEach((f, i) => {
    measures[i] = f.measureId;
    // Six digits of unit, eight of day: below 2^53.
    unitDays[i] = Number(f.unit) * 1e8 + f.day;
    order[i] = i;
  });
  return order.sort((a, b) => {
    const byKey = measures[a]! - measures[b]! || unitDays[a]! - unitDays[b]!;
    if (byKey !== 0) return byKey;
    const pa = facts[a]!.position;
    const pb = facts[b]!.position;
    return pa < pb ? -1 : pa > pb ? 1 : 0;
  });
}

/** A fact of the batch was there already: the transaction is taken again, keeping the new ones. */
class FactAlreadyApplied extends Error {}

/** A fact's row (flat, from `at`) as the insert would return it: its value's 32-bit halves. */
function insertedFact(rows: readonly unknown[], at: number): InsertedFact {
  const value = rows[at + 5] as number | bigint;
  const hi = typeof value === 'bigint' ? Number(value >> 32n) : Math.floor(value / 2 ** 32);
  const lo = typeof value === 'bigint' ? Number(value & 0xffffffffn) : value - hi * 2 ** 32;
  return [
    rows[at] as number,
    rows[at + 1] as number,
    rows[at + 2] as number,
    hi,
    lo,
    rows[at + 6] as string | null,
    rows[at + 7] as number,
  ];
}

/** The statements that write read models: applying batches and resetting a projection. */
export interface BatchWriter {
  /** All batches in one transaction, each only if its checkpoint is still where it started. */
  apply(batches: readonly WriterBatch[]): void;
  reset(projection: string): void;
}

export function createBatchWriter(
  db: Database.Database,
  exceptPairs: readonly ExceptPair[] = [],
): BatchWriter {
  const getCheckpoint = db.prepare<[string], { position: string }>(
    'SELECT position FROM rm_checkpoints WHERE projection = ?',
  );
  const putCheckpoint = db.prepare(
    `INSERT INTO rm_checkpoints (projection, version, position, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (projection) DO UPDATE SET version = excluded.version, position = excluded.position, updated_at = excluded.updated_at`,
  );
  const putDocument = db.prepare(
    `INSERT INTO rm_documents (collection, key, value) VALUES (?, ?, ?)
     ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value`,
  );
  // Many rows per statement: one call into SQLite per 64 facts instead of one per fact. A fact
  // applied again is ignored, and only those inserted count in the aggregates.
  const insertFacts = (rows: number, returning: string) =>
    db.prepare<unknown[], InsertedFact>(
      `INSERT OR IGNORE INTO rm_facts (measure, unit, day, position, event_id, value, dkey, recorded_ms)
       VALUES ${Array<string>(rows).fill('(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')} ${returning}`,
    );
  // Those inserted, as the statement returns them: where some may have been there already.
  const putFactReturning = insertFacts(1, `RETURNING ${INSERTED_FACT_COLUMNS}`).raw(true);
  const putFactsReturning = insertFacts(
    FACTS_PER_STATEMENT,
    `RETURNING ${INSERTED_FACT_COLUMNS}`,
  ).raw(true);
  // Counted only: each batch's checkpoint is checked first, so its facts are new but for one
  // that is applied again on purpose; returning every row took half the time of inserting them.
  const putFact = insertFacts(1, '');
  const putFacts = insertFacts(FACTS_PER_STATEMENT, '');
  const chunk = FACTS_PER_STATEMENT * FACT_COLUMNS;
  const addToAggregates = createAggregatesWriter(db, exceptPairs);

  /** Inserts a batch's facts (flat rows); returns those inserted. */
  function insertAll(facts: readonly unknown[], returning: boolean): InsertedFact[] {
    const inserted: InsertedFact[] = [];
    for (let i = 0; i < facts.length;) {
      const size = i + chunk <= facts.length ? chunk : FACT_COLUMNS;
      const rows = facts.slice(i, i + size);
      if (returning) {
        const statement = size === chunk ? putFactsReturning : putFactReturning;
        for (const row of statement.all(rows)) inserted.push(row);
      } else {
        const statement = size === chunk ? putFacts : putFact;
        if (statement.run(rows).changes !== size / FACT_COLUMNS) throw new FactAlreadyApplied();
        for (let at = 0; at < size; at += FACT_COLUMNS) inserted.push(insertedFact(rows, at));
      }
      i += size;
    }
    return inserted;
  }

  const apply = db.transaction((batches: readonly WriterBatch[], returning: boolean) => {
    const now = new Date().toISOString();
    const inserted: InsertedFact[] = [];
    for (const batch of batches) {
      const current = getCheckpoint.get(batch.projection)?.position;
      const currentPosition = current === undefined ? undefined : BigInt(current);
      if (currentPosition !== batch.after)
        throw new CheckpointConflictError(
          `projection ${batch.projection} is at ${currentPosition ?? 'the start'}, the batch was computed after ${batch.after ?? 'the start'}`,
        );
      const docs = batch.documents;
      for (let i = 0; i < docs.length; i += 2)
        putDocument.run(batch.projection, docs[i], docs[i + 1]);
      for (const fact of insertAll(batch.facts, returning)) inserted.push(fact);
      putCheckpoint.run(batch.projection, batch.version, batch.position.toString(), now);
    }
    addToAggregates(inserted);
  });
  const reset = db.transaction((projection: string) => {
    db.prepare('DELETE FROM rm_documents WHERE collection = ?').run(projection);
    if (projection === 'statistics')
      for (const table of STATISTICS_TABLES) db.prepare(`DELETE FROM ${table}`).run();
    db.prepare('DELETE FROM rm_checkpoints WHERE projection = ?').run(projection);
  });
  // IMMEDIATE: both read before they write. A deferred transaction that has read while
  // another connection (a CLI beside the hub) committed cannot become a writer: SQLite fails
  // it with SQLITE_BUSY at once, without waiting for busy_timeout. Taking the write lock first
  // makes it wait its turn instead.
  const write = (work: () => void) => {
    whenFull(db, work);
    if (lowOnSpace(db)) checkpointWal(db);
  };
  return {
    apply: (batches) =>
      write(() => {
        try {
          apply.immediate(batches, false);
        } catch (error) {
          if (!(error instanceof FactAlreadyApplied)) throw error;
          // Rolled back: again, keeping only the facts that are new.
          apply.immediate(batches, true);
        }
      }),
    reset: (projection) => write(() => reset.immediate(projection)),
  };
}

/**
 * Below this much free space the WAL is folded into the database after every commit. With
 * room to spare it grows to wal_autocheckpoint (10,000 pages, 40 MiB) for speed; on a nearly
 * full disk that growth alone would stop every commit, while each page's own growth fits.
 */
const LOW_SPACE_BYTES = 1024 * 1024 * 1024;

function lowOnSpace(db: Database.Database): boolean {
  if (db.memory) return false;
  const stats = statfsSync(dirname(db.name));
  return stats.bavail * stats.bsize < LOW_SPACE_BYTES;
}

/** Copies the WAL into the database and empties it, giving its space back; best effort. */
function checkpointWal(db: Database.Database): void {
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } catch (error) {
    // Still full, or a reader holds the WAL: it is folded in at a later commit.
    if (!isFull(error) && !isBusy(error)) throw error;
  }
}

/**
 * A write that fails for lack of space is rolled back, and its WAL frames are given back to
 * the file system (a large page may have grown the WAL just before failing), so that a
 * smaller page can still commit on a nearly full disk. The caller then sees one error type.
 */
function whenFull(db: Database.Database, write: () => void): void {
  try {
    write();
  } catch (error) {
    if (!isFull(error)) throw error;
    checkpointWal(db);
    throw new ReadModelStoreFullError({ cause: error });
  }
}

const codeOf = (error: unknown) => (error as { code?: unknown }).code;
const isFull = (error: unknown) => codeOf(error) === 'SQLITE_FULL';
const isBusy = (error: unknown) => String(codeOf(error)).startsWith('SQLITE_BUSY');
