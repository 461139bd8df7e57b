import type pg from 'pg';

/** A lost connection also fails the pending or next query, which is where it is reported. */
const ignore = () => undefined;

/**
 * Runs `work` in one transaction on one connection of the pool and returns what it returns.
 * Every store goes through here, so all commit, roll back and release alike: on any error
 * (COMMIT's own included) the transaction is rolled back and the original error is thrown,
 * never the rollback's. A connection whose ROLLBACK failed may still be inside the
 * transaction (or gone): it is closed instead of handed to the next caller.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  // The pool listens for errors only on idle connections: one lost while checked out would
  // otherwise be an uncaught 'error' event, ending the process.
  client.on('error', ignore);
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.removeListener('error', ignore);
    client.release(broken);
  }
}
