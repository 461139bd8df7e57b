import pg from 'pg';
import { readModelStoreContract } from '../contract/index.js';
import { CheckpointConflictError } from '../port.js';
import { PostgresReadModelStore } from './postgres-read-model-store.js';

const url = process.env.TEST_POSTGRES_URL;
const skip = process.env.TEST_POSTGRES_SKIP ?? 'no PostgreSQL';
const schemas: string[] = [];

(url ? describe : describe.skip)(
  `PostgresReadModelStore (read-model contract)${url ? '' : ` (skipped: ${skip})`}`,
  () => {
    afterAll(async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      await client.end();
    });
    it('of two runners committing the first page of a projection at once, one is refused (no page applied twice)', async () => {
      const schema = `hub_test_${process.pid}_${schemas.length}`;
      schemas.push(schema);
      const a = new PostgresReadModelStore({ connectionString: url!, schema });
      await a.checkpoints(); // the schema exists before the second store and the race
      const b = new PostgresReadModelStore({ connectionString: url!, schema });
      try {
        await b.checkpoints();
        for (const projection of ['statistics', 'clue-ledger', 'case-tracking']) {
          const first = (value: number) => [
            {
              projection,
              version: 1,
              after: undefined,
              position: 10n,
              documents: [{ key: 'k', value }],
              facts: [],
            },
          ];
          const outcomes = await Promise.allSettled([a.commit(first(1)), b.commit(first(2))]);
          expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
          const refused = outcomes.find((o) => o.status === 'rejected');
          expect(refused?.reason).toBeInstanceOf(CheckpointConflictError);
        }
      } finally {
        await a.close();
        await b.close();
      }
    });
    const schemaOf = new Map<object, string>();
    readModelStoreContract(
      async () => {
        const schema = `hub_test_${process.pid}_${schemas.length}`;
        schemas.push(schema);
        const store = new PostgresReadModelStore({ connectionString: url!, schema });
        schemaOf.set(store, schema);
        return store;
      },
      async (store) => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        const schema = schemaOf.get(store)!;
        await client.query(
          `UPDATE ${schema}.rm_fact_sums SET lo = lo + 1; UPDATE ${schema}.rm_distinct_days SET n = n + 1`,
        );
        await client.end();
      },
    );
  },
);
