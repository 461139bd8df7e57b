import pg from 'pg';
import type { Agency } from '@hub/domain';
import { hashToken, newToken, type Credential, type CredentialStore } from './credential-store.js';

/** Versioned schema migrations, applied in order under an advisory lock. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE hub_credentials (
     token_id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, agency TEXT NOT NULL,
     label TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT, units TEXT NOT NULL);`,
];

/** An arbitrary constant: the advisory lock that serialises migrations of the credentials schema. */
const MIGRATION_LOCK = 72_815_011;

interface Row {
  token_id: string;
  agency: Agency;
  units: string;
  label: string;
  created_at: string;
  revoked_at: string | null;
}

const toCredential = (r: Row): Credential => ({
  tokenId: r.token_id,
  agency: r.agency,
  units: r.units.split(','),
  label: r.label,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
});

export interface PostgresCredentialStoreOptions {
  connectionString: string;
  /** A schema of its own (created if missing): tests side by side. */
  schema?: string;
  now?: () => Date;
}

/**
 * Credentials in PostgreSQL, for hubs whose processes run on several machines: a token made
 * through one process is accepted by every other, and a revocation holds everywhere at once
 * (each request reads the row).
 */
export class PostgresCredentialStore implements CredentialStore {
  private readonly pool: pg.Pool;
  private readonly ready: Promise<void>;
  private readonly now: () => Date;

  constructor(options: PostgresCredentialStoreOptions) {
    const schema = options.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
      throw new Error(`schema name "${schema}" must be lower-case letters, digits and _`);
    this.now = options.now ?? (() => new Date());
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
      await client.query(
        'CREATE TABLE IF NOT EXISTS hub_credentials_schema (version INTEGER NOT NULL)',
      );
      const { rows } = await client.query<{ version: number }>(
        'SELECT version FROM hub_credentials_schema',
      );
      const version = rows[0]?.version ?? 0;
      for (let v = version; v < MIGRATIONS.length; v++) await client.query(MIGRATIONS[v]!);
      if (rows.length === 0)
        await client.query('INSERT INTO hub_credentials_schema VALUES ($1)', [MIGRATIONS.length]);
      else
        await client.query('UPDATE hub_credentials_schema SET version = $1', [MIGRATIONS.length]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async create(agency: Agency, label: string, units: readonly string[]) {
    if (units.length === 0) throw new Error('a credential needs at least one unit');
    await this.ready;
    const { token, tokenId } = newToken(agency);
    const createdAt = this.now().toISOString();
    await this.pool.query(
      'INSERT INTO hub_credentials (token_id, token_hash, agency, label, created_at, units) VALUES ($1, $2, $3, $4, $5, $6)',
      [tokenId, hashToken(token), agency, label, createdAt, units.join(',')],
    );
    return {
      token,
      credential: { tokenId, agency, units: [...units], label, createdAt, revokedAt: null },
    };
  }

  async verify(token: string) {
    await this.ready;
    const { rows } = await this.pool.query<Row>(
      'SELECT * FROM hub_credentials WHERE token_hash = $1 AND revoked_at IS NULL',
      [hashToken(token)],
    );
    return rows[0] ? toCredential(rows[0]) : undefined;
  }

  async revoke(tokenId: string) {
    await this.ready;
    const result = await this.pool.query(
      'UPDATE hub_credentials SET revoked_at = $1 WHERE token_id = $2 AND revoked_at IS NULL',
      [this.now().toISOString(), tokenId],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async list() {
    await this.ready;
    const { rows } = await this.pool.query<Row>(
      'SELECT * FROM hub_credentials ORDER BY created_at, token_id',
    );
    return rows.map(toCredential);
  }

  async close() {
    await this.pool.end();
  }
}
