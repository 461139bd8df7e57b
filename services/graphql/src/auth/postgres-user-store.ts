import type pg from 'pg';
import { openSchemaPool } from '@hub/postgres-schema';
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
    ({ pool: this.pool, ready: this.ready } = openSchemaPool({
      connectionString: options.connectionString,
      schema: options.schema,
      max: 4,
      migrations: { versionTable: 'hub_users_schema', lock: MIGRATION_LOCK, steps: MIGRATIONS },
    }));
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
