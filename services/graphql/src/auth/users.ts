import { randomBytes, randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { jwtVerify, SignJWT } from 'jose';
import { isAgency, type Agency } from '@hub/domain';
import { readOrCreateSecretFile } from '@hub/personal-data';
import { isRole, type Role, type Viewer } from './roles.js';

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
const VERIFIED_TTL_MS = 5_000;

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

interface UserRow {
  id: string;
  name: string;
  role: string;
  agency: string | null;
  units: string | null;
  revoked_at: string | null;
}

/**
 * Local users and their signed tokens (HS256 JWTs with a configurable secret). A token names
 * its user; the user's role, agency and units are read from the table at each request, so a
 * revoked user's tokens stop working at once.
 */
export class UserDirectory {
  private readonly db: Database.Database;

  constructor(
    filename: string,
    private readonly secret: Uint8Array,
  ) {
    this.db = new Database(filename);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS users (
      id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, agency TEXT, units TEXT,
      created_at TEXT NOT NULL, revoked_at TEXT)`);
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
    this.db
      .prepare(
        'INSERT INTO users (id, name, role, agency, units, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(
        id,
        user.name,
        user.role,
        user.agency ?? null,
        user.units?.join(',') ?? null,
        new Date().toISOString(),
      );
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
  get(id: string): ReturnType<UserDirectory['list']>[number] | undefined {
    return this.list().find((u) => u.id === id);
  }

  /** Changes a live user's role, agency and units (administrators, in the console). */
  update(id: string, change: { role: Role; agency?: Agency; units: string[] }): boolean {
    if (change.role === 'agency_officer' && !change.agency)
      throw new Error('执法人员须指定所属部门 / an agency officer needs an agency');
    if (!change.units.length)
      throw new Error('用户须指定所属单位 / a user needs at least one unit');
    this.verified.clear();
    return (
      this.db
        .prepare(
          'UPDATE users SET role = ?, agency = ?, units = ? WHERE id = ? AND revoked_at IS NULL',
        )
        .run(change.role, change.agency ?? null, change.units.join(','), id).changes === 1
    );
  }

  revoke(id: string): boolean {
    this.verified.clear();
    return (
      this.db
        .prepare('UPDATE users SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL')
        .run(new Date().toISOString(), id).changes === 1
    );
  }

  list(): Array<Omit<Viewer, 'userId'> & { id: string; revoked: boolean }> {
    return this.db
      .prepare<[], UserRow>('SELECT * FROM users ORDER BY created_at')
      .all()
      .map((r) => ({
        id: r.id,
        name: r.name,
        role: r.role as Role,
        ...(r.agency ? { agency: r.agency as Agency } : {}),
        ...(r.units ? { units: r.units.split(',') } : {}),
        revoked: r.revoked_at !== null,
      }));
  }

  /**
   * Verified tokens are remembered for a few seconds: a dashboard sends many requests a
   * second. A revocation therefore takes effect within VERIFIED_TTL_MS.
   */
  private readonly verified = new Map<string, { viewer: Viewer; until: number }>();

  /** The viewer a bearer token stands for, or AuthenticationError saying why not. */
  async verify(token: string): Promise<Viewer> {
    const known = this.verified.get(token);
    if (known && known.until > Date.now()) return known.viewer;
    const viewer = await this.verifyAfresh(token);
    if (this.verified.size > 10_000) this.verified.clear();
    this.verified.set(token, { viewer, until: Date.now() + VERIFIED_TTL_MS });
    return viewer;
  }

  private async verifyAfresh(token: string): Promise<Viewer> {
    let subject: string | undefined;
    try {
      const { payload } = await jwtVerify(token, this.secret, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
      });
      subject = payload.sub;
    } catch (error) {
      throw new AuthenticationError(`the token is not valid: ${(error as Error).message}`);
    }
    const row = this.db
      .prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?')
      .get(subject ?? '');
    if (!row || row.revoked_at)
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
      ...(row.units ? { units: row.units.split(',') } : {}),
    };
  }

  close(): void {
    this.db.close();
  }
}
