import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anEvent, eventStoreContract } from '@hub/event-store/contract';
import { SqliteEventStore } from './sqlite-event-store.js';

const MAX = 256 * 1024;

function tempFile() {
  const dir = mkdtempSync(join(tmpdir(), 'hub-store-'));
  return {
    filename: join(dir, 'events.db'),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

// idIndexLag 3: event ids move into event_ids every few appends, so retries are found both
// among the latest ids (in memory) and in the index.
for (const { groupCommit, idIndexLag } of [
  { groupCommit: true, idIndexLag: undefined },
  { groupCommit: false, idIndexLag: undefined },
  { groupCommit: true, idIndexLag: 3 },
]) {
  const options = { groupCommit, maxEventBytes: MAX, ...(idIndexLag ? { idIndexLag } : {}) };
  eventStoreContract(
    `embedded SQLite (group commit ${groupCommit ? 'on' : 'off'}${idIndexLag ? `, ids indexed every ${idIndexLag}` : ''})`,
    async () => {
      const { filename, cleanup } = tempFile();
      let store = new SqliteEventStore({ filename, ...options });
      return {
        store,
        maxEventBytes: MAX,
        cleanup,
        openAnother: async () => new SqliteEventStore({ filename, ...options }),
        reopen: async () => {
          await store.close();
          store = new SqliteEventStore({ filename, ...options });
          return store;
        },
      };
    },
  );
}

describe('embedded store group commit', () => {
  it('commits appends that arrive together in one transaction, each with its own result', async () => {
    const { filename, cleanup } = tempFile();
    const store = new SqliteEventStore({ filename });
    try {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => store.append(`s-${i % 5}`, [anEvent()])),
      );
      expect(results.map((r) => r.stream)).toEqual(
        Array.from({ length: 50 }, (_, i) => `s-${i % 5}`),
      );
      expect(new Set(results.map((r) => r.position)).size).toBe(50);
      expect(results.filter((r) => r.stream === 's-0').map((r) => r.nextExpectedRevision)).toEqual([
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
      ]);
    } finally {
      await store.close();
      await cleanup();
    }
  });

  it('a failing append does not fail its neighbours in the same group', async () => {
    const { filename, cleanup } = tempFile();
    const store = new SqliteEventStore({ filename });
    try {
      await store.append('taken', [anEvent()]);
      const outcomes = await Promise.allSettled([
        store.append('a', [anEvent()]),
        store.append('taken', [anEvent()], { expectedRevision: 'no_stream' }),
        store.append('b', [anEvent()]),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(await store.readStream('a')).toHaveLength(1);
      expect(await store.readStream('b')).toHaveLength(1);
      expect(await store.readStream('taken')).toHaveLength(1);
    } finally {
      await store.close();
      await cleanup();
    }
  });

  it('leaves nothing of a retry that writes some new events and then fails, beside neighbours that commit', async () => {
    const { filename, cleanup } = tempFile();
    const store = new SqliteEventStore({ filename, maxEventBytes: 1024 });
    try {
      const first = anEvent();
      await store.append('x', [first]);
      const fresh = anEvent();
      const tooLarge = anEvent({ data: { text: 'x'.repeat(2048) } });
      const outcomes = await Promise.allSettled([
        store.append('a', [anEvent()]),
        store.append('x', [first, fresh, tooLarge]),
        store.append('b', [anEvent()]),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((await store.readStream('x')).map((e) => e.id)).toEqual([first.id]);
      expect(await store.readAll()).toHaveLength(3);
    } finally {
      await store.close();
      await cleanup();
    }
  });
});
