import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type {
  AuditAction,
  AuditActor,
  AuditEntry,
  AuditOrigin,
  AuditOutcome,
  AuditRecorder,
  AuditSubject,
} from '@hub/audit';

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Where a request came from: the client address, the request id, the caller's correlation id. */
export function originOf(req: Request): AuditOrigin {
  const correlation = req.header('x-correlation-id');
  return {
    ...(req.ip ? { ip: req.ip } : {}),
    ...(typeof req.id === 'string' ? { requestId: req.id } : {}),
    ...(correlation && ID.test(correlation) ? { correlationId: correlation } : {}),
  };
}

/** The agency system behind a verified credential, and the officer it says acts. */
export function agencyActorOf(req: Request): AuditActor {
  const credential = req.credential;
  if (!credential) return { kind: 'agency-system', id: 'unknown' };
  const officer = req.header('x-officer-id');
  return {
    kind: 'agency-system',
    id: credential.tokenId,
    name: credential.label,
    agency: credential.agency,
    units: credential.units,
    ...(officer && ID.test(officer) ? { officerId: officer } : {}),
  };
}

/** ok below 400, refused for the caller's 4xx, failed for the hub's 5xx. */
export const outcomeOfStatus = (status: number): AuditOutcome =>
  status < 400 ? 'ok' : status < 500 ? 'refused' : 'failed';

interface Note {
  subject?: AuditSubject;
  purpose?: string;
  caseId?: string;
  code?: string;
  /** The route recorded this request itself (an opening of personal data, on its own path). */
  done?: boolean;
}
const notes = new WeakMap<Response, Note>();

/** What a handler learnt that the audit record should say (a match key, rows given out …). */
export function noteAudit(res: Response, note: Note): void {
  const known = notes.get(res) ?? {};
  notes.set(res, {
    ...known,
    ...note,
    subject: { ...known.subject, ...note.subject },
  });
}

/**
 * Records a route's request once its response has ended (buffered: the route pays an
 * in-memory push), with what the describe function and the handler's notes say, and the
 * outcome the status and the problem's code give. A client that went away is a failure.
 */
export function audited(
  audit: AuditRecorder,
  action: AuditAction,
  describe: (req: Request) => Pick<AuditEntry, 'purpose' | 'caseId' | 'subject'> = () => ({}),
): RequestHandler {
  const handler = (req: Request, res: Response, next: NextFunction) => {
    let recorded = false;
    const record = (finished: boolean) => {
      if (recorded) return;
      recorded = true;
      const note = notes.get(res) ?? {};
      if (note.done) return;
      const described = safely(() => describe(req));
      const outcome = finished ? outcomeOfStatus(res.statusCode) : 'failed';
      const code = finished ? note.code : 'CLIENT_CLOSED';
      const purpose = note.purpose ?? described.purpose;
      const caseId = note.caseId ?? described.caseId;
      audit.record({
        actor: agencyActorOf(req),
        action,
        ...(purpose ? { purpose } : {}),
        ...(caseId ? { caseId } : {}),
        subject: { ...described.subject, ...note.subject },
        from: originOf(req),
        result: { outcome, ...(code ? { code } : {}) },
      });
    };
    res.once('finish', () => record(true));
    res.once('close', () => record(res.writableFinished));
    next();
  };
  AUDITED_ACTIONS.set(handler, action);
  return handler;
}

/** Which handlers record which action: a test walks the routers to find a route without one. */
const AUDITED_ACTIONS = new WeakMap<object, AuditAction>();

/** The action a route handler puts on the audit record, if it is one of `audited`'s. */
export const auditedActionOf = (handler: unknown): AuditAction | undefined =>
  typeof handler === 'function' ? AUDITED_ACTIONS.get(handler) : undefined;

/**
 * What a request says of itself, read from its raw query and params: a request the route
 * refuses as malformed is recorded all the same, with what could be read.
 */
function safely(
  describe: () => Pick<AuditEntry, 'purpose' | 'caseId' | 'subject'>,
): Pick<AuditEntry, 'purpose' | 'caseId' | 'subject'> {
  try {
    return describe();
  } catch (error) {
    return { subject: { args: { describeFailed: (error as Error).message.slice(0, 200) } } };
  }
}

/** A query parameter as a short string, or nothing: for describing requests, never trusted. */
export function queryText(req: Request, name: string): string | undefined {
  const value = req.query[name];
  return typeof value === 'string' && value.length <= 200 ? value : undefined;
}

/** The code of a problem answered on this response (set by sendProblem). */
export function noteProblemCode(res: Response, code: unknown): void {
  if (typeof code === 'string') noteAudit(res, { code });
}
