import type { NextFunction, Request, Response } from 'express';
import type { Credential, CredentialStore } from '../credentials/credential-store.js';
import { sendProblem } from './problem.js';

declare module 'express-serve-static-core' {
  interface Request {
    credential?: Credential;
  }
}

/** Bearer-token authentication of agency systems. */
export function authenticateAgency(credentials: CredentialStore) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="hub"');
      return sendProblem(res, {
        status: 401,
        title: 'Unauthorized',
        detail: 'send the agency credential as "Authorization: Bearer <token>"',
      });
    }
    try {
      const credential = await credentials.verify(match[1]!);
      if (!credential) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="hub", error="invalid_token"');
        return sendProblem(res, {
          status: 401,
          title: 'Unauthorized',
          detail: 'the credential is unknown or revoked',
        });
      }
      req.credential = credential;
      req.log?.setBindings?.({ agency: credential.agency, tokenId: credential.tokenId });
      next();
    } catch (error) {
      next(error);
    }
  };
}
