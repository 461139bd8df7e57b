import Database from 'better-sqlite3';
import { unitsOf, type UserChange, type UserRecord, type UserStore } from './user-store.js';

export interface UserRow {
  id: string;
  name: string;
  role: string;
  agency: string | null;
  units: string | null;
  created_at: string;
  revoked_at: string | null;
}

export const recordOf = (r: UserRow): UserRecord => ({
  id: r.id,
  name: r.name,
  role: r.role,
  agency: r.agency,
  units: unitsOf(r.units),
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
});

/** Users in the data directory's hub.db: an embedded hub's single process. */
export class SqliteUserStore implements UserStore {
  private readonly db: Database.Database;
  /** Asked on every GraphQL request: prepared once. */
  private readonly byId: Database.Statement<[string], UserRow>;

  constructor(filename: string) {
    this.db = new Database(filename);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS users (
      id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, agency TEXT, units TEXT,
      created_at TEXT NOT NULL, revoked_at TEXT)`);
    this.byId = this.db.prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?');
  }

  async insert(user: UserRecord): Promise<void> {
    this.db
      .prepare(
        'INSERT INTO users (id, name, role, agency, units, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(user.id, user.name, user.role, user.agency, user.units.join(','), user.createdAt);
  }

  async find(id: string): Promise<UserRecord | undefined> {
    const row = this.byId.get(id);
    return row ? recordOf(row) : undefined;
  }

  async list(): Promise<UserRecord[]> {
    return this.db
      .prepare<[], UserRow>('SELECT * FROM users ORDER BY created_at, id')
      .all()
      .map(recordOf);
  }

  async update(id: string, change: UserChange): Promise<boolean> {
    return (
      this.db
        .prepare(
          'UPDATE users SET role = ?, agency = ?, units = ? WHERE id = ? AND revoked_at IS NULL',
        )
        .run(change.role, change.agency, change.units.join(','), id).changes === 1
    );
  }

  async revoke(id: string, at: string): Promise<boolean> {
    return (
      this.db
        .prepare('UPDATE users SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL')
        .run(at, id).changes === 1
    );
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
