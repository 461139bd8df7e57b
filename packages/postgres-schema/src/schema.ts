import type pg from 'pg';
import { openPool } from './pool.js';
import { inTransaction } from './transaction.js';

/** A schema name that cannot be used (it is spliced into SQL, so only a plain identifier). */
export class SchemaNameError extends Error {
  readonly code = 'SCHEMA_NAME_INVALID';
}

/**
 * The database was migrated by a newer hub than this one: running on it could write rows the
 * newer code does not expect, so this process stops instead.
 */
export class SchemaTooNewError extends Error {
  readonly code = 'SCHEMA_TOO_NEW';
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** The schema a store works in ('public' unless given), checked as a plain identifier. */
export function schemaName(schema: string | undefined): string {
  const name = schema ?? 'public';
  if (!IDENTIFIER.test(name))
    throw new SchemaNameError(
      `模式名“${name}”只能由小写字母、数字和下划线组成 / schema name "${name}" must be lower-case letters, digits and _`,
    );
  return name;
}

/** One store's migrations: the SQL of each version, in order, never edited once released. */
export interface Migrations {
  /** The table (in the store's schema) holding how many migrations were applied. */
  versionTable: string;
  /** An advisory lock of this store alone: two processes starting at once migrate one by one. */
  lock: number;
  steps: readonly string[];
}

/**
 * Applies the migrations not applied yet, in one transaction under the store's advisory lock:
 * a second process starting at the same moment waits, then finds everything made. A failing
 * step leaves the database as it was.
 */
export async function migrate(
  pool: pg.Pool,
  schema: string,
  migrations: Migrations,
): Promise<void> {
  const table = schemaName(migrations.versionTable);
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [migrations.lock]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.${table} (version INTEGER NOT NULL)`);
    const { rows } = await client.query<{ version: number }>(
      `SELECT version FROM ${schema}.${table}`,
    );
    const applied = rows[0]?.version ?? 0;
    const known = migrations.steps.length;
    if (applied > known)
      throw new SchemaTooNewError(
        `数据库 ${schema}.${table} 的结构版本为 ${applied}，本程序只认识到 ${known}：请使用更新的版本 / ${schema}.${table} is at schema version ${applied}, this hub knows ${known}: run a newer hub`,
      );
    for (let v = applied; v < known; v++) await client.query(migrations.steps[v]!);
    if (rows.length === 0)
      await client.query(`INSERT INTO ${schema}.${table} VALUES ($1)`, [known]);
    else if (applied < known)
      await client.query(`UPDATE ${schema}.${table} SET version = $1`, [known]);
  });
}

export interface SchemaPoolOptions {
  connectionString: string;
  /** A schema of its own (created if missing): tests side by side; 'public' by default. */
  schema?: string;
  max: number;
  migrations: Migrations;
  /** Anything else the pool needs (timeouts, pipelining). */
  pool?: Omit<pg.PoolConfig, 'connectionString' | 'max' | 'options'>;
}

/**
 * A pool whose connections work in the store's schema, and the promise of its migrations.
 * `ready` rejects to whoever awaits it (the store's first call), never as an unhandled rejection.
 */
export function openSchemaPool(options: SchemaPoolOptions): {
  pool: pg.Pool;
  schema: string;
  ready: Promise<void>;
} {
  const schema = schemaName(options.schema);
  // A connection the server ends is replaced, and the next query reports trouble (see openPool).
  const pool = openPool({
    ...options.pool,
    connectionString: options.connectionString,
    max: options.max,
    options: `-c search_path=${schema}`,
  });
  const ready = migrate(pool, schema, options.migrations);
  ready.catch(() => undefined);
  return { pool, schema, ready };
}
