import pg from 'pg';
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
