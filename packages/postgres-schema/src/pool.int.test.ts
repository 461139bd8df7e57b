import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const adminUrl = process.env.TEST_POSTGRES_URL;
const poolModule = fileURLToPath(new URL('../dist/pool.js', import.meta.url));

/**
 * A process that checks a connection out, has the server end it, then runs another query: the
 * lost connection's 'error' event fires while nothing but the caller holds it.
 */
const script = (opened: 'openPool' | 'pg.Pool') => `
  const pg = require('pg');
  (async () => {
    const pool = ${
      opened === 'openPool'
        ? `(await import(${JSON.stringify(poolModule)})).openPool`
        : '((config) => { const p = new pg.Pool(config); p.on("error", () => {}); return p; })'
    }({ connectionString: ${JSON.stringify(adminUrl)}, max: 1 });
    const client = await pool.connect();
    const lost = await client.query('SELECT pg_terminate_backend(pg_backend_pid())').catch((e) => e.code);
    await new Promise((r) => setTimeout(r, 200));
    client.release(true);
    const { rows } = await pool.query('SELECT 1 AS one');
    console.log(JSON.stringify({ lost, after: rows[0].one }));
    await pool.end();
  })();
`;

const run = async (opened: 'openPool' | 'pg.Pool') =>
  promisify(execFile)(process.execPath, ['-e', script(opened)], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  });

(adminUrl ? describe : describe.skip)(
  `openPool on PostgreSQL${adminUrl ? '' : ` (skipped: ${process.env.TEST_POSTGRES_SKIP})`}`,
  () => {
    it('a connection lost while checked out fails its query, and the process goes on', async () => {
      const { stdout } = await run('openPool');
      // SQLSTATE 57P01: admin_shutdown; a new connection then serves.
      expect(JSON.parse(stdout)).toEqual({ lost: '57P01', after: 1 });
    });

    it('positive control: a plain pg pool, listening only for idle connections, ends the process', async () => {
      await expect(run('pg.Pool')).rejects.toMatchObject({
        code: 1,
        stderr: expect.stringContaining('Connection terminated unexpectedly'),
      });
    });
  },
);
