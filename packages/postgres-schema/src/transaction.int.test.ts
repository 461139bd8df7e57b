import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { openSchemaPool } from './schema.js';
import { inTransaction } from './transaction.js';

const adminUrl = process.env.TEST_POSTGRES_URL;

(adminUrl ? describe : describe.skip)(
  `inTransaction on PostgreSQL${adminUrl ? '' : ` (skipped: ${process.env.TEST_POSTGRES_SKIP})`}`,
  () => {
    const schemas: string[] = [];
    const pools: pg.Pool[] = [];
    /** A pool of one connection on a schema of its own, migrated (so that connection exists). */
    const open = async () => {
      const schema = `tx_${randomUUID().slice(0, 8)}`;
      schemas.push(schema);
      const opened = openSchemaPool({
        connectionString: adminUrl!,
        schema,
        max: 1,
        migrations: {
          versionTable: 'tx_schema',
          lock: 91_000_003,
          steps: [
            `CREATE TABLE things (id INTEGER PRIMARY KEY);
             CREATE TABLE pairs (id INTEGER,
               CONSTRAINT pairs_id UNIQUE (id) DEFERRABLE INITIALLY DEFERRED)`,
          ],
        },
      });
      pools.push(opened.pool);
      await opened.ready;
      return opened.pool;
    };
    const count = async (pool: pg.Pool, table = 'things') =>
      (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
    /** The one connection is back in the pool, idle. */
    const returned = (pool: pg.Pool) =>
      expect([pool.totalCount, pool.idleCount, pool.waitingCount]).toEqual([1, 1, 0]);

    afterAll(async () => {
      await Promise.all(pools.map((p) => p.end()));
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      await admin.end();
    });

    it('commits what the work wrote, returns its result and gives the connection back', async () => {
      const pool = await open();
      const result = await inTransaction(pool, async (client) => {
        await client.query('INSERT INTO things VALUES (1)');
        return 'done';
      });
      expect(result).toBe('done');
      returned(pool);
      expect(await count(pool)).toBe(1);
      // The same connection again carries no listener left from the first transaction.
      const listeners = () => inTransaction(pool, async (client) => client.listenerCount('error'));
      expect(await listeners()).toBe(await listeners());
    });

    it('rolls back when the work throws, and throws that very error', async () => {
      const pool = await open();
      const boom = new Error('boom');
      await expect(
        inTransaction(pool, async (client) => {
          await client.query('INSERT INTO things VALUES (1)');
          throw boom;
        }),
      ).rejects.toBe(boom);
      returned(pool);
      expect(await count(pool)).toBe(0);
      // Control: the same write without the error is there.
      await inTransaction(pool, (client) => client.query('INSERT INTO things VALUES (1)'));
      expect(await count(pool)).toBe(1);
    });

    it('throws the error of a COMMIT that fails, writing nothing, and keeps the connection', async () => {
      const pool = await open();
      // The duplicate is caught at COMMIT (the constraint is deferred), not by the INSERT.
      const failed = inTransaction(pool, (client) =>
        client.query('INSERT INTO pairs VALUES (1), (1)'),
      );
      await expect(failed).rejects.toMatchObject({ code: '23505' });
      // ROLLBACK worked: the connection is healthy and goes back to the pool.
      returned(pool);
      expect(await count(pool, 'pairs')).toBe(0);
      // Control: one row commits.
      await inTransaction(pool, (client) => client.query('INSERT INTO pairs VALUES (1)'));
      expect(await count(pool, 'pairs')).toBe(1);
    });

    it('throws the original error when ROLLBACK fails, and closes that connection', async () => {
      const pool = await open();
      const boom = new Error('boom');
      let seenInside = -1;
      await expect(
        inTransaction(pool, async (client) => {
          await client.query('INSERT INTO things VALUES (1)');
          seenInside = (await client.query('SELECT count(*)::int AS n FROM things')).rows[0].n;
          // The ROLLBACK fails; the real transaction stays open on this connection.
          const query = client.query.bind(client) as (text: string) => Promise<unknown>;
          Object.assign(client, {
            query: (text: string) =>
              text === 'ROLLBACK' ? Promise.reject(new Error('rollback failed')) : query(text),
          });
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(seenInside).toBe(1);
      // Handed back, the connection would still be in the transaction and the next query would
      // see its row; closed, the server ends the transaction and a fresh connection sees none.
      expect(pool.totalCount).toBe(0);
      expect(await count(pool)).toBe(0);
    });

    it('survives a connection lost mid-transaction: its error is thrown, a new one serves', async () => {
      const pool = await open();
      const failed = inTransaction(pool, (client) =>
        client.query('SELECT pg_terminate_backend(pg_backend_pid())'),
      );
      // SQLSTATE 57P01: admin_shutdown. The lost connection's 'error' event is not uncaught.
      await expect(failed).rejects.toMatchObject({ code: '57P01' });
      expect(pool.totalCount).toBe(0);
      await inTransaction(pool, (client) => client.query('INSERT INTO things VALUES (1)'));
      returned(pool);
      expect(await count(pool)).toBe(1);
    });
  },
);
