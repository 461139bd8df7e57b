import pg from 'pg';
import { recordOf, type UserRow } from './sqlite-user-store.js';
import type { UserChange, UserRecord, UserStore } from './user-store.js';

/** Versioned schema migrations, applied in order under an advisory lock. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE hub_users (
     id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, agency TEXT, units TEXT,
     created_at TEXT NOT NULL, revoked_at TEXT);`,
];

/** An arbitrary constant: the advisory lock that serialises migrations of the users schema. */
const MIGRATION_LOCK = 72_815_012;

export interface PostgresUserStoreOptions {
  connectionString: string;
  /** A schema of its own (created if missing): tests side by side. */
  schema?: string;
}

/**
 * Users in PostgreSQL, for hubs whose API processes run on several machines: a user made
 * through one process is known to every other, and a revocation holds everywhere at once
 * (each verification reads the row).
 */
export class PostgresUserStore implements UserStore {
  private readonly pool: pg.Pool;
  private readonly ready: Promise<void>;

  constructor(options: PostgresUserStoreOptions) {
    const schema = options.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
      throw new Error(`schema name "${schema}" must be lower-case letters, digits and _`);
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: 4,
      options: `-c search_path=${schema}`,
    });
    this.ready = this.migrate(schema);
    // Surfaced by the first call; kept from becoming an unhandled rejection meanwhile.
    this.ready.catch(() => undefined);
  }

  private async migrate(schema: string): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // Two processes starting at once: the second waits here, then finds everything made.
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query('CREATE TABLE IF NOT EXISTS hub_users_schema (version INTEGER NOT NULL)');
      const { rows } = await client.query<{ version: number }>(
        'SELECT version FROM hub_users_schema',
      );
      const version = rows[0]?.version ?? 0;
      for (let v = version; v < MIGRATIONS.length; v++) await client.query(MIGRATIONS[v]!);
      if (rows.length === 0)
        await client.query('INSERT INTO hub_users_schema VALUES ($1)', [MIGRATIONS.length]);
      else await client.query('UPDATE hub_users_schema SET version = $1', [MIGRATIONS.length]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async insert(user: UserRecord): Promise<void> {
    await this.ready;
    await this.pool.query(
      'INSERT INTO hub_users (id, name, role, agency, units, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [user.id, user.name, user.role, user.agency, user.units.join(','), user.createdAt],
    );
  }

  async find(id: string): Promise<UserRecord | undefined> {
    await this.ready;
    const { rows } = await this.pool.query<UserRow>('SELECT * FROM hub_users WHERE id = $1', [id]);
    return rows[0] ? recordOf(rows[0]) : undefined;
  }

  async list(): Promise<UserRecord[]> {
    await this.ready;
    const { rows } = await this.pool.query<UserRow>(
      'SELECT * FROM hub_users ORDER BY created_at, id',
    );
    return rows.map(recordOf);
  }

  async update(id: string, change: UserChange): Promise<boolean> {
    await this.ready;
    const result = await this.pool.query(
      'UPDATE hub_users SET role = $1, agency = $2, units = $3 WHERE id = $4 AND revoked_at IS NULL',
      [change.role, change.agency, change.units.join(','), id],
    );
    return result.rowCount === 1;
  }

  async revoke(id: string, at: string): Promise<boolean> {
    await this.ready;
    const result = await this.pool.query(
      'UPDATE hub_users SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL',
      [at, id],
    );
    return result.rowCount === 1;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
