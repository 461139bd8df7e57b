import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anEvent, eventStoreContract } from '@hub/event-store/contract';
import {
  EventTooLargeError,
  IdempotencyConflictError,
  InvalidAppendError,
  WrongExpectedRevisionError,
  type RecordedEvent,
} from '@hub/event-store';
import { SqliteEventStore } from './sqlite-event-store.js';
import { ThreadedSqliteEventStore } from './threaded-sqlite-event-store.js';

const MAX = 256 * 1024;

function tempFile() {
  const dir = mkdtempSync(join(tmpdir(), 'hub-threaded-store-'));
  return {
    filename: join(dir, 'events.db'),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

// idIndexLag 3: ids move into event_ids every few appends, on the writer thread.
for (const idIndexLag of [undefined, 3]) {
  const options = { maxEventBytes: MAX, ...(idIndexLag ? { idIndexLag } : {}) };
  eventStoreContract(
    `embedded SQLite, appends on a writer thread${idIndexLag ? `, ids indexed every ${idIndexLag}` : ''}`,
    async () => {
      const { filename, cleanup } = tempFile();
      let store = new ThreadedSqliteEventStore({ filename, ...options });
      return {
        store,
        maxEventBytes: MAX,
        cleanup,
        openAnother: async () => new ThreadedSqliteEventStore({ filename, ...options }),
        reopen: async () => {
          await store.close();
          store = new ThreadedSqliteEventStore({ filename, ...options });
          return store;
        },
      };
    },
  );
}

describe('embedded store with a writer thread', () => {
  it('keeps each refusal its class, code and fields across the thread', async () => {
    const { filename, cleanup } = tempFile();
    const store = new ThreadedSqliteEventStore({ filename, maxEventBytes: 1024 });
    try {
      const first = anEvent();
      const ok = await store.append('x', [first]);
      expect(ok).toEqual({ stream: 'x', nextExpectedRevision: 0, position: 1n, duplicate: false });

      const wrong = await store
        .append('x', [anEvent()], { expectedRevision: 5 })
        .catch((e: unknown) => e);
      expect(wrong).toBeInstanceOf(WrongExpectedRevisionError);
      expect(wrong).toMatchObject({
        code: 'WRONG_EXPECTED_REVISION',
        stream: 'x',
        expected: 5,
        actual: 0,
      });

      const conflict = await store
        .append('x', [{ ...first, data: { other: true } }])
        .catch((e: unknown) => e);
      expect(conflict).toBeInstanceOf(IdempotencyConflictError);
      expect(conflict).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', eventId: first.id });

      const big = anEvent({ data: { text: 'x'.repeat(2048) } });
      const tooLarge = await store.append('y', [big]).catch((e: unknown) => e);
      expect(tooLarge).toBeInstanceOf(EventTooLargeError);
      expect(tooLarge).toMatchObject({ code: 'EVENT_TOO_LARGE', eventId: big.id, limit: 1024 });

      const invalid = await store.append('', [anEvent()]).catch((e: unknown) => e);
      expect(invalid).toBeInstanceOf(InvalidAppendError);
      expect(invalid).toMatchObject({ message: 'stream name is empty' });

      // A retry with the same content answers as the original did.
      expect(await store.append('x', [first])).toEqual({ ...ok, duplicate: true });
      expect((await store.readAll()).map((e) => e.id)).toEqual([first.id]);
    } finally {
      await store.close();
      await cleanup();
    }
  });

  it('wakes subscribers on this thread at each commit, without waiting for the poll', async () => {
    const { filename, cleanup } = tempFile();
    // A poll of a minute: only the wake after a commit can deliver within the test.
    const store = new ThreadedSqliteEventStore({ filename, pollIntervalMs: 60_000 });
    const seen: RecordedEvent[] = [];
    let caughtUp!: () => void;
    const ready = new Promise<void>((r) => (caughtUp = r));
    const subscription = store.subscribeToAll((e) => void seen.push(e), {
      onCaughtUp: () => caughtUp(),
    });
    try {
      await ready;
      const started = Date.now();
      await store.append('s', [anEvent(), anEvent()]);
      while (seen.length < 2 && Date.now() - started < 5_000)
        await new Promise((r) => setTimeout(r, 10));
      expect(seen.map((e) => e.revision)).toEqual([0, 1]);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await subscription.stop();
      await store.close();
      await cleanup();
    }
  });

  it('answers every append sent before close, and refuses appends after it', async () => {
    const { filename, cleanup } = tempFile();
    const store = new ThreadedSqliteEventStore({ filename });
    try {
      const appends = Array.from({ length: 20 }, (_, i) => store.append(`s-${i % 4}`, [anEvent()]));
      const closed = store.close();
      const results = await Promise.all(appends);
      await closed;
      expect(new Set(results.map((r) => r.position)).size).toBe(20);
      await expect(store.append('s-0', [anEvent()])).rejects.toBeInstanceOf(InvalidAppendError);
      // What was acknowledged is in the file, as another handle reads it.
      const again = new SqliteEventStore({ filename });
      expect(await again.readAll()).toHaveLength(20);
      await again.close();
    } finally {
      await cleanup();
    }
  });
});
