import { randomBytes, randomUUID } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { isAgency, type Agency } from '@hub/domain';
import { readOrCreateSecretFile } from '@hub/personal-data';
import { isRole, type Role, type Viewer } from './roles.js';
import { SqliteUserStore } from './sqlite-user-store.js';
import type { UserRecord, UserStore } from './user-store.js';

/** Why a sign-in failed, for the audit trail: stable codes, never the token. */
export type SignInFailure = 'MISSING_TOKEN' | 'INVALID_TOKEN' | 'USER_UNKNOWN_OR_REVOKED';

export class AuthenticationError extends Error {
  readonly code = 'UNAUTHENTICATED';
  constructor(
    message: string,
    readonly reason: SignInFailure = 'INVALID_TOKEN',
    /** The user a validly signed token names (unknown or revoked). */
    readonly userId?: string,
  ) {
    super(message);
  }
}

const ISSUER = 'hub';
const AUDIENCE = 'hub-graphql';
const SIGNATURE_TTL_MS = 5_000;

/** The signing secret: HUB_JWT_SECRET, or a key file made on first use in the data directory. */
export function loadOrCreateJwtSecret(file: string, configured?: string): Uint8Array {
  if (configured) {
    const secret = Buffer.from(configured, 'base64');
    if (secret.length < 32) throw new Error('HUB_JWT_SECRET must be at least 32 bytes in base64');
    return secret;
  }
  const text = readOrCreateSecretFile(file, () => `${randomBytes(32).toString('base64')}\n`);
  return Buffer.from(text.trim(), 'base64');
}

/** A user as listed: the viewer they stand for, and whether they are disabled. */
export type ListedUser = Omit<Viewer, 'userId'> & { id: string; revoked: boolean };

const listed = (r: UserRecord): ListedUser => ({
  id: r.id,
  name: r.name,
  role: r.role as Role,
  ...(r.agency && isAgency(r.agency) ? { agency: r.agency } : {}),
  ...(r.units.length ? { units: r.units } : {}),
  revoked: r.revokedAt !== null,
});

/**
 * Users and their signed tokens (HS256 JWTs with a configurable secret). A token names its
 * user; the user's role, agency and units are read from the store at each request, so a
 * revoked user's tokens stop working at once, in every process that shares the store.
 */
export class UserDirectory {
  private readonly store: UserStore;

  /** A store, or the file name of an embedded hub's hub.db. */
  constructor(
    store: UserStore | string,
    private readonly secret: Uint8Array,
  ) {
    this.store = typeof store === 'string' ? new SqliteUserStore(store) : store;
  }

  async create(user: { name: string; role: Role; agency?: Agency; units?: string[] }, days = 90) {
    if (user.role === 'agency_officer' && !user.agency)
      throw new Error('an agency officer needs an agency');
    // Everyone reads within units: a wider view is given by wider units, never by the role.
    if (!user.units?.length)
      throw new Error(
        `用户须指定所属单位（行政区划代码，全国用 000000）/ a ${user.role} needs at least one unit (division code; 000000 for the whole country)`,
      );
    const id = randomUUID();
    await this.store.insert({
      id,
      name: user.name,
      role: user.role,
      agency: user.agency ?? null,
      units: user.units,
      createdAt: new Date().toISOString(),
      revokedAt: null,
    });
    const token = await new SignJWT({ role: user.role })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(id)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${days}d`)
      .sign(this.secret);
    return { id, token };
  }

  /**
   * A short-lived token for a user who signed in to the console: held by the hub for the
   * session (never given to the browser), so the console reads through the same GraphQL
   * rules as any token.
   */
  async issue(id: string, seconds: number): Promise<string> {
    return new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(id)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + seconds)
      .sign(this.secret);
  }

  /** One user as listed, or undefined. */
  async get(id: string): Promise<ListedUser | undefined> {
    const found = await this.store.find(id);
    return found ? listed(found) : undefined;
  }

  /** Changes a live user's role, agency and units (administrators, in the console). */
  async update(id: string, change: { role: Role; agency?: Agency; units: string[] }) {
    if (change.role === 'agency_officer' && !change.agency)
      throw new Error('执法人员须指定所属部门 / an agency officer needs an agency');
    if (!change.units.length)
      throw new Error('用户须指定所属单位 / a user needs at least one unit');
    return this.store.update(id, {
      role: change.role,
      agency: change.agency ?? null,
      units: change.units,
    });
  }

  async revoke(id: string): Promise<boolean> {
    return this.store.revoke(id, new Date().toISOString());
  }

  async list(): Promise<ListedUser[]> {
    return (await this.store.list()).map(listed);
  }

  /**
   * Signatures already checked, remembered for a few seconds: a dashboard sends many requests
   * a second. Only the signature is remembered; the user is read afresh every time, so a
   * change or revocation made through any process holds at the next request.
   */
  private readonly signed = new Map<string, { subject: string; until: number }>();

  /** The viewer a bearer token stands for, or AuthenticationError saying why not. */
  async verify(token: string): Promise<Viewer> {
    const subject = await this.subjectOf(token);
    const row = await this.store.find(subject);
    if (!row || row.revokedAt)
      throw new AuthenticationError(
        'the user is unknown or revoked',
        'USER_UNKNOWN_OR_REVOKED',
        subject,
      );
    if (!isRole(row.role)) throw new AuthenticationError(`unknown role ${row.role}`);
    return {
      userId: row.id,
      name: row.name,
      role: row.role,
      ...(row.agency && isAgency(row.agency) ? { agency: row.agency } : {}),
      ...(row.units.length ? { units: row.units } : {}),
    };
  }

  private async subjectOf(token: string): Promise<string> {
    const known = this.signed.get(token);
    if (known && known.until > Date.now()) return known.subject;
    let subject: string;
    let expiresAt: number;
    try {
      const { payload } = await jwtVerify(token, this.secret, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
      });
      subject = payload.sub ?? '';
      expiresAt = (payload.exp ?? 0) * 1000;
    } catch (error) {
      throw new AuthenticationError(`the token is not valid: ${(error as Error).message}`);
    }
    if (this.signed.size > 10_000) this.signed.clear();
    // Never remembered past the token's own expiry.
    this.signed.set(token, { subject, until: Math.min(Date.now() + SIGNATURE_TTL_MS, expiresAt) });
    return subject;
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}
