import pg from 'pg';
import { PostgresChainCheckpointStore } from '@hub/evidence';
import { PostgresUserStore } from '@hub/graphql';
import { PostgresConsoleStore } from '@hub/console';
import { PostgresCredentialStore } from '@hub/ingestion';

// Each server-mode state store starts its migrations in the constructor and keeps their failure
// from becoming an unhandled rejection until a call awaits it: this proves the failure is not
// lost there. Port 9 (discard) on loopback: nothing answers PostgreSQL.
const DOWN = 'postgres://postgres@127.0.0.1:9/none';
// Positive control: the same calls against the server the contract suites use succeed.
const UP = 'postgres://postgres@127.0.0.1:5432/postgres';

const stores = {
  credentials: (url: string) => {
    const s = new PostgresCredentialStore({ connectionString: url, schema: 'hub_unreach_cred' });
    return { call: () => s.list(), close: () => s.close() };
  },
  users: (url: string) => {
    const s = new PostgresUserStore({ connectionString: url, schema: 'hub_unreach_users' });
    return { call: () => s.list(), close: () => s.close() };
  },
  console: (url: string) => {
    const s = new PostgresConsoleStore({ connectionString: url, schema: 'hub_unreach_console' });
    return { call: () => s.session('none'), close: () => s.close() };
  },
  checkpoints: (url: string) => {
    const s = new PostgresChainCheckpointStore({
      connectionString: url,
      schema: 'hub_unreach_cp',
    });
    return { call: () => s.list(), close: () => s.close() };
  },
};

describe('server-mode state stores when PostgreSQL does not answer', () => {
  afterAll(async () => {
    const client = new pg.Client({ connectionString: UP });
    await client.connect();
    for (const schema of ['cred', 'users', 'console', 'cp'])
      await client.query(`DROP SCHEMA IF EXISTS hub_unreach_${schema} CASCADE`);
    await client.end();
  });

  for (const [name, open] of Object.entries(stores)) {
    it(`${name}: the first call rejects with the connection error`, async () => {
      const store = open(DOWN);
      await expect(store.call()).rejects.toThrow(/ECONNREFUSED|connect/);
      // Closing a pool that never connected may itself fail; the assertion above is the test.
      await store.close().catch(() => undefined);
    });
    it(`${name}: the same call succeeds against a server (control)`, async () => {
      const store = open(UP);
      await expect(store.call()).resolves.not.toThrow();
      await store.close();
    });
  }
});
