import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readModelStoreContract } from '../contract/index.js';
import { SqliteReadModelStore } from './sqlite-read-model-store.js';

describe.each([
  ['commits inline', false],
  ['commits on a writer thread', true],
])('SqliteReadModelStore, %s (read-model contract)', (_how, writerThread) => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  readModelStoreContract(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-rm-'));
    dirs.push(dir);
    return new SqliteReadModelStore(join(dir, 'hub.db'), { writerThread });
  });
});
