import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
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
