import pg from 'pg';
import { WrongExpectedRevisionError, type StoredRecord } from '@hub/event-store';
import { anEvent, eventStoreContract } from '@hub/event-store/contract';
import { verifyChain } from '@hub/evidence';
import { PostgresEventStore } from './postgres-event-store.js';
import { createTestDatabase } from './test-database.js';

const adminUrl = process.env.TEST_POSTGRES_URL;
const skip = process.env.TEST_POSTGRES_SKIP ?? 'no PostgreSQL';
const MAX = 256 * 1024;

let database: Promise<{ url: string; drop: () => Promise<void> }> | undefined;
/** One database for this file, made on first use and dropped at the end. */
const testDatabase = () => (database ??= createTestDatabase(adminUrl!, 'hub_es_test'));
let schemas = 0;

afterAll(async () => {
  if (database) await (await database).drop();
});

if (adminUrl) {
  eventStoreContract('PostgreSQL', async () => {
    const { url } = await testDatabase();
    // A schema per test: each starts from an empty store, as the embedded store's do.
    const schema = `contract_${schemas++}`;
    const open = () =>
      new PostgresEventStore({ connectionString: url, schema, maxEventBytes: MAX });
    let store = open();
    return {
      store,
      maxEventBytes: MAX,
      openAnother: async () => open(),
      reopen: async () => {
        await store.close();
        store = open();
        return store;
      },
    };
  });

  describe('PostgreSQL event store: the hash chain', () => {
    it('chains every record as the embedded store does, and hub verify catches a change made in the database', async () => {
      const { url } = await testDatabase();
      const schema = `chain_${schemas++}`;
      const store = new PostgresEventStore({ connectionString: url, schema, chain: 'sm3' });
      try {
        await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            store.appendMany([
              { stream: `a-${i % 4}`, events: [anEvent(), anEvent()] },
              { stream: `b-${i % 3}`, events: [anEvent()] },
            ]),
          ),
        );
        const all = await store.readAll();
        expect(all.map((e) => e.position)).toEqual(all.map((_, i) => BigInt(i + 1)));
        expect(all.every((e) => e.chain?.startsWith('sm3:'))).toBe(true);
        const clean = await verifyChain(store);
        expect(clean).toMatchObject({ records: 60, unchained: 0, problems: [] });

        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(
            `UPDATE ${schema}.event_log SET data = '{"value":1}' WHERE position = 30`,
          );
        } finally {
          await client.end();
        }
        const tampered = await verifyChain(store);
        expect(tampered.problems[0]).toMatchObject({ kind: 'content_altered', position: 30n });
      } finally {
        await store.close();
      }
    });
  });

  describe('PostgreSQL event store: importing a history kept by another store', () => {
    it('takes records exactly as kept when they follow the tail, continue their streams and carry their links; refuses anything else and writes nothing of it', async () => {
      const { url } = await testDatabase();
      const source = new PostgresEventStore({ connectionString: url, schema: `from_${schemas++}` });
      const target = new PostgresEventStore({ connectionString: url, schema: `into_${schemas++}` });
      try {
        for (let i = 0; i < 10; i++)
          await source.appendMany([
            { stream: `s-${i % 3}`, events: [anEvent(), anEvent()] },
            { stream: 't', events: [anEvent()] },
          ]);
        const records: StoredRecord[] = (await source.readAll()).map((e) => ({
          position: e.position,
          id: e.id,
          stream: e.streamName,
          revision: e.revision,
          type: e.type,
          dataJson: JSON.stringify(e.data),
          metadataJson: JSON.stringify(e.metadata),
          recordedAt: e.recordedAt,
          ...(e.chain ? { chain: e.chain } : {}),
        }));
        expect(records).toHaveLength(30);

        await target.importStored(records.slice(0, 10));
        expect(await target.headPosition()).toBe(10n);
        const refusals: Array<[string, StoredRecord[], RegExp]> = [
          ['a gap', records.slice(11, 20), /does not follow position 10/],
          ['a record again', records.slice(9, 20), /does not follow position 10/],
          [
            'content changed',
            [{ ...records[10]!, dataJson: records[10]!.dataJson.replace('}', ',"x":1}') }],
            /record 11 does not carry the chain link/,
          ],
          [
            'a stream revision skipped',
            [{ ...records[10]!, revision: records[10]!.revision + 1 }],
            /record 11 has revision/,
          ],
          [
            'no link',
            [{ ...records[10]!, chain: undefined }],
            /record 11 does not carry the chain link/,
          ],
        ];
        for (const [, page, message] of refusals) {
          await expect(target.importStored(page)).rejects.toThrow(message);
          expect(await target.headPosition()).toBe(10n);
        }
        // Control: the rest, as kept, is taken; the history is the source's, link for link.
        await target.importStored(records.slice(10));
        expect(await target.readAll()).toEqual(await source.readAll());
        expect(await verifyChain(target)).toMatchObject({ records: 30, problems: [] });
        // Appends go on after the imported records: positions, revisions and the chain.
        const t = records.filter((r) => r.stream === 't').length - 1;
        await target.append('t', [anEvent()], { expectedRevision: t });
        await expect(target.append('t', [anEvent()], { expectedRevision: t })).rejects.toThrow(
          WrongExpectedRevisionError,
        );
        expect(await target.headPosition()).toBe(31n);
        expect(await verifyChain(target)).toMatchObject({ records: 31, problems: [] });
      } finally {
        await source.close();
        await target.close();
      }
    });
  });

  describe('PostgreSQL event store: large appends', () => {
    it('writes an append beyond one statement (over 5,000 events, 65,535 parameters) whole, chained', async () => {
      const { url } = await testDatabase();
      const schema = `large_${schemas++}`;
      const store = new PostgresEventStore({
        connectionString: url,
        schema,
        maxGroupEvents: 20_000,
      });
      try {
        const events = Array.from({ length: 12_000 }, () => anEvent());
        const [a, b] = await store.appendMany([
          { stream: 'large-a', events: events.slice(0, 7_000) },
          { stream: 'large-b', events: events.slice(7_000) },
        ]);
        expect([a!.nextExpectedRevision, b!.nextExpectedRevision]).toEqual([6_999, 4_999]);
        expect(await store.headPosition()).toBe(12_000n);
        const report = await verifyChain(store);
        expect(report).toMatchObject({ records: 12_000, problems: [] });
      } finally {
        await store.close();
      }
    }, 60_000);
  });

  describe('PostgreSQL event store: appends decided on what this process knows', () => {
    /** Statements sent by every pg client of this process while `run` runs. */
    const statementsDuring = async (run: () => Promise<unknown>) => {
      const spy = jest.spyOn(pg.Client.prototype, 'query');
      try {
        await run();
        return spy.mock.calls.length;
      } finally {
        spy.mockRestore();
      }
    };

    it('a lone writer appends in one statement each (the tail checked under its lock)', async () => {
      const { url } = await testDatabase();
      const schema = `known_${schemas++}`;
      const store = new PostgresEventStore({ connectionString: url, schema });
      try {
        await store.append('first', [anEvent()]);
        const statements = await statementsDuring(async () => {
          for (let i = 0; i < 10; i++) await store.append(`lone-${i % 3}`, [anEvent(), anEvent()]);
        });
        expect(statements).toBe(10);
        // The first append read under the lock (nothing known yet), every other one did not.
        expect(store.groupStats).toEqual({
          oneStatement: 10,
          locked: 1,
          tailMoved: 0,
          clockOff: 0,
          unique: 0,
        });
        const all = await store.readAll();
        expect(all.map((e) => e.position)).toEqual(all.map((_, i) => BigInt(i + 1)));
        expect(all.filter((e) => e.streamName === 'lone-0').map((e) => e.revision)).toEqual([
          0, 1, 2, 3, 4, 5, 6, 7,
        ]);
        expect(await verifyChain(store)).toMatchObject({ records: 21, problems: [] });
      } finally {
        await store.close();
      }
    });

    it('after another process wrote, the stale guess is refused and the append decided again', async () => {
      const { url } = await testDatabase();
      const schema = `stale_${schemas++}`;
      const a = new PostgresEventStore({ connectionString: url, schema });
      const b = new PostgresEventStore({ connectionString: url, schema });
      try {
        await a.append('shared', [anEvent()]);
        await b.append('shared', [anEvent()]);
        // The positive control of the test above: a's guess (tail 1, shared at 0) is stale.
        let result: Awaited<ReturnType<typeof a.append>> | undefined;
        const statements = await statementsDuring(async () => {
          result = await a.append('shared', [anEvent()]);
        });
        expect(statements).toBeGreaterThan(1);
        expect(result).toMatchObject({ position: 3n, nextExpectedRevision: 2 });
        expect(a.groupStats).toMatchObject({ tailMoved: 1, clockOff: 0, locked: 2 });

        // A stream b made is unknown to a: a guesses it new, the unique keys refuse the guess.
        await b.append('made-by-b', [anEvent()]);
        await expect(
          a.append('made-by-b', [anEvent()], { expectedRevision: 'no_stream' }),
        ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        expect(await a.append('made-by-b', [anEvent()])).toMatchObject({
          nextExpectedRevision: 1,
        });

        // An event b recorded, retried through a: the original result, nothing written.
        const event = anEvent();
        const original = await b.append('retried', [event]);
        expect(await a.append('retried', [event])).toEqual({ ...original, duplicate: true });

        const all = await a.readAll();
        expect(all.map((e) => e.position)).toEqual(all.map((_, i) => BigInt(i + 1)));
        expect(await verifyChain(a)).toMatchObject({ records: 6, problems: [] });
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('records the server clock: never ahead of it at the commit, nor a second behind', async () => {
      const { url } = await testDatabase();
      const schema = `clock_${schemas++}`;
      const store = new PostgresEventStore({ connectionString: url, schema });
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const serverNow = async () =>
        (await client.query<{ now: Date }>('SELECT clock_timestamp() AS now')).rows[0]!.now;
      try {
        await store.append('clock', [anEvent()]);
        for (let i = 0; i < 5; i++) {
          const before = await serverNow();
          await new Promise((r) => setTimeout(r, 20));
          const { position } = await store.append('clock', [anEvent()]);
          const after = await serverNow();
          const [recorded] = await store.readAll({ after: position - 1n, maxCount: 1 });
          const at = new Date(recorded!.recordedAt).getTime();
          expect(at).toBeGreaterThanOrEqual(before.getTime() - 1000);
          expect(at).toBeLessThanOrEqual(after.getTime());
        }
      } finally {
        await client.end();
        await store.close();
      }
    });

    it("the guard refuses a stale tail and a clock that is not the server's", async () => {
      const { url } = await testDatabase();
      const schema = `guard_${schemas++}`;
      const store = new PostgresEventStore({ connectionString: url, schema });
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const advance = (expected: bigint, recordedAt: Date) =>
        client.query(`SELECT ${schema}.hub_advance_tail($1, NULL, $2, NULL, $3)`, [
          expected.toString(),
          (expected + 1n).toString(),
          recordedAt.toISOString(),
        ]);
      try {
        await store.headPosition(); // the tables and the function exist
        await expect(advance(5n, new Date())).rejects.toMatchObject({ code: 'HT001' });
        await expect(advance(0n, new Date(Date.now() + 60_000))).rejects.toMatchObject({
          code: 'HT002',
        });
        await expect(advance(0n, new Date(Date.now() - 60_000))).rejects.toMatchObject({
          code: 'HT002',
        });
        // Positive control: where the tail is, with the server's clock, it moves on.
        await advance(0n, new Date(Date.now() - 100));
        expect(await store.headPosition()).toBe(1n);
      } finally {
        await client.end();
        await store.close();
      }
    });
  });

  describe('the trap this store avoids (positive control for the concurrent-writers test)', () => {
    it('a table numbered by a sequence lets a reader skip an event that commits late', async () => {
      const { url } = await testDatabase();
      const schema = `naive_${schemas++}`;
      const a = new pg.Client({ connectionString: url });
      const b = new pg.Client({ connectionString: url });
      await a.connect();
      await b.connect();
      try {
        await a.query(
          `CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.events (position BIGSERIAL PRIMARY KEY, id TEXT)`,
        );
        await a.query(`BEGIN; INSERT INTO ${schema}.events (id) VALUES ('first')`);
        await b.query(`INSERT INTO ${schema}.events (id) VALUES ('second')`);
        const page = await b.query<{ position: string; id: string }>(
          `SELECT * FROM ${schema}.events WHERE position > 0 ORDER BY position`,
        );
        expect(page.rows.map((r) => r.id)).toEqual(['second']);
        await a.query('COMMIT');
        const next = await b.query(
          `SELECT * FROM ${schema}.events WHERE position > $1 ORDER BY position`,
          [page.rows[0]!.position],
        );
        expect(next.rows).toEqual([]); // 'first' (position 1) is never read: skipped for ever
      } finally {
        await a.end();
        await b.end();
      }
    });

    it('an append whose connection the server ends fails alone, and the store goes on', async () => {
      const { url } = await testDatabase();
      const schema = `lost_${schemas++}`;
      const store = new PostgresEventStore({ connectionString: url, schema });
      const holder = new pg.Client({ connectionString: url });
      try {
        // Migrated, nothing appended: the first append reads under the lock (two round trips,
        // and a ROLLBACK on the lost connection before it is let go).
        expect(await store.headPosition()).toBeUndefined();
        await holder.connect();
        // The append waits for the tail, its connection checked out, until the server ends it.
        await holder.query(`BEGIN; SELECT * FROM ${schema}.event_log_tail FOR UPDATE`);
        const lost = store.append('lost', [anEvent()]);
        let waiting: number[] = [];
        for (let i = 0; i < 50 && waiting.length === 0; i++) {
          await new Promise((r) => setTimeout(r, 20));
          waiting = (
            await holder.query<{ pid: number }>(
              `SELECT pid FROM pg_stat_activity WHERE datname = current_database()
                 AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
            )
          ).rows.map((r) => r.pid);
        }
        expect(waiting).toHaveLength(1);
        await holder.query('SELECT pg_terminate_backend($1)', [waiting[0]]);
        await expect(lost).rejects.toThrow();
        await holder.query('COMMIT');
        // The lost connection's 'error' event ended nothing: a new connection serves.
        expect((await store.append('after', [anEvent()])).position).toBe(1n);
        expect((await store.readAll()).map((e) => e.streamName)).toEqual(['after']);
        expect(store.groupStats).toMatchObject({ oneStatement: 0, locked: 2 });
      } finally {
        await holder.end();
        await store.close();
      }
    });

    it('here a writer holding the tail makes the next wait, so positions commit in order', async () => {
      const { url } = await testDatabase();
      const schema = `held_${schemas++}`;
      const store = new PostgresEventStore({ connectionString: url, schema });
      const holder = new pg.Client({ connectionString: url });
      try {
        await store.append('warm-up', [anEvent()]);
        await holder.connect();
        await holder.query(`BEGIN; SELECT * FROM ${schema}.event_log_tail FOR UPDATE`);
        let done = false;
        const pending = store.append('waits', [anEvent()]).then((r) => ((done = true), r));
        await new Promise((r) => setTimeout(r, 300));
        expect(done).toBe(false);
        await holder.query('COMMIT');
        expect((await pending).position).toBe(2n);
      } finally {
        await holder.end();
        await store.close();
      }
    });
  });
} else {
  describe('event store contract: PostgreSQL', () => {
    it.skip(`was skipped: ${skip}`, () => undefined);
  });
}
