import Database from 'better-sqlite3';
import {
  LINK_TTL_MS,
  secret,
  SESSION_IDLE_MS,
  SESSION_MAX_MS,
  sha256,
  type ConsoleStore,
  type Session,
} from './console-store.js';

/** Console sign-in state in hub.db, beside an embedded hub's users. */
export class SqliteConsoleStore implements ConsoleStore {
  private readonly db: Database.Database;
  /** Asked on every console request: prepared once. */
  private readonly sessionByHash: Database.Statement<
    [string],
    { user_id: string; csrf: string; created_at: number; seen_at: number }
  >;

  constructor(
    filename: string,
    private readonly now: () => number = Date.now,
  ) {
    this.db = new Database(filename);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS console_accounts (
        user_id TEXT PRIMARY KEY, login TEXT NOT NULL UNIQUE COLLATE NOCASE, password_hash TEXT);
      CREATE TABLE IF NOT EXISTS console_links (
        hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER);
      CREATE TABLE IF NOT EXISTS console_sessions (
        hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, csrf TEXT NOT NULL,
        created_at INTEGER NOT NULL, seen_at INTEGER NOT NULL);`);
    this.sessionByHash = this.db.prepare(
      'SELECT user_id, csrf, created_at, seen_at FROM console_sessions WHERE hash = ?',
    );
  }

  /** The user name (login) and password hash of a user, if set. */
  async account(
    userId: string,
  ): Promise<{ login: string; passwordHash: string | null } | undefined> {
    const row = this.db
      .prepare<[string], { login: string; password_hash: string | null }>(
        'SELECT login, password_hash FROM console_accounts WHERE user_id = ?',
      )
      .get(userId);
    return row ? { login: row.login, passwordHash: row.password_hash } : undefined;
  }

  async byLogin(
    login: string,
  ): Promise<{ userId: string; passwordHash: string | null } | undefined> {
    const row = this.db
      .prepare<[string], { user_id: string; password_hash: string | null }>(
        'SELECT user_id, password_hash FROM console_accounts WHERE login = ?',
      )
      .get(login);
    return row ? { userId: row.user_id, passwordHash: row.password_hash } : undefined;
  }

  /** Sets a user's user name and (hashed) password; false when the name is someone else's. */
  async setAccount(userId: string, login: string, passwordHash: string | null): Promise<boolean> {
    const other = await this.byLogin(login);
    if (other && other.userId !== userId) return false;
    this.db
      .prepare(
        `INSERT INTO console_accounts (user_id, login, password_hash) VALUES (?, ?, ?)
         ON CONFLICT(user_id) DO UPDATE SET login = excluded.login,
           password_hash = COALESCE(excluded.password_hash, console_accounts.password_hash)`,
      )
      .run(userId, login, passwordHash);
    return true;
  }

  /** A one-time sign-in link's secret (shown once; only its hash is kept). */
  async createLink(userId: string, ttlMs = LINK_TTL_MS): Promise<string> {
    const token = secret();
    this.db
      .prepare('INSERT INTO console_links (hash, user_id, expires_at) VALUES (?, ?, ?)')
      .run(sha256(token), userId, this.now() + ttlMs);
    return token;
  }

  /** The user a link signs in, once: a used or expired link signs in no one. */
  async redeemLink(token: string): Promise<string | undefined> {
    const row = this.db
      .prepare<[number, string, number], { user_id: string }>(
        `UPDATE console_links SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ?
         RETURNING user_id`,
      )
      .get(this.now(), sha256(token), this.now());
    return row?.user_id;
  }

  /** A reset: the password, unused links and sessions of a user are gone. */
  async resetSignIn(userId: string): Promise<void> {
    this.db.transaction(() => {
      this.db
        .prepare('UPDATE console_accounts SET password_hash = NULL WHERE user_id = ?')
        .run(userId);
      this.db.prepare('DELETE FROM console_links WHERE user_id = ?').run(userId);
      this.db.prepare('DELETE FROM console_sessions WHERE user_id = ?').run(userId);
    })();
  }

  async createSession(userId: string): Promise<{ id: string; csrf: string }> {
    const id = secret();
    const csrf = secret();
    const now = this.now();
    this.db
      .prepare(
        'INSERT INTO console_sessions (hash, user_id, csrf, created_at, seen_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(sha256(id), userId, csrf, now, now);
    return { id, csrf };
  }

  /** A live session (seen within the idle time, younger than the maximum), kept alive. */
  async session(id: string): Promise<Session | undefined> {
    const now = this.now();
    const row = this.sessionByHash.get(sha256(id));
    if (!row) return undefined;
    if (now - row.seen_at > SESSION_IDLE_MS || now - row.created_at > SESSION_MAX_MS) {
      await this.endSession(id);
      return undefined;
    }
    // Written at most once a minute: a dashboard's requests do not each cost a commit.
    if (now - row.seen_at > 60_000)
      this.db
        .prepare('UPDATE console_sessions SET seen_at = ? WHERE hash = ?')
        .run(now, sha256(id));
    return {
      userId: row.user_id,
      csrf: row.csrf,
      expiresAt: Math.min(now + SESSION_IDLE_MS, row.created_at + SESSION_MAX_MS),
    };
  }

  async endSession(id: string): Promise<string | undefined> {
    return this.db
      .prepare<[string], { user_id: string }>(
        'DELETE FROM console_sessions WHERE hash = ? RETURNING user_id',
      )
      .get(sha256(id))?.user_id;
  }

  /** Every session of a user but one (the one that changed the password). */
  async endOtherSessionsOf(userId: string, keepId: string): Promise<void> {
    this.db
      .prepare('DELETE FROM console_sessions WHERE user_id = ? AND hash <> ?')
      .run(userId, sha256(keepId));
  }

  async endSessionsOf(userId: string): Promise<void> {
    this.db.prepare('DELETE FROM console_sessions WHERE user_id = ?').run(userId);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
