import { hash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  AppendArrivals,
  chainInput,
  type ChainLinkRecord,
  type RecordedEvent,
} from '@hub/event-store';
import { anEvent, eventStoreContract } from '@hub/event-store/contract';
import { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite-event-store.js';

const MAX = 256 * 1024;

function tempFile() {
  const dir = mkdtempSync(join(tmpdir(), 'hub-store-'));
  return {
    filename: join(dir, 'events.db'),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The contract suite on stores opened with these options, each in a file of its own. */
function contractWith(name: string, options: Omit<SqliteEventStoreOptions, 'filename'>) {
  eventStoreContract(name, async () => {
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
  });
}

// idIndexLag 3: event ids move into event_ids every few appends, so retries are found both
// among the latest ids (in memory) and in the index.
for (const { groupCommit, idIndexLag } of [
  { groupCommit: true, idIndexLag: undefined },
  { groupCommit: false, idIndexLag: undefined },
  { groupCommit: true, idIndexLag: 3 },
]) {
  contractWith(
    `embedded SQLite (group commit ${groupCommit ? 'on' : 'off'}${idIndexLag ? `, ids indexed every ${idIndexLag}` : ''})`,
    { groupCommit, maxEventBytes: MAX, ...(idIndexLag ? { idIndexLag } : {}) },
  );
}

// Every group waits its whole delay: an arrival that never appends is always on its way.
{
  const arrivals = new AppendArrivals();
  arrivals.begin();
  contractWith('embedded SQLite (each group waits for an append on its way)', {
    maxEventBytes: MAX,
    commitDelay: { arrivals, maxWaitMs: 2 },
  });
}

describe('embedded store group commit, waiting for appends on their way', () => {
  /** A store whose clock says which transaction wrote an event: its n-th reading is second n. */
  function storeWith(arrivals: AppendArrivals, maxWaitMs: number) {
    const { filename, cleanup } = tempFile();
    let readings = 0;
    const now = () => new Date(Date.UTC(2026, 0, 1, 0, 0, ++readings));
    const store = new SqliteEventStore({ filename, now, commitDelay: { arrivals, maxWaitMs } });
    const committed = async () => (await store.readAll()).map((e) => e.recordedAt.slice(17, 19));
    return { store, cleanup, committed };
  }

  it('waits for a publisher on its way and commits its append with the one queued before', async () => {
    const arrivals = new AppendArrivals();
    const { store, cleanup, committed } = storeWith(arrivals, 60_000);
    try {
      const onItsWay = arrivals.begin();
      let first = false;
      const a = store.append('a', [anEvent()]).then((r) => ((first = true), r));
      await new Promise((r) => setTimeout(r, 50));
      expect(first).toBe(false);
      // As a publish request does: it says so, and appends in the same turn.
      onItsWay();
      const b = store.append('b', [anEvent()]);
      expect((await Promise.all([a, b])).map((r) => r.position)).toEqual([1n, 2n]);
      expect(await committed()).toEqual(['01', '01']);
    } finally {
      await store.close();
      await cleanup();
    }
  });

  it('commits at once when no publisher is on its way (control)', async () => {
    const arrivals = new AppendArrivals();
    const { store, cleanup, committed } = storeWith(arrivals, 60_000);
    try {
      const arrived = arrivals.begin();
      arrived();
      arrived(); // said twice: counted once
      expect(arrivals.pending).toBe(0);
      await store.append('a', [anEvent()]);
      await store.append('b', [anEvent()]);
      expect(await committed()).toEqual(['01', '02']);
    } finally {
      await store.close();
      await cleanup();
    }
  });

  it('waits no longer than its limit for a publisher that never appends', async () => {
    const arrivals = new AppendArrivals();
    const { store, cleanup, committed } = storeWith(arrivals, 80);
    try {
      arrivals.begin();
      const started = performance.now();
      await store.append('a', [anEvent()]);
      const waited = performance.now() - started;
      expect(waited).toBeGreaterThanOrEqual(75);
      // Far less than the test's own timeout: the limit, not jest, ended the wait.
      expect(waited).toBeLessThan(1500);
      expect(await committed()).toEqual(['01']);
    } finally {
      await store.close();
      await cleanup();
    }
  });

  it('commits a waiting group at once when closed', async () => {
    const arrivals = new AppendArrivals();
    const { store, cleanup } = storeWith(arrivals, 600_000);
    try {
      arrivals.begin();
      const a = store.append('a', [anEvent()]);
      await new Promise((r) => setTimeout(r, 20));
      await store.close();
      expect((await a).position).toBe(1n);
    } finally {
      await cleanup();
    }
  });
});

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

  it('records the appends committed together at one time, read once from the clock', async () => {
    const { filename, cleanup } = tempFile();
    let readings = 0;
    const now = () => new Date(Date.UTC(2026, 0, 1, 0, 0, ++readings));
    const store = new SqliteEventStore({ filename, now });
    try {
      const together = await Promise.all(
        ['a', 'b', 'c'].map((stream) => store.append(stream, [anEvent(), anEvent()])),
      );
      expect(together.map((r) => r.position)).toEqual([2n, 4n, 6n]);
      await store.append('d', [anEvent()]);
      const times = (await store.readAll()).map((e) => e.recordedAt);
      expect(times).toEqual([
        ...Array.from({ length: 6 }, () => '2026-01-01T00:00:01.000Z'),
        // Control: the next transaction reads the clock again.
        '2026-01-01T00:00:02.000Z',
      ]);
      expect(readings).toBe(2);
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

/**
 * A write that fails other than on a constraint (a trigger on `events` stands in for a disk
 * error, which may undo more than its statement), or fails half-way through an append of more
 * events than one INSERT takes: the append fails alone and leaves nothing, whether it ran with
 * a savepoint or without one (the group is then rolled back and written again).
 */
describe('embedded store, an append that fails half-way', () => {
  /** `fromRevision`: events of the stream `poison` from this revision on fail to be written. */
  function poisonEvents(filename: string, fromRevision = 0): void {
    const other = new Database(filename);
    other.exec(`CREATE TRIGGER poison BEFORE INSERT ON events
      WHEN NEW.stream = 'poison' AND NEW.revision >= ${fromRevision}
      BEGIN SELECT RAISE(ABORT, 'the disk failed'); END`);
    other.close();
  }

  /** Positions 1…n without a gap, each link the hash of the one before and the event. */
  function expectWholeChain(events: readonly RecordedEvent[]): void {
    let previous: string | undefined;
    events.forEach((e, i) => {
      expect(e.position).toBe(BigInt(i + 1));
      const input = chainInput(previous, {
        position: e.position,
        stream: e.streamName,
        revision: e.revision,
        id: e.id,
        type: e.type,
        recordedAt: e.recordedAt,
        dataJson: JSON.stringify(e.data),
        metadataJson: JSON.stringify(e.metadata),
      });
      expect(e.chain).toBe(`sha256:${hash('sha256', input)}`);
      previous = e.chain;
    });
  }

  for (const groupCommit of [true, false]) {
    it(`fails alone beside neighbours that commit (group commit ${groupCommit ? 'on' : 'off'})`, async () => {
      const { filename, cleanup } = tempFile();
      const store = new SqliteEventStore({ filename, groupCommit });
      try {
        await store.append('before', [anEvent()]);
        poisonEvents(filename);
        const outcomes = await Promise.allSettled([
          store.append('a', [anEvent(), anEvent()]),
          store.append('poison', [anEvent(), anEvent()]),
          store.append('b', [anEvent()]),
        ]);
        expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        expect(String((outcomes[1] as PromiseRejectedResult).reason)).toContain('the disk failed');
        // Alone in its group: nothing of it stays either.
        await expect(store.append('poison', [anEvent()])).rejects.toThrow('the disk failed');
        await store.append('after', [anEvent()]);
        expect(await store.readStream('poison')).toEqual([]);
        const all = await store.readAll();
        expect(all.map((e) => e.streamName)).toEqual(['before', 'a', 'a', 'b', 'after']);
        expectWholeChain(all);
      } finally {
        await store.close();
        await cleanup();
      }
    });
  }

  for (const groupCommit of [true, false]) {
    // Such an append always runs inside a savepoint, which undoes the first INSERT; the group is
    // written again only if that fails too (HalfWritten).
    it(`an append of 150 events whose second INSERT fails leaves none of the first 100 (group commit ${groupCommit ? 'on' : 'off'})`, async () => {
      const { filename, cleanup } = tempFile();
      const store = new SqliteEventStore({ filename, groupCommit });
      try {
        await store.append('before', [anEvent()]);
        poisonEvents(filename, 100);
        const long = Array.from({ length: 150 }, () => anEvent());
        const outcomes = await Promise.allSettled([
          store.append('a', [anEvent()]),
          store.append('poison', long),
          store.append('b', [anEvent()]),
        ]);
        expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        expect(await store.readStream('poison')).toEqual([]);
        // Control: the first 100 alone are written, and the revision goes on from them.
        await store.append('poison', long.slice(0, 100));
        await expect(store.append('poison', [anEvent()])).rejects.toThrow('the disk failed');
        expect((await store.readStream('poison')).map((e) => e.revision)).toEqual(
          Array.from({ length: 100 }, (_, i) => i),
        );
        const all = await store.readAll();
        expect(all).toHaveLength(103);
        expectWholeChain(all);
      } finally {
        await store.close();
        await cleanup();
      }
    });
  }

  for (const groupCommit of [true, false]) {
    it(`a multi-stream append failing half-way in its second stream leaves nothing of the first (group commit ${groupCommit ? 'on' : 'off'})`, async () => {
      const { filename, cleanup } = tempFile();
      const store = new SqliteEventStore({ filename, groupCommit });
      try {
        await store.append('before', [anEvent()]);
        poisonEvents(filename);
        const outcomes = await Promise.allSettled([
          store.append('a', [anEvent()]),
          store.appendMany([
            { stream: 'first', events: [anEvent(), anEvent()] },
            { stream: 'poison', events: [anEvent()] },
            { stream: 'third', events: [anEvent()] },
          ]),
          store.append('b', [anEvent()]),
        ]);
        expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        expect(await store.readStream('first')).toEqual([]);
        // Control: the same first stream, without the poisoned one, is written.
        await store.appendMany([
          { stream: 'first', events: [anEvent()] },
          { stream: 'third', events: [anEvent()] },
        ]);
        const all = await store.readAll();
        expect(all.map((e) => e.streamName)).toEqual(['before', 'a', 'b', 'first', 'third']);
        expectWholeChain(all);
      } finally {
        await store.close();
        await cleanup();
      }
    });

    it(`a multi-stream append repeating one earlier append takes that one as recorded and writes the rest (group commit ${groupCommit ? 'on' : 'off'})`, async () => {
      const { filename, cleanup } = tempFile();
      const store = new SqliteEventStore({ filename, groupCommit });
      try {
        const earlier = [anEvent(), anEvent()];
        const first = await store.append('x', earlier);
        const results = await store.appendMany([
          { stream: 'y', events: [anEvent()] },
          { stream: 'x', events: earlier, expectedRevision: 'no_stream' },
          { stream: 'z', events: [anEvent()] },
        ]);
        expect(results.map((r) => r.duplicate)).toEqual([false, true, false]);
        expect(results[1]).toEqual({ ...first, duplicate: true });
        const all = await store.readAll();
        expect(all.map((e) => e.streamName)).toEqual(['x', 'x', 'y', 'z']);
        expectWholeChain(all);
      } finally {
        await store.close();
        await cleanup();
      }
    });
  }

  it('the same appends commit when nothing fails (control)', async () => {
    const { filename, cleanup } = tempFile();
    const store = new SqliteEventStore({ filename });
    try {
      await store.append('before', [anEvent()]);
      const outcomes = await Promise.allSettled([
        store.append('a', [anEvent(), anEvent()]),
        store.append('poison', [anEvent(), anEvent()]),
        store.append('b', [anEvent()]),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
      const all = await store.readAll();
      expect(all.map((e) => e.streamName)).toEqual(['before', 'a', 'a', 'poison', 'poison', 'b']);
      expectWholeChain(all);
    } finally {
      await store.close();
      await cleanup();
    }
  });
});

describe('embedded store, its latest commits read back from memory', () => {
  /** Every event after `after`, page by page: from memory where the handle holds them. */
  async function readAllPaged(store: SqliteEventStore, after?: bigint, page = 7) {
    const out: RecordedEvent[] = [];
    for (;;) {
      const got = await store.readAll({
        ...(after === undefined ? {} : { after }),
        maxCount: page,
      });
      if (got.length === 0) return out;
      out.push(...got);
      after = got[got.length - 1]!.position;
    }
  }

  for (const groupCommit of [true, false]) {
    it(`gives exactly what the file holds, after failures, retries and undone appends (group commit ${groupCommit ? 'on' : 'off'})`, async () => {
      const { filename, cleanup } = tempFile();
      const store = new SqliteEventStore({ filename, groupCommit });
      const fresh = new SqliteEventStore({ filename, groupCommit });
      try {
        // A reader follows the tail (as the projections do): the store keeps what it commits.
        expect(await store.readAll()).toEqual([]);
        await store.append('first', [anEvent()]);
        // A trigger fails the writes of stream `poison` from revision 1 on (half-way failures).
        const other = new Database(filename);
        other.exec(`CREATE TRIGGER poison BEFORE INSERT ON events
          WHEN NEW.stream = 'poison' AND NEW.revision >= 1
          BEGIN SELECT RAISE(ABORT, 'the disk failed'); END`);
        other.close();
        // Another connection changed the file: the store starts keeping again from here.
        const from = (await store.append('start', [anEvent()])).position;
        const retried = [anEvent(), anEvent()];
        const outcomes = await Promise.allSettled([
          store.append('a', [anEvent(), anEvent()]),
          // Half-way: its first event is written, its second fails, the append is undone.
          store.append('poison', [anEvent(), anEvent()]),
          store.append('b', retried),
          // A wrong revision: refused before anything is written.
          store.append('a', [anEvent()], { expectedRevision: 7 }),
          // Atomic across streams: the second request fails, the first is undone with it.
          store.appendMany([
            { stream: 'c', events: [anEvent()], expectedRevision: 'any' },
            { stream: 'b', events: [anEvent()], expectedRevision: 'no_stream' },
          ]),
          // Over the 100 rows of one INSERT.
          store.append(
            'large',
            Array.from({ length: 230 }, () => anEvent()),
          ),
        ]);
        expect(outcomes.map((o) => o.status)).toEqual([
          'fulfilled',
          'rejected',
          'fulfilled',
          'rejected',
          'rejected',
          'fulfilled',
        ]);
        // A retry (nothing new) and a retry with one event more.
        await store.append('b', retried);
        await store.append('b', [...retried, anEvent()]);
        await store.append('last', [anEvent()]);

        const served = store.recentReadCount();
        const fromMemory = await readAllPaged(store, from - 1n);
        // Every one of them came from memory, none from the file.
        expect(store.recentReadCount() - served).toBe(fromMemory.length);
        // The handle that never wrote reads the file.
        expect(fresh.recentReadCount()).toBe(0);
        const fromFile = await readAllPaged(fresh, from - 1n);
        expect(fresh.recentReadCount()).toBe(0);
        expect(fromMemory).toEqual(fromFile);
        expect(fromMemory.map((e) => e.streamName)).toEqual([
          'start',
          'a',
          'a',
          'b',
          'b',
          ...Array<string>(230).fill('large'),
          'b',
          'last',
        ]);
        expectPositionsFrom(fromMemory, from);
        // What it does not keep (before another connection wrote) comes from the file.
        expect(await store.readAll({ maxCount: 2 })).toEqual(await fresh.readAll({ maxCount: 2 }));
      } finally {
        await fresh.close();
        await store.close();
        await cleanup();
      }
    });
  }

  it('never misses what another connection committed after it', async () => {
    const { filename, cleanup } = tempFile();
    const a = new SqliteEventStore({ filename });
    const b = new SqliteEventStore({ filename });
    try {
      expect(await a.readAll()).toEqual([]);
      await a.append('by-a', [anEvent(), anEvent()]);
      // Control: right after its own append, A reads from memory.
      const before = a.recentReadCount();
      expect(await a.readAll({ after: 1n })).toHaveLength(1);
      expect(a.recentReadCount() - before).toBe(1);

      const retried = [anEvent()];
      await b.append('by-b', [anEvent(), anEvent(), ...retried]);
      // A retry through A writes nothing, but its transaction begins after B's commits.
      expect((await a.append('by-b', retried)).duplicate).toBe(true);
      const afterA = await a.readAll({ after: 2n });
      expect(afterA.map((e) => e.streamName)).toEqual(['by-b', 'by-b', 'by-b']);

      await a.append('by-a', [anEvent()]);
      expect(await a.readAll()).toEqual(await b.readAll());
      expect((await a.readAll({ after: 5n })).map((e) => e.position)).toEqual([6n]);
      // And a subscriber of A is given B's events too.
      const seen: bigint[] = [];
      const subscription = a.subscribeToAll((e) => void seen.push(e.position), { after: 3n });
      await b.append('by-b', [anEvent()]);
      for (let i = 0; i < 100 && seen.length < 4; i++) await new Promise((r) => setTimeout(r, 20));
      await subscription.stop();
      expect(seen).toEqual([4n, 5n, 6n, 7n]);
    } finally {
      await b.close();
      await a.close();
      await cleanup();
    }
  });

  it('gives its readers the values appended, frozen, where they are what the file gives back', async () => {
    const { filename, cleanup } = tempFile();
    const store = new SqliteEventStore({ filename });
    const fresh = new SqliteEventStore({ filename });
    try {
      expect(await store.readAll()).toEqual([]);
      const plain = { inspectionId: 'I-1', findings: [{ code: 'F1', counts: [1, 2] }], none: null };
      const plainMetadata = { agency: 'emergency', actor: { officerId: 'o-1' } };
      // Not what the file gives back: each reader gets its own parse of the stored text.
      const notPlain = [
        { at: new Date(0) },
        { kept: 1, dropped: undefined },
        { n: NaN, z: -0 },
        [1, undefined],
      ];
      await store.append('plain', [{ ...anEvent(), data: plain, metadata: plainMetadata }]);
      await store.append(
        'not-plain',
        notPlain.map((data) => ({ ...anEvent(), data })),
      );
      await store.append('no-data', [
        { id: anEvent().id, type: 'Bare', data: undefined, metadata: {} },
      ]);

      const served = store.recentReadCount();
      const fromMemory = await store.readAll();
      expect(store.recentReadCount() - served).toBe(fromMemory.length);
      // Exactly what the file holds, undefined fields and all.
      expect(fromMemory).toStrictEqual(await fresh.readAll());
      expect(fresh.recentReadCount()).toBe(0);

      const [shared, ...parsed] = fromMemory;
      expect(shared!.data).toBe(plain);
      expect(shared!.metadata).toBe(plainMetadata);
      // Nobody can change what was recorded: not the appender, not one reader for another.
      expect(Object.isFrozen(plain.findings[0]!.counts)).toBe(true);
      expect(() => {
        plain.findings[0]!.code = 'changed';
      }).toThrow(TypeError);
      expect((await store.readAll({ maxCount: 1 }))[0]!.data).toBe(plain);
      for (const [i, value] of notPlain.entries()) {
        expect(parsed[i]!.data).not.toBe(value);
        expect(Object.isFrozen(value)).toBe(false);
      }
      expect(parsed.at(-1)!.data).toBeNull();
      expect(parsed.at(-1)!.metadata).toStrictEqual({});
    } finally {
      await fresh.close();
      await store.close();
      await cleanup();
    }
  });

  it('records an event whose data cannot be shared exactly once, whatever checking it does', async () => {
    const { filename, cleanup } = tempFile();
    const store = new SqliteEventStore({ filename });
    try {
      expect(await store.readAll()).toEqual([]);
      // Serialised once for the row; the check for sharing reads it again and it throws.
      let reads = 0;
      const data = {
        get once() {
          if (++reads > 1) throw new Error('read twice');
          return 1;
        },
      };
      const event = { ...anEvent(), data };
      expect((await store.append('s', [event])).duplicate).toBe(false);
      // Recorded, and known as recorded: a retry with the same content writes nothing.
      expect((await store.append('s', [{ ...event, data: { once: 1 } }])).duplicate).toBe(true);
      const read = await store.readAll();
      expect(read.map((e) => e.data)).toStrictEqual([{ once: 1 }]);
    } finally {
      await store.close();
      await cleanup();
    }
  });

  it('an append that fails after its rows were written leaves none of them, beside neighbours that commit', async () => {
    const { filename, cleanup } = tempFile();
    const store = new SqliteEventStore({ filename });
    const fresh = new SqliteEventStore({ filename });
    try {
      expect(await store.readAll()).toEqual([]);
      // Keeping the rows of stream `bad` fails: after its INSERT, before the append is done.
      const kept = (store as unknown as { recentRows: { stage: (...a: unknown[]) => void } })
        .recentRows;
      const stage = kept.stage.bind(kept);
      kept.stage = (first, values, extras) => {
        if ((values as unknown[])[2] === 'bad') throw new Error('out of memory');
        stage(first, values, extras);
      };
      const bad = anEvent();
      const outcomes = await Promise.allSettled([
        store.append('good', [anEvent()]),
        store.append('bad', [bad]),
        store.append('good', [anEvent()]),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((await fresh.readAll()).map((e) => e.streamName)).toEqual(['good', 'good']);
      // Reported failed, and it did fail: retried, it is written now, once.
      kept.stage = stage;
      expect((await store.append('bad', [bad])).duplicate).toBe(false);
      expect((await fresh.readAll()).map((e) => e.streamName)).toEqual(['good', 'good', 'bad']);
    } finally {
      await fresh.close();
      await store.close();
      await cleanup();
    }
  });

  it('freezes nothing for a writer nobody follows (control)', async () => {
    const { filename, cleanup } = tempFile();
    const store = new SqliteEventStore({ filename });
    try {
      const data = { inspectionId: 'I-2' };
      await store.append('s', [{ ...anEvent(), data }]);
      expect(Object.isFrozen(data)).toBe(false);
      expect((await store.readAll())[0]!.data).toEqual(data);
    } finally {
      await store.close();
      await cleanup();
    }
  });

  it('gives a notary the chain links of its latest commits from memory, as the file holds them', async () => {
    const { filename, cleanup } = tempFile();
    const store = new SqliteEventStore({ filename });
    const fresh = new SqliteEventStore({ filename });
    const follow = async (from: SqliteEventStore, count: number) => {
      const links: unknown[] = [];
      const subscription = from.subscribeToChainLinks((link) => void links.push(link));
      for (let i = 0; i < 200 && links.length < count; i++)
        await new Promise((r) => setTimeout(r, 10));
      await subscription.stop();
      return links;
    };
    try {
      expect(await store.readAll()).toEqual([]);
      await store.append('a', [anEvent(), anEvent()]);
      await store.append('b', [anEvent()]);
      const served = store.recentReadCount();
      const fromMemory = await follow(store, 3);
      expect(store.recentReadCount() - served).toBe(3);
      expect(fromMemory).toHaveLength(3);
      expect(fromMemory).toStrictEqual(await follow(fresh, 3));
      expect(fresh.recentReadCount()).toBe(0);
      expect((fromMemory[0] as { chain?: string }).chain).toMatch(/^sha256:/);
    } finally {
      await fresh.close();
      await store.close();
      await cleanup();
    }
  });

  it('keeps the links of its latest commits for a notary that alone follows the tail, and no values', async () => {
    const { filename, cleanup } = tempFile();
    const store = new SqliteEventStore({ filename });
    const fresh = new SqliteEventStore({ filename });
    const links: ChainLinkRecord[] = [];
    const subscription = store.subscribeToChainLinks((link) => void links.push(link));
    const until = async (count: number) => {
      for (let i = 0; i < 500 && links.length < count; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(links).toHaveLength(count);
    };
    try {
      // Its first read, of an empty store, follows the tail: what is appended next is kept.
      await store.append('a', [anEvent()]);
      await until(1);
      const served = store.recentReadCount();
      const data = { inspectionId: 'I-3' };
      await store.append('a', [{ ...anEvent(), data }, anEvent()]);
      await store.append('b', [anEvent()]);
      await until(4);
      // The three links came from memory, and are those the file holds.
      expect(store.recentReadCount() - served).toBe(3);
      const whole = await fresh.readAll();
      expect(links).toEqual(whole.map((e) => ({ position: e.position, chain: e.chain })));
      // Kept for links alone: the caller's values are not frozen, and a reader of records
      // given those rows from memory parses them as the file gives them.
      expect(Object.isFrozen(data)).toBe(false);
      const before = store.recentReadCount();
      expect(await store.readAll({ after: 1n })).toEqual(whole.slice(1));
      expect(store.recentReadCount() - before).toBe(3);
    } finally {
      await subscription.stop();
      await fresh.close();
      await store.close();
      await cleanup();
    }
  });

  it('keeps nothing while no reader follows the tail, and keeps again once one does', async () => {
    const { filename, cleanup } = tempFile();
    const store = new SqliteEventStore({ filename });
    try {
      // A writer alone (nobody has read): its rows are not kept.
      for (let i = 0; i < 3; i++) await store.append('s', [anEvent(), anEvent()]);
      expect((await store.readAll({ after: 4n })).map((e) => e.position)).toEqual([5n, 6n]);
      expect(store.recentReadCount()).toBe(0);
      // That read followed the tail: the next commit is kept and read from memory.
      await store.append('s', [anEvent()]);
      expect((await store.readAll({ after: 6n })).map((e) => e.position)).toEqual([7n]);
      expect(store.recentReadCount()).toBe(1);
      // Many commits with no reader near the tail: it stops keeping them.
      for (let i = 0; i < 70; i++) await store.append('s', [anEvent()]);
      expect((await store.readAll({ after: 76n })).map((e) => e.position)).toEqual([77n]);
      expect(store.recentReadCount()).toBe(1);
      // A reader far behind the tail (a rebuild from the start) does not count as following.
      const far = new SqliteEventStore({ filename });
      for (let i = 0; i < 110; i++)
        await far.append(
          't',
          Array.from({ length: 100 }, () => anEvent()),
        );
      await far.readAll({ maxCount: 10 });
      await far.append('t', [anEvent()]);
      expect(await far.readAll({ after: 11_077n })).toHaveLength(1);
      expect(far.recentReadCount()).toBe(0);
      // Control: that last read was near the tail, so the next commit is kept.
      await far.append('t', [anEvent()]);
      expect(await far.readAll({ after: 11_078n })).toHaveLength(1);
      expect(far.recentReadCount()).toBe(1);
      await far.close();
    } finally {
      await store.close();
      await cleanup();
    }
  });
});

function expectPositionsFrom(events: readonly RecordedEvent[], first: bigint): void {
  expect(events.map((e) => e.position)).toEqual(events.map((_, i) => first + BigInt(i)));
}
