import type { NextFunction, Request, Response } from 'express';
import type { AuditRecorder } from '@hub/audit';
import {
  hashToken,
  type Credential,
  type CredentialStore,
} from '../credentials/credential-store.js';
import { originOf } from './audit-request.js';
import { sendProblem } from './problem.js';

declare module 'express-serve-static-core' {
  interface Request {
    credential?: Credential;
  }
}

/**
 * The id a presented token would have as a credential: for a revoked credential it is that
 * credential's id, so an auditor sees which one is still being tried. Never the token.
 */
const presentedId = (token: string) => hashToken(token).slice(0, 12);

/** Bearer-token authentication of agency systems; every refusal is on the audit record. */
export function authenticateAgency(credentials: CredentialStore, audit: AuditRecorder) {
  const refuse = (req: Request, res: Response, actorId: string, reason: string, detail: string) => {
    audit.record({
      actor: { kind: 'agency-system', id: actorId },
      action: 'auth.failed',
      subject: { view: req.originalUrl.split('?')[0]!.slice(0, 100) },
      from: originOf(req),
      result: { outcome: 'refused', code: reason },
    });
    sendProblem(res, { code: 'UNAUTHENTICATED', detail });
  };
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="hub"');
      return refuse(
        req,
        res,
        'anonymous',
        header ? 'MALFORMED_CREDENTIAL' : 'MISSING_CREDENTIAL',
        'send the agency credential as "Authorization: Bearer <token>"',
      );
    }
    try {
      const credential = await credentials.verify(match[1]!);
      if (!credential) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="hub", error="invalid_token"');
        return refuse(
          req,
          res,
          presentedId(match[1]!),
          'UNKNOWN_OR_REVOKED_CREDENTIAL',
          'the credential is unknown or revoked',
        );
      }
      req.credential = credential;
      req.log?.setBindings?.({ agency: credential.agency, tokenId: credential.tokenId });
      next();
    } catch (error) {
      next(error);
    }
  };
}
