import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { readModelStoreContract } from '../contract/index.js';
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
      const store = new SqliteReadModelStore(join(dir, 'hub.db'), { writerThread });
      files.set(store, join(dir, 'hub.db'));
      return store;
    },
    async (store) => {
      const file = files.get(store);
      if (!file) throw new Error('a store the contract did not open');
      const db = new Database(file);
      db.exec('UPDATE rm_fact_sums SET lo = lo + 1; UPDATE rm_distinct_days SET n = n + 1');
      db.close();
    },
  );
});

describe('SqliteReadModelStore.pageDocumentsIf', () => {
  let dir: string;
  let store: SqliteReadModelStore;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hub-rm-'));
    store = new SqliteReadModelStore(join(dir, 'hub.db'));
    const documents = ['a', 'b', 'c', 'd'].map((key, i) => ({
      key,
      value: { key, unit: i % 2 === 0 ? '310101' : '320102' },
    }));
    await store.commit([
      {
        projection: 'clue-ledger',
        version: 1,
        after: undefined,
        position: 1n,
        documents,
        facts: [],
      },
    ]);
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('parses only what the text test lets through and keeps the others as keys, in order', async () => {
    const page = await store.pageDocumentsIf('clue-ledger', { limit: 3 }, (json) =>
      json.includes('3101'),
    );
    expect(page).toEqual([
      { key: 'a', value: { key: 'a', unit: '310101' } },
      { key: 'b', skipped: true },
      { key: 'c', value: { key: 'c', unit: '310101' } },
    ]);
    // The next page goes on after the last key scanned, skipped or not.
    expect(
      await store.pageDocumentsIf('clue-ledger', { after: 'c', limit: 3 }, () => true),
    ).toEqual([{ key: 'd', value: { key: 'd', unit: '320102' } }]);
  });
});
