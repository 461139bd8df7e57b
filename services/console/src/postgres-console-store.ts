import type pg from 'pg';
import { inTransaction, openSchemaPool } from '@hub/postgres-schema';
import {
  LINK_TTL_MS,
  secret,
  SESSION_IDLE_MS,
  SESSION_MAX_MS,
  sha256,
  type ConsoleStore,
  type Session,
} from './console-store.js';

/** Versioned schema migrations, applied in order under an advisory lock. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE hub_console_accounts (
     user_id TEXT PRIMARY KEY, login TEXT NOT NULL, password_hash TEXT);
   CREATE UNIQUE INDEX hub_console_accounts_login ON hub_console_accounts (lower(login));
   CREATE TABLE hub_console_links (
     hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, expires_at BIGINT NOT NULL, used_at BIGINT);
   CREATE TABLE hub_console_sessions (
     hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, csrf TEXT NOT NULL,
     created_at BIGINT NOT NULL, seen_at BIGINT NOT NULL);
   CREATE INDEX hub_console_sessions_user ON hub_console_sessions (user_id);`,
];

/** An arbitrary constant: the advisory lock that serialises migrations of the console schema. */
const MIGRATION_LOCK = 72_815_013;
const UNIQUE_VIOLATION = '23505';

export interface PostgresConsoleStoreOptions {
  connectionString: string;
  /** A schema of its own (created if missing): tests side by side. */
  schema?: string;
  now?: () => number;
}

/**
 * Console sign-in state in PostgreSQL, for hubs whose API processes run on several machines:
 * a link made through one process signs in on another, a session opened on one is live on
 * every other, and ending it (or resetting the user) ends it everywhere.
 */
export class PostgresConsoleStore implements ConsoleStore {
  private readonly pool: pg.Pool;
  private readonly ready: Promise<void>;
  private readonly now: () => number;

  constructor(options: PostgresConsoleStoreOptions) {
    this.now = options.now ?? Date.now;
    ({ pool: this.pool, ready: this.ready } = openSchemaPool({
      connectionString: options.connectionString,
      schema: options.schema,
      max: 4,
      migrations: { versionTable: 'hub_console_schema', lock: MIGRATION_LOCK, steps: MIGRATIONS },
    }));
  }

  private async query<R extends pg.QueryResultRow>(text: string, values: unknown[]) {
    await this.ready;
    return this.pool.query<R>(text, values);
  }

  async account(userId: string) {
    const { rows } = await this.query<{ login: string; password_hash: string | null }>(
      'SELECT login, password_hash FROM hub_console_accounts WHERE user_id = $1',
      [userId],
    );
    return rows[0] ? { login: rows[0].login, passwordHash: rows[0].password_hash } : undefined;
  }

  async byLogin(login: string) {
    const { rows } = await this.query<{ user_id: string; password_hash: string | null }>(
      'SELECT user_id, password_hash FROM hub_console_accounts WHERE lower(login) = lower($1)',
      [login],
    );
    return rows[0] ? { userId: rows[0].user_id, passwordHash: rows[0].password_hash } : undefined;
  }

  async setAccount(userId: string, login: string, passwordHash: string | null) {
    try {
      await this.query(
        `INSERT INTO hub_console_accounts (user_id, login, password_hash) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET login = excluded.login,
           password_hash = COALESCE(excluded.password_hash, hub_console_accounts.password_hash)`,
        [userId, login, passwordHash],
      );
      return true;
    } catch (error) {
      // The name is someone else's (the unique index, case-insensitive): two processes racing
      // for one name get one each way, never both.
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) return false;
      throw error;
    }
  }

  async createLink(userId: string, ttlMs = LINK_TTL_MS) {
    const token = secret();
    await this.query(
      'INSERT INTO hub_console_links (hash, user_id, expires_at) VALUES ($1, $2, $3)',
      [sha256(token), userId, this.now() + ttlMs],
    );
    return token;
  }

  async redeemLink(token: string) {
    const now = this.now();
    const { rows } = await this.query<{ user_id: string }>(
      `UPDATE hub_console_links SET used_at = $1
       WHERE hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id`,
      [now, sha256(token)],
    );
    return rows[0]?.user_id;
  }

  async resetSignIn(userId: string) {
    await this.ready;
    await inTransaction(this.pool, async (client) => {
      await client.query(
        'UPDATE hub_console_accounts SET password_hash = NULL WHERE user_id = $1',
        [userId],
      );
      await client.query('DELETE FROM hub_console_links WHERE user_id = $1', [userId]);
      await client.query('DELETE FROM hub_console_sessions WHERE user_id = $1', [userId]);
    });
  }

  async createSession(userId: string) {
    const id = secret();
    const csrf = secret();
    const now = this.now();
    await this.query(
      'INSERT INTO hub_console_sessions (hash, user_id, csrf, created_at, seen_at) VALUES ($1, $2, $3, $4, $4)',
      [sha256(id), userId, csrf, now],
    );
    return { id, csrf };
  }

  async session(id: string): Promise<Session | undefined> {
    const now = this.now();
    const { rows } = await this.query<{
      user_id: string;
      csrf: string;
      created_at: string;
      seen_at: string;
    }>('SELECT user_id, csrf, created_at, seen_at FROM hub_console_sessions WHERE hash = $1', [
      sha256(id),
    ]);
    const row = rows[0];
    if (!row) return undefined;
    // BIGINT arrives as a string: milliseconds fit a double exactly.
    const [createdAt, seenAt] = [Number(row.created_at), Number(row.seen_at)];
    if (now - seenAt > SESSION_IDLE_MS || now - createdAt > SESSION_MAX_MS) {
      await this.endSession(id);
      return undefined;
    }
    // Written at most once a minute: a dashboard's requests do not each cost a commit.
    if (now - seenAt > 60_000)
      await this.query('UPDATE hub_console_sessions SET seen_at = $1 WHERE hash = $2', [
        now,
        sha256(id),
      ]);
    return {
      userId: row.user_id,
      csrf: row.csrf,
      expiresAt: Math.min(now + SESSION_IDLE_MS, createdAt + SESSION_MAX_MS),
    };
  }

  async endSession(id: string) {
    const { rows } = await this.query<{ user_id: string }>(
      'DELETE FROM hub_console_sessions WHERE hash = $1 RETURNING user_id',
      [sha256(id)],
    );
    return rows[0]?.user_id;
  }

  async endOtherSessionsOf(userId: string, keepId: string) {
    await this.query('DELETE FROM hub_console_sessions WHERE user_id = $1 AND hash <> $2', [
      userId,
      sha256(keepId),
    ]);
  }

  async endSessionsOf(userId: string) {
    await this.query('DELETE FROM hub_console_sessions WHERE user_id = $1', [userId]);
  }

  async close() {
    await this.pool.end();
  }
}
