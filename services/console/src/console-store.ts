import { createHash, randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';

/** Session lifetimes: idle and absolute (等保 asks for sign-out after inactivity). */
export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_MAX_MS = 12 * 3600_000;
/** A one-time sign-in link stays usable this long. */
export const LINK_TTL_MS = 7 * 24 * 3600_000;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const secret = () => randomBytes(32).toString('base64url');

export interface Session {
  userId: string;
  csrf: string;
  expiresAt: number;
}

/**
 * Console sign-in state, hub state kept beside the users in hub.db: user names and password
 * hashes, one-time sign-in links and sessions. Links and session ids are random 256-bit
 * secrets stored only as SHA-256 hashes (a slow hash adds nothing to 256 random bits).
 */
export class ConsoleStore {
  private readonly db: Database.Database;

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
  }

  /** The user name (login) and password hash of a user, if set. */
  account(userId: string): { login: string; passwordHash: string | null } | undefined {
    const row = this.db
      .prepare<[string], { login: string; password_hash: string | null }>(
        'SELECT login, password_hash FROM console_accounts WHERE user_id = ?',
      )
      .get(userId);
    return row ? { login: row.login, passwordHash: row.password_hash } : undefined;
  }

  byLogin(login: string): { userId: string; passwordHash: string | null } | undefined {
    const row = this.db
      .prepare<[string], { user_id: string; password_hash: string | null }>(
        'SELECT user_id, password_hash FROM console_accounts WHERE login = ?',
      )
      .get(login);
    return row ? { userId: row.user_id, passwordHash: row.password_hash } : undefined;
  }

  /** Sets a user's user name and (hashed) password; false when the name is someone else's. */
  setAccount(userId: string, login: string, passwordHash: string | null): boolean {
    const other = this.byLogin(login);
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
  createLink(userId: string, ttlMs = LINK_TTL_MS): string {
    const token = secret();
    this.db
      .prepare('INSERT INTO console_links (hash, user_id, expires_at) VALUES (?, ?, ?)')
      .run(sha256(token), userId, this.now() + ttlMs);
    return token;
  }

  /** The user a link signs in, once: a used or expired link signs in no one. */
  redeemLink(token: string): string | undefined {
    const row = this.db
      .prepare<[number, string, number], { user_id: string }>(
        `UPDATE console_links SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ?
         RETURNING user_id`,
      )
      .get(this.now(), sha256(token), this.now());
    return row?.user_id;
  }

  /** A reset: the password, unused links and sessions of a user are gone. */
  resetSignIn(userId: string): void {
    this.db.transaction(() => {
      this.db
        .prepare('UPDATE console_accounts SET password_hash = NULL WHERE user_id = ?')
        .run(userId);
      this.db.prepare('DELETE FROM console_links WHERE user_id = ?').run(userId);
      this.endSessionsOf(userId);
    })();
  }

  createSession(userId: string): { id: string; csrf: string } {
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
  session(id: string): Session | undefined {
    const now = this.now();
    const row = this.db
      .prepare<[string], { user_id: string; csrf: string; created_at: number; seen_at: number }>(
        'SELECT user_id, csrf, created_at, seen_at FROM console_sessions WHERE hash = ?',
      )
      .get(sha256(id));
    if (!row) return undefined;
    if (now - row.seen_at > SESSION_IDLE_MS || now - row.created_at > SESSION_MAX_MS) {
      this.endSession(id);
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

  endSession(id: string): string | undefined {
    return this.db
      .prepare<[string], { user_id: string }>(
        'DELETE FROM console_sessions WHERE hash = ? RETURNING user_id',
      )
      .get(sha256(id))?.user_id;
  }

  /** Every session of a user but one (the one that changed the password). */
  endOtherSessionsOf(userId: string, keepId: string): void {
    this.db
      .prepare('DELETE FROM console_sessions WHERE user_id = ? AND hash <> ?')
      .run(userId, sha256(keepId));
  }

  endSessionsOf(userId: string): void {
    this.db.prepare('DELETE FROM console_sessions WHERE user_id = ?').run(userId);
  }

  close(): void {
    this.db.close();
  }
}
