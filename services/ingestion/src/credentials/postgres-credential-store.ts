import type pg from 'pg';
import { openSchemaPool } from '@hub/postgres-schema';
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
    this.now = options.now ?? (() => new Date());
    ({ pool: this.pool, ready: this.ready } = openSchemaPool({
      connectionString: options.connectionString,
      schema: options.schema,
      max: 4,
      migrations: {
        versionTable: 'hub_credentials_schema',
        lock: MIGRATION_LOCK,
        steps: MIGRATIONS,
      },
    }));
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
