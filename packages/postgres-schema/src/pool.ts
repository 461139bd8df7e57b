import pg from 'pg';

/** A lost connection also fails its pending or next query, which is where it is reported. */
const ignore = () => undefined;

/**
 * Every pool of the hub is opened here, so that no lost connection ends the process. The
 * server may end a connection at any time (a restart, a failover, an administrator): idle, the
 * pool's own 'error' event fires (and the pool replaces it); checked out, the connection's
 * 'error' event fires, and pg's pool listens only on idle ones, so without a listener of its
 * own a connection lost in the middle of an append would be an uncaught error.
 */
export function openPool(config: pg.PoolConfig): pg.Pool {
  // eslint-disable-next-line no-restricted-syntax -- the one place pools are made
  const pool = new pg.Pool(config);
  pool.on('error', ignore);
  pool.on('connect', (client) => client.on('error', ignore));
  return pool;
}
