import pg from 'pg';
import { readModelStoreContract } from '../contract/index.js';
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
    readModelStoreContract(async () => {
      const schema = `hub_test_${process.pid}_${schemas.length}`;
      schemas.push(schema);
      return new PostgresReadModelStore({ connectionString: url!, schema });
    });
  },
);
