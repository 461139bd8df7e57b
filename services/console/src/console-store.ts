import { createHash, randomBytes } from 'node:crypto';

/** Session lifetimes: idle and absolute (等保 asks for sign-out after inactivity). */
export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_MAX_MS = 12 * 3600_000;
/** A one-time sign-in link stays usable this long. */
export const LINK_TTL_MS = 7 * 24 * 3600_000;

export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
export const secret = () => randomBytes(32).toString('base64url');

export interface Session {
  userId: string;
  csrf: string;
  expiresAt: number;
}

/**
 * Console sign-in state: user names and password hashes, one-time sign-in links and sessions.
 * Links and session ids are random 256-bit secrets stored only as SHA-256 hashes (a slow hash
 * adds nothing to 256 random bits). In hub.db for an embedded hub, in PostgreSQL in server
 * mode, so a link or session made through one process holds on every other.
 */
export interface ConsoleStore {
  /** The user name (login) and password hash of a user, if set. */
  account(userId: string): Promise<{ login: string; passwordHash: string | null } | undefined>;
  /** The user a user name (case-insensitive) belongs to. */
  byLogin(login: string): Promise<{ userId: string; passwordHash: string | null } | undefined>;
  /** Sets a user's user name and (hashed) password; false when the name is someone else's. */
  setAccount(userId: string, login: string, passwordHash: string | null): Promise<boolean>;
  /** A one-time sign-in link's secret (shown once; only its hash is kept). */
  createLink(userId: string, ttlMs?: number): Promise<string>;
  /** The user a link signs in, once: a used or expired link signs in no one. */
  redeemLink(token: string): Promise<string | undefined>;
  /** A reset: the password, unused links and sessions of a user are gone. */
  resetSignIn(userId: string): Promise<void>;
  createSession(userId: string): Promise<{ id: string; csrf: string }>;
  /** A live session (seen within the idle time, younger than the maximum), kept alive. */
  session(id: string): Promise<Session | undefined>;
  endSession(id: string): Promise<string | undefined>;
  /** Every session of a user but one (the one that changed the password). */
  endOtherSessionsOf(userId: string, keepId: string): Promise<void>;
  endSessionsOf(userId: string): Promise<void>;
  close(): Promise<void>;
}
