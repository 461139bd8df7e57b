import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Audit, AuditEntry } from '@hub/audit';
import type { PersonalDataProtector } from '@hub/domain';
import { answerFor, originOf, RateLimitedError, TokenBuckets } from '@hub/ingestion';
import type { Viewer } from '../auth/roles.js';
import { recordFailedSignIn, signIn, userActorOf } from '../auth/sign-in.js';
import { AuthenticationError, type UserDirectory } from '../auth/users.js';
import {
  AuditQueryError,
  auditFilterSummary,
  auditQueryOf,
  auditRecordView,
  type AuditFilterInput,
} from './audit-query.js';

export interface AuditRouterDeps {
  users: UserDirectory;
  audit: Audit;
  /** Turns a holder's ID number into the match key records carry. */
  protector: PersonalDataProtector;
  rateLimitPerMinute?: number;
}

/** A role other than auditor asking for the audit trail. */
export class RoleForbiddenError extends Error {
  readonly code = 'ROLE_FORBIDDEN';
}

const Filter = z.string().min(1).max(200).optional();
export const AuditRequest = z
  .object({
    from: Filter,
    to: Filter,
    actorId: Filter,
    agency: Filter,
    action: Filter,
    holderIdNumber: Filter,
    registryKey: Filter,
    purpose: Filter,
    outcome: Filter,
    first: z.coerce.number().int().min(1).max(100).default(50),
    after: z.string().max(100).optional(),
  })
  .strict() satisfies z.ZodType<AuditFilterInput & { first: number; after?: string }>;

/**
 * The audit trail over HTTP for auditors, with their user token (not an agency credential):
 * `GET /v1/audit?…` and, so that a holder's ID number never travels in a URL (which proxies
 * log), `POST /v1/audit/search` with the same fields as JSON. Same filters and pages as
 * GraphQL's auditTrail; failures answer problem+json through the one error table. Reading
 * the trail is itself on the record.
 */
export function auditRouter(deps: AuditRouterDeps): Router {
  const router = Router();
  const perMinute = deps.rateLimitPerMinute ?? 600;
  const buckets = new TokenBuckets(perMinute);

  const read = (source: (req: Request) => unknown) =>
    async function auditRead(req: Request, res: Response, next: NextFunction) {
      const from = originOf(req);
      let viewer: Viewer;
      try {
        viewer = await signIn(deps.users, req.headers.authorization);
      } catch (error) {
        if (!(error instanceof AuthenticationError)) return next(error);
        recordFailedSignIn(deps.audit, error, 'audit-http', from);
        res.setHeader('WWW-Authenticate', 'Bearer realm="hub"');
        return next(forAgencySystems(req, error));
      }
      const wait = buckets.take(`user:${viewer.userId}`);
      if (wait > 0) {
        res.setHeader('Retry-After', String(wait));
        return next(new RateLimitedError(perMinute, wait));
      }
      const record = (result: AuditEntry['result'], filter?: AuditFilterInput, count?: number) =>
        deps.audit.record({
          actor: userActorOf(viewer),
          action: 'audit.read',
          subject: {
            view: 'audit-http',
            ...auditFilterSummary(filter, deps.protector),
            ...(count !== undefined ? { count } : {}),
          },
          from,
          result,
        });
      let filter: AuditFilterInput | undefined;
      try {
        if (viewer.role !== 'auditor')
          throw new RoleForbiddenError(
            `审计记录仅供审计员查阅，${viewer.role} 角色无权使用 / the audit trail is for auditors; the role ${viewer.role} may not read it`,
          );
        const parsed = AuditRequest.safeParse(source(req) ?? {});
        if (!parsed.success)
          throw new AuditQueryError(
            parsed.error.issues
              .map((i) => `${i.path.join('.') || 'request'}: ${i.message}`)
              .join('; '),
          );
        const { first, after, ...given } = parsed.data;
        filter = given;
        const page = await deps.audit.query(
          auditQueryOf(filter, viewer.units ?? [], deps.protector),
          {
            first,
            ...(after ? { after } : {}),
          },
        );
        record({ outcome: 'ok' }, filter, page.records.length);
        res.setHeader('Cache-Control', 'no-store');
        res.json({
          records: page.records.map(auditRecordView),
          pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
        });
      } catch (error) {
        const known = answerFor(error);
        record(
          {
            outcome: known && known.status < 500 ? 'refused' : 'failed',
            code: known?.code ?? 'INTERNAL',
          },
          filter,
        );
        next(error);
      }
    };

  router.get(
    '/v1/audit',
    read((req) => req.query),
  );
  router.post(
    '/v1/audit/search',
    express.json({ limit: '16kb' }),
    read((req) => req.body),
  );
  return router;
}

/** An agency system that sends its credential here is told what to use instead. */
function forAgencySystems(req: Request, error: AuthenticationError): AuthenticationError {
  if (!/^Bearer\s+hub_/i.test(req.headers.authorization ?? '')) return error;
  return new AuthenticationError(
    '审计记录须用审计员的用户令牌查阅，部门接入凭证不可用（hub user create --role auditor）/ the audit trail is read with an auditor’s user token, not an agency credential (hub user create --role auditor)',
    error.reason,
  );
}
