import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { CellQuery } from '@hub/domain';
import { CONTRACT_EXCEPT_PAIRS, readModelStoreContract } from '../contract/index.js';
import { SqliteReadModelStore } from './sqlite-read-model-store.js';

describe.each([
  ['commits inline', false],
  ['commits on a writer thread', true],
])('SqliteReadModelStore, %s (read-model contract)', (_how, writerThread) => {
  const dirs: string[] = [];
  const files = new Map<object, string>();
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  readModelStoreContract(
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'hub-rm-'));
      dirs.push(dir);
      const store = new SqliteReadModelStore(join(dir, 'hub.db'), {
        writerThread,
        exceptPairs: CONTRACT_EXCEPT_PAIRS,
      });
      files.set(store, join(dir, 'hub.db'));
      return store;
    },
    async (store) => {
      const file = files.get(store);
      if (!file) throw new Error('a store the contract did not open');
      const db = new Database(file);
      db.exec(
        'UPDATE rm_fact_sums SET lo = lo + 1; UPDATE rm_distinct_days SET n = n + 1;' +
          ' UPDATE rm_except_days SET n = n + 1',
      );
      db.close();
    },
    { exceptFromAggregates: true },
  );
});

describe('SqliteReadModelStore opening a file kept by triggers (schema before the writer kept the aggregates)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-rm-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const fact = (position: bigint) => ({
    measureId: 7,
    unit: '310104',
    day: 20240701,
    position,
    eventId: `e${position}`,
    value: 5,
    distinctKey: `k${position}`,
    recordedMs: 1000,
  });
  const batch = (after: bigint | undefined, position: bigint) => ({
    projection: 'statistics',
    version: 4,
    after,
    position,
    documents: [],
    facts: [fact(position)],
  });
  const query: CellQuery = {
    measureId: 7,
    aggregate: 'sum',
    unitFrom: 310000,
    unitTo: 319999,
    dayFrom: 20240701,
    dayTo: 20240731,
    groupDigits: 0,
  };

  it.each([
    ['the old triggers', true, 10n],
    ['(control) a trigger that is not among them', false, 15n],
  ])('drops %s, so a fact is summed once', async (_what, oldName, expected) => {
    const file = join(dir, `${String(oldName)}.db`);
    const before = new SqliteReadModelStore(file);
    await before.commit([batch(undefined, 1n)]);
    await before.close();
    // As the per-row trigger of schema v3 summed each fact (the writer now does it too).
    const db = new Database(file);
    db.exec(`CREATE TRIGGER ${oldName ? 'rm_facts_sum' : 'rm_facts_other'} AFTER INSERT ON rm_facts BEGIN
      INSERT INTO rm_fact_sums (measure, unit, day, hi, lo)
      VALUES (NEW.measure, NEW.unit, NEW.day, NEW.value >> 32, NEW.value & 4294967295)
      ON CONFLICT (measure, unit, day) DO UPDATE SET hi = hi + excluded.hi, lo = lo + excluded.lo;
    END`);
    db.close();
    const after = new SqliteReadModelStore(file);
    await after.commit([batch(1n, 2n)]);
    expect(await after.aggregate(query)).toEqual(new Map([['', expected]]));
    expect(await after.aggregateFromFacts(query)).toEqual(new Map([['', 10n]]));
    await after.close();
  });
});

describe('SqliteReadModelStore opening a file of schema 4 (a key day per division in rm_key_days)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-rm-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const fact = (position: bigint, day: number) => ({
    measureId: 7,
    unit: '310104',
    day,
    position,
    eventId: `e${position}`,
    value: 1,
    distinctKey: 'the same worker',
    recordedMs: 1000,
  });
  const batch = (after: bigint | undefined, position: bigint, day: number) => ({
    projection: 'statistics',
    version: 4,
    after,
    position,
    documents: [],
    facts: [fact(position, day)],
  });
  const query: CellQuery = {
    measureId: 7,
    aggregate: 'distinct',
    unitFrom: 310000,
    unitTo: 319999,
    dayFrom: 20240701,
    dayTo: 20240731,
    groupDigits: 0,
  };

  it.each([
    ['keeps the key days it held, so a key seen again counts once', true, 1n],
    ['(control) with those rows lost, the key would count twice', false, 2n],
  ])('%s', async (_what, keepRows, expected) => {
    const file = join(dir, `${String(keepRows)}.db`);
    const before = new SqliteReadModelStore(file);
    await before.commit([batch(undefined, 1n, 20240702)]);
    await before.close();
    // The file as schema 4 left it: the key's day in each of its unit's three divisions.
    const db = new Database(file);
    db.exec(`CREATE TABLE rm_key_days (
      measure INTEGER NOT NULL, digits INTEGER NOT NULL, scope INTEGER NOT NULL,
      dkey TEXT NOT NULL, day INTEGER NOT NULL,
      PRIMARY KEY (measure, dkey, digits, scope, day)) WITHOUT ROWID`);
    if (keepRows)
      db.exec(`INSERT INTO rm_key_days (measure, digits, scope, dkey, day)
        SELECT measure, 2, unit / 10000, dkey, day FROM rm_key_unit_days
        UNION ALL SELECT measure, 4, unit / 100, dkey, day FROM rm_key_unit_days
        UNION ALL SELECT measure, 6, unit, dkey, day FROM rm_key_unit_days`);
    db.exec('DROP TABLE rm_key_unit_days');
    db.close();
    const after = new SqliteReadModelStore(file);
    await after.commit([batch(1n, 2n, 20240705)]);
    expect(await after.aggregateFromFacts(query)).toEqual(new Map([['', 1n]]));
    expect(await after.aggregate(query)).toEqual(new Map([['', expected]]));
    await after.close();
  });
});

describe('SqliteReadModelStore opening a file whose documents are a WITHOUT ROWID table', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-rm-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const tableSql = (file: string) => {
    const db = new Database(file);
    try {
      return (
        db
          .prepare<[], { sql: string }>(
            "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'rm_documents'",
          )
          .get()?.sql ?? ''
      );
    } finally {
      db.close();
    }
  };

  it('copies every document into the rowid table once, and goes on from its checkpoint', async () => {
    const file = join(dir, 'old.db');
    const documents = Array.from({ length: 500 }, (_, i) => ({
      key: `CL-${String(i).padStart(4, '0')}`,
      value: { clueId: `CL-${i}`, timeline: Array.from({ length: 8 }, (_, n) => `步骤${n}`) },
    }));
    const before = new SqliteReadModelStore(file);
    await before.commit([
      {
        projection: 'clue-ledger',
        version: 1,
        after: undefined,
        position: 5n,
        documents,
        facts: [],
      },
    ]);
    await before.close();
    // The file as earlier releases left it: the same rows in a WITHOUT ROWID table.
    const db = new Database(file);
    db.exec(`ALTER TABLE rm_documents RENAME TO fresh;
      CREATE TABLE rm_documents (collection TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (collection, key)) WITHOUT ROWID;
      INSERT INTO rm_documents SELECT collection, key, value FROM fresh;
      DROP TABLE fresh;`);
    db.close();
    expect(tableSql(file)).toMatch(/WITHOUT ROWID/);

    const after = new SqliteReadModelStore(file);
    expect(tableSql(file)).not.toMatch(/WITHOUT ROWID/);
    const keys = documents.map((d) => d.key);
    const read = await after.getDocuments('clue-ledger', keys);
    expect(read.size).toBe(500);
    expect(read.get('CL-0042')).toEqual(documents[42]!.value);
    expect(await after.pageDocuments('clue-ledger', { after: 'CL-0497', limit: 10 })).toEqual(
      documents.slice(498),
    );
    // Upserts go on against the copied rows (the (collection, key) key still holds).
    await after.commit([
      {
        projection: 'clue-ledger',
        version: 1,
        after: 5n,
        position: 6n,
        documents: [{ key: 'CL-0042', value: { clueId: 'CL-42', closed: true } }],
        facts: [],
      },
    ]);
    expect((await after.getDocuments('clue-ledger', ['CL-0042'])).get('CL-0042')).toEqual({
      clueId: 'CL-42',
      closed: true,
    });
    expect((await after.listDocuments('clue-ledger')).length).toBe(500);
    await after.close();
    // Opening again finds nothing to do.
    const again = new SqliteReadModelStore(file);
    expect((await again.listDocuments('clue-ledger')).length).toBe(500);
    await again.close();
  });
});
