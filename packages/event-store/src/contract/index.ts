import { randomUUID } from 'node:crypto';
import {
  EventTooLargeError,
  IdempotencyConflictError,
  WrongExpectedRevisionError,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
} from '../index.js';

export interface StoreUnderTest {
  store: EventStore;
  /** Closes the store and opens it again on the same data (a restart). */
  reopen?: () => Promise<EventStore>;
  /** Largest event the adapter accepts, to test the limit. */
  maxEventBytes: number;
  cleanup?: () => Promise<void>;
  /**
   * Opens another handle on the same data, as a second process would (its own connections);
   * the test closes it. Without it, the concurrent-writers test writes through `store` alone.
   */
  openAnother?: () => Promise<EventStore>;
}

let counter = 0;
const uniqueStream = (prefix = 'contract') =>
  `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}-${randomUUID().slice(0, 8)}`;

export const anEvent = (overrides: Partial<NewEvent> = {}): NewEvent => ({
  id: randomUUID(),
  type: 'SomethingHappened',
  data: { value: Math.random(), text: '检查' },
  metadata: { agency: 'emergency', correlationId: randomUUID() },
  ...overrides,
});

async function collect(
  store: EventStore,
  until: (seen: RecordedEvent[]) => boolean,
  after?: bigint,
  timeoutMs = 10_000,
) {
  const seen: RecordedEvent[] = [];
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const subscription = store.subscribeToAll(
    (e) => {
      seen.push(e);
      if (until(seen)) resolveDone();
    },
    after === undefined ? {} : { after },
  );
  const timer = setTimeout(resolveDone, timeoutMs);
  return {
    seen,
    done: done.then(async () => {
      clearTimeout(timer);
      await subscription.stop();
      return seen;
    }),
  };
}

/**
 * The behaviour every event-store adapter must show. Each adapter's test file calls this with
 * a factory; the embedded store runs it always, EventStoreDB whenever a server is reachable.
 */
export function eventStoreContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`event store contract: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: EventStore;

    beforeEach(async () => {
      subject = await open();
      store = subject.store;
    });
    afterEach(async () => {
      await store.close();
      await subject.cleanup?.();
    });

    describe('expected revision', () => {
      it('no_stream succeeds on a new stream and fails once it exists', async () => {
        const stream = uniqueStream();
        const first = await store.append(stream, [anEvent()], { expectedRevision: 'no_stream' });
        expect(first.nextExpectedRevision).toBe(0);
        await expect(
          store.append(stream, [anEvent()], { expectedRevision: 'no_stream' }),
        ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      });

      it('stream_exists fails on a new stream and succeeds on an existing one', async () => {
        const stream = uniqueStream();
        await expect(
          store.append(stream, [anEvent()], { expectedRevision: 'stream_exists' }),
        ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        await store.append(stream, [anEvent()]);
        const result = await store.append(stream, [anEvent()], {
          expectedRevision: 'stream_exists',
        });
        expect(result.nextExpectedRevision).toBe(1);
      });

      it('an exact revision succeeds only when it is the current one', async () => {
        const stream = uniqueStream();
        await store.append(stream, [anEvent(), anEvent()]);
        await expect(
          store.append(stream, [anEvent()], { expectedRevision: 0 }),
        ).rejects.toMatchObject({
          code: 'WRONG_EXPECTED_REVISION',
          actual: 1,
        });
        const result = await store.append(stream, [anEvent()], { expectedRevision: 1 });
        expect(result.nextExpectedRevision).toBe(2);
      });

      it('any appends whatever the state', async () => {
        const stream = uniqueStream();
        await store.append(stream, [anEvent()], { expectedRevision: 'any' });
        const result = await store.append(stream, [anEvent()], { expectedRevision: 'any' });
        expect(result.nextExpectedRevision).toBe(1);
      });

      it('of two concurrent writers at the same revision exactly one wins', async () => {
        const stream = uniqueStream();
        await store.append(stream, [anEvent()]);
        const attempts = await Promise.allSettled(
          Array.from({ length: 5 }, () =>
            store.append(stream, [anEvent()], { expectedRevision: 0 }),
          ),
        );
        expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
        const losers = attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected');
        expect(losers).toHaveLength(4);
        for (const loser of losers) expect(loser.reason).toBeInstanceOf(WrongExpectedRevisionError);
        expect(await store.readStream(stream)).toHaveLength(2);
      });
    });

    describe('idempotency by event id', () => {
      it('a retried append returns the original result and writes nothing', async () => {
        const stream = uniqueStream();
        const events = [anEvent(), anEvent()];
        const first = await store.append(stream, events, { expectedRevision: 'no_stream' });
        const retry = await store.append(stream, events, { expectedRevision: 'no_stream' });
        expect(retry).toEqual({ ...first, duplicate: true });
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      it('the same id with different content is a conflict and changes nothing', async () => {
        const stream = uniqueStream();
        const event = anEvent();
        await store.append(stream, [event]);
        await expect(
          store.append(stream, [{ ...event, data: { value: 'other' } }]),
        ).rejects.toBeInstanceOf(IdempotencyConflictError);
        const [stored] = await store.readStream(stream);
        expect(stored?.data).toEqual(event.data);
      });

      it('the same id in another stream is a conflict', async () => {
        const event = anEvent();
        await store.append(uniqueStream(), [event]);
        await expect(store.append(uniqueStream(), [event])).rejects.toBeInstanceOf(
          IdempotencyConflictError,
        );
      });

      it('a batch repeating some recorded events appends only the new ones when no revision is expected', async () => {
        const stream = uniqueStream();
        const a = anEvent();
        await store.append(stream, [a]);
        const b = anEvent();
        await store.append(stream, [a, b]);
        expect((await store.readStream(stream)).map((e) => e.id)).toEqual([a.id, b.id]);
      });

      it('holds after a restart', async () => {
        if (!subject.reopen) return;
        const stream = uniqueStream();
        const event = anEvent();
        const first = await store.append(stream, [event]);
        store = await subject.reopen();
        const retry = await store.append(stream, [event]);
        expect(retry.duplicate).toBe(true);
        expect(retry.position).toBe(first.position);
        expect(await store.readStream(stream)).toHaveLength(1);
      });
    });

    describe('atomic multi-stream append', () => {
      it('writes all streams or none', async () => {
        const ok = uniqueStream();
        const taken = uniqueStream();
        await store.append(taken, [anEvent()]);
        await expect(
          store.appendMany([
            { stream: ok, events: [anEvent()], expectedRevision: 'no_stream' },
            { stream: taken, events: [anEvent()], expectedRevision: 'no_stream' },
          ]),
        ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        expect(await store.readStream(ok)).toHaveLength(0);
        const results = await store.appendMany([
          { stream: ok, events: [anEvent()], expectedRevision: 'no_stream' },
          { stream: taken, events: [anEvent()], expectedRevision: 0 },
        ]);
        expect(results.map((r) => r.nextExpectedRevision)).toEqual([0, 1]);
      });
    });

    describe('ordering and reading', () => {
      it('keeps order within a stream and assigns increasing global positions', async () => {
        const stream = uniqueStream();
        const events = Array.from({ length: 20 }, () => anEvent());
        for (let i = 0; i < events.length; i += 5)
          await store.append(stream, events.slice(i, i + 5));
        const read = await store.readStream(stream);
        expect(read.map((e) => e.id)).toEqual(events.map((e) => e.id));
        expect(read.map((e) => e.revision)).toEqual(events.map((_, i) => i));
        for (let i = 1; i < read.length; i++)
          expect(read[i]!.position > read[i - 1]!.position).toBe(true);
        expect(read[0]).toMatchObject({
          type: 'SomethingHappened',
          data: events[0]!.data,
          metadata: events[0]!.metadata,
          streamName: stream,
        });
        expect(Number.isNaN(Date.parse(read[0]!.recordedAt))).toBe(false);
      });

      it('reads a stream from a revision and with a maximum count', async () => {
        const stream = uniqueStream();
        await store.append(
          stream,
          Array.from({ length: 6 }, () => anEvent()),
        );
        const page = await store.readStream(stream, { fromRevision: 2, maxCount: 3 });
        expect(page.map((e) => e.revision)).toEqual([2, 3, 4]);
        expect(await store.readStream(uniqueStream())).toEqual([]);
      });

      it('pages through all events in global order', async () => {
        const start = await store.headPosition();
        const streams = [uniqueStream(), uniqueStream()];
        const ids: string[] = [];
        for (let i = 0; i < 7; i++) {
          const e = anEvent();
          ids.push(e.id);
          await store.append(streams[i % 2]!, [e]);
        }
        const seen: RecordedEvent[] = [];
        let after = start;
        for (;;) {
          const page = await store.readAll({
            ...(after === undefined ? {} : { after }),
            maxCount: 3,
          });
          if (page.length === 0) break;
          seen.push(...page);
          after = page[page.length - 1]!.position;
        }
        const ours = seen.filter((e) => streams.includes(e.streamName)).map((e) => e.id);
        expect(ours).toEqual(ids);
        expect(await store.headPosition()).toBe(after);
      });

      it('counts the events after a position, no further than a cap (or a readAll page says it)', async () => {
        // The lag gauges' question; a store without countAfter answers it with a readAll page.
        const count = async (after: bigint | undefined, cap: number) =>
          store.countAfter
            ? store.countAfter(after, cap)
            : (await store.readAll({ ...(after === undefined ? {} : { after }), maxCount: cap }))
                .length;
        const start = await store.headPosition();
        const stream = uniqueStream();
        await store.append(
          stream,
          Array.from({ length: 5 }, () => anEvent()),
        );
        await store.append(uniqueStream(), [anEvent()]);
        const head = await store.headPosition();
        const [, second] = await store.readStream(stream);
        expect(await count(start, 100)).toBe(6);
        expect(await count(start, 4)).toBe(4);
        expect(await count(second!.position, 100)).toBe(4);
        expect(await count(head, 100)).toBe(0);
        if (start === undefined) expect(await count(undefined, 100)).toBe(6);
      });
    });

    describe('subscription to all', () => {
      it('catches up with stored events, then delivers new ones live', async () => {
        const stream = uniqueStream();
        const before = [anEvent(), anEvent()];
        await store.append(stream, before);
        const after = [anEvent(), anEvent()];
        const run = await collect(
          store,
          (seen) => seen.filter((e) => e.streamName === stream).length >= 4,
        );
        await new Promise((r) => setTimeout(r, 50));
        await store.append(stream, after);
        const seen = await run.done;
        expect(seen.filter((e) => e.streamName === stream).map((e) => e.id)).toEqual(
          [...before, ...after].map((e) => e.id),
        );
      });

      it('resumes from a checkpoint without repeating or skipping', async () => {
        const stream = uniqueStream();
        const first = await store.append(stream, [anEvent(), anEvent()]);
        const later = [anEvent(), anEvent()];
        await store.append(stream, later);
        const run = await collect(
          store,
          (seen) => seen.filter((e) => e.streamName === stream).length >= 2,
          first.position,
        );
        const seen = await run.done;
        expect(seen.filter((e) => e.streamName === stream).map((e) => e.id)).toEqual(
          later.map((e) => e.id),
        );
      });
    });

    describe('concurrent writers and a live subscriber', () => {
      // The trap of stores that number events from a sequence: position 11 can commit before
      // 10, a reader that pages by position sees 11, and 10 is skipped for ever. Here several
      // handles (processes) write at once while a subscriber reads, and every event must
      // reach it exactly once, in increasing positions.
      it('delivers every committed event exactly once, in position order, while writers race', async () => {
        const handles = [store];
        if (subject.openAnother)
          handles.push(await subject.openAnother(), await subject.openAnother());
        try {
          const start = await store.headPosition();
          const tag = uniqueStream('race');
          const seen: RecordedEvent[] = [];
          let failure: unknown;
          const subscription = store.subscribeToAll(
            (e) => {
              if (e.streamName.startsWith(tag)) seen.push(e);
            },
            {
              ...(start === undefined ? {} : { after: start }),
              onError: (error) => (failure = error),
            },
          );
          const written: string[] = [];
          const writer = async (handle: EventStore, w: number) => {
            for (let i = 0; i < 8; i++) {
              const a = [anEvent(), anEvent()];
              const b = [anEvent()];
              if (i % 2 === 0) {
                await handle.append(`${tag}-${w}-${i % 3}`, a);
              } else {
                await handle.appendMany([
                  { stream: `${tag}-${w}-x`, events: a },
                  { stream: `${tag}-${w}-y`, events: b },
                ]);
                written.push(...b.map((e) => e.id));
              }
              written.push(...a.map((e) => e.id));
            }
          };
          await Promise.all(
            handles.flatMap((handle, h) =>
              Array.from({ length: 10 }, (_, w) => writer(handle, h * 10 + w)),
            ),
          );
          const deadline = Date.now() + 15_000;
          while (seen.length < written.length && Date.now() < deadline && !failure)
            await new Promise((r) => setTimeout(r, 25));
          // Anything delivered twice would arrive now.
          await new Promise((r) => setTimeout(r, 300));
          await subscription.stop();
          expect(failure).toBeUndefined();
          const ids = seen.map((e) => e.id);
          expect(new Set(ids).size).toBe(ids.length);
          expect([...ids].sort()).toEqual([...written].sort());
          for (let i = 1; i < seen.length; i++)
            expect(seen[i]!.position > seen[i - 1]!.position).toBe(true);
          // And the subscriber saw what a later full read sees, in the same order.
          const all: RecordedEvent[] = [];
          let after = start;
          for (;;) {
            const page = await store.readAll({ ...(after === undefined ? {} : { after }) });
            if (page.length === 0) break;
            all.push(...page);
            after = page[page.length - 1]!.position;
          }
          expect(ids).toEqual(all.filter((e) => e.streamName.startsWith(tag)).map((e) => e.id));
        } finally {
          for (const other of handles.slice(1)) await other.close();
        }
      }, 30_000);
    });

    describe('size limit', () => {
      it('accepts a large event under the limit and refuses one over it', async () => {
        const stream = uniqueStream();
        const large = anEvent({ data: { blob: 'x'.repeat(subject.maxEventBytes - 4096) } });
        await store.append(stream, [large]);
        const [read] = await store.readStream(stream);
        expect((read?.data as { blob: string }).blob).toHaveLength(subject.maxEventBytes - 4096);
        const tooLarge = anEvent({ data: { blob: 'x'.repeat(subject.maxEventBytes + 1) } });
        await expect(store.append(stream, [tooLarge])).rejects.toBeInstanceOf(EventTooLargeError);
        expect(await store.readStream(stream)).toHaveLength(1);
      });
    });
  });
}
