import type { AuditActor, AuditOrigin, AuditRecorder } from '@hub/audit';
import type { Viewer } from './roles.js';
import { AuthenticationError, type UserDirectory } from './users.js';

/** The signed-in person as the audit trail names them. */
export function userActorOf(viewer: Viewer): AuditActor {
  return {
    kind: 'user',
    id: viewer.userId,
    name: viewer.name,
    role: viewer.role,
    ...(viewer.agency ? { agency: viewer.agency } : {}),
    ...(viewer.units ? { units: viewer.units } : {}),
  };
}

/** The person a bearer token stands for, or AuthenticationError saying why not. */
export async function signIn(users: UserDirectory, header: unknown): Promise<Viewer> {
  const token = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined;
  if (!token)
    throw new AuthenticationError(
      'send a user token as "Authorization: Bearer <token>"',
      'MISSING_TOKEN',
    );
  return users.verify(token);
}

/**
 * A refused sign-in on the audit record: which way in (graphql, graphql-ws, audit-http), from
 * where and why; the user when a validly signed token names one that is revoked. Never the
 * token.
 */
export function recordFailedSignIn(
  audit: AuditRecorder,
  error: AuthenticationError,
  surface: string,
  from: AuditOrigin,
): void {
  audit.record({
    actor: { kind: 'user', id: error.userId ?? 'anonymous' },
    action: 'auth.failed',
    subject: { view: surface },
    from,
    result: { outcome: 'refused', code: error.reason },
  });
}
