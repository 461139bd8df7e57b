import type { NextFunction, Request, Response } from 'express';
import type { UserDirectory, Viewer } from '@hub/graphql';
import type { ConsoleStore, Session } from './console-store.js';
import { csrfRejected, sessionExpired } from './errors.js';

export const SESSION_COOKIE = 'hub_console';
export const CSRF_HEADER = 'x-csrf-token';

/** The session cookie from a request, if any. */
export function sessionIdOf(req: Request): string | undefined {
  const cookies = req.headers.cookie ?? '';
  for (const part of cookies.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

/** HttpOnly (no script reads it), SameSite=Strict (no other site sends it), path /. */
export function sessionCookie(id: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(id)}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}
export const clearedCookie = `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;

export interface SignedIn {
  sessionId: string;
  session: Session;
  viewer: Viewer;
  token: string;
}

/**
 * Signed-in requests: the session cookie names a live session of a live user, and, because
 * a browser sends the cookie with requests other sites make (SameSite aside), every request
 * carries the session's CSRF token in a header a cross-site form or image cannot set.
 * The user's GraphQL token is minted here, held by the hub, never shown to the browser.
 */
export class SessionAuth {
  private readonly tokens = new Map<string, { token: string; until: number }>();

  constructor(
    private readonly store: ConsoleStore,
    private readonly users: UserDirectory,
  ) {}

  async signedIn(req: Request, checkCsrf = true): Promise<SignedIn> {
    const sessionId = sessionIdOf(req);
    const session = sessionId ? await this.store.session(sessionId) : undefined;
    if (!sessionId || !session) throw sessionExpired();
    if (checkCsrf && req.header(CSRF_HEADER) !== session.csrf) throw csrfRejected();
    const token = await this.tokenFor(sessionId, session.userId);
    const viewer = await this.users.verify(token).catch(async () => {
      // Revoked since: the session ends with the user.
      await this.end(sessionId);
      throw sessionExpired();
    });
    return { sessionId, session, viewer, token };
  }

  /** A new session for a user who proved who they are. */
  async open(userId: string): Promise<{ id: string; csrf: string; viewer: Viewer }> {
    const { id, csrf } = await this.store.createSession(userId);
    const viewer = await this.users.verify(await this.tokenFor(id, userId));
    return { id, csrf, viewer };
  }

  async end(sessionId: string): Promise<string | undefined> {
    this.tokens.delete(sessionId);
    return this.store.endSession(sessionId);
  }

  private async tokenFor(sessionId: string, userId: string): Promise<string> {
    const known = this.tokens.get(sessionId);
    if (known && known.until > Date.now()) return known.token;
    // Good for 15 minutes; minted again before then while the session lives.
    const token = await this.users.issue(userId, 15 * 60);
    if (this.tokens.size > 10_000) this.tokens.clear();
    this.tokens.set(sessionId, { token, until: Date.now() + 10 * 60_000 });
    return token;
  }

  /**
   * GraphQL with a session: the cookie becomes the user's bearer token, so the API's own
   * roles, scoping, limits and audit apply unchanged. Requests with their own Authorization
   * header pass untouched.
   */
  graphqlBridge() {
    return (req: Request, _res: Response, next: NextFunction) => {
      if (req.headers.authorization || !sessionIdOf(req)) return next();
      this.signedIn(req)
        .then(({ token }) => {
          req.headers.authorization = `Bearer ${token}`;
          next();
        })
        .catch(next);
    };
  }
}
