import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STATISTIC_MEASURES } from '@hub/domain';
import { SqliteReadModelStore } from './sqlite-read-model-store.js';
import { ThreadWriter } from './thread-writer.js';

describe('ThreadWriter', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hub-thread-writer-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts its thread with the first request, not before, and closes unstarted at once', async () => {
    const filename = join(dir, 'read-models.db');
    // The file and its schema, as the store that owns the writer makes them.
    const store = new SqliteReadModelStore(filename);
    const idle = new ThreadWriter(filename, STATISTIC_MEASURES.exceptPairs());
    expect(idle.started).toBe(false);
    await idle.close();
    expect(idle.started).toBe(false);

    const writer = new ThreadWriter(filename, STATISTIC_MEASURES.exceptPairs());
    await writer.reset('nothing-projected-yet');
    expect(writer.started).toBe(true);
    await writer.close();
    await store.close();
  });
});
