import Database from 'better-sqlite3';
import { NATIONWIDE, type Agency } from '@hub/domain';
import { hashToken, newToken, type Credential, type CredentialStore } from './credential-store.js';

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

/** Credentials in a SQLite file; the CLI and the running hub share it (WAL). */
export class SqliteCredentialStore implements CredentialStore {
  private readonly db: Database.Database;
  /** Asked on every request: prepared once (each request still reads the row, so a revocation holds at once). */
  private readonly byHash: Database.Statement<[string], Row>;

  constructor(
    filename: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.db = new Database(filename);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS credentials (
      token_id   TEXT PRIMARY KEY,
      token_hash TEXT NOT NULL UNIQUE,
      agency     TEXT NOT NULL,
      label      TEXT NOT NULL,
      created_at TEXT NOT NULL,
      revoked_at TEXT,
      units      TEXT NOT NULL
    )`);
    // Credentials made before units existed keep the nationwide reach they had, now explicit.
    const columns = this.db.prepare<[], { name: string }>('PRAGMA table_info(credentials)').all();
    if (!columns.some((c) => c.name === 'units'))
      this.db.exec(
        `ALTER TABLE credentials ADD COLUMN units TEXT NOT NULL DEFAULT '${NATIONWIDE}'`,
      );
    this.byHash = this.db.prepare<[string], Row>(
      'SELECT * FROM credentials WHERE token_hash = ? AND revoked_at IS NULL',
    );
  }

  async create(agency: Agency, label: string, units: readonly string[]) {
    if (units.length === 0) throw new Error('a credential needs at least one unit');
    const { token, tokenId } = newToken(agency);
    const createdAt = this.now().toISOString();
    this.db
      .prepare(
        'INSERT INTO credentials (token_id, token_hash, agency, label, created_at, units) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(tokenId, hashToken(token), agency, label, createdAt, units.join(','));
    return {
      token,
      credential: { tokenId, agency, units: [...units], label, createdAt, revokedAt: null },
    };
  }

  async verify(token: string) {
    const row = this.byHash.get(hashToken(token));
    return row ? toCredential(row) : undefined;
  }

  async revoke(tokenId: string) {
    const result = this.db
      .prepare('UPDATE credentials SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL')
      .run(this.now().toISOString(), tokenId);
    return result.changes > 0;
  }

  async list() {
    return this.db
      .prepare<[], Row>('SELECT * FROM credentials ORDER BY created_at')
      .all()
      .map(toCredential);
  }

  async close() {
    this.db.close();
  }
}
