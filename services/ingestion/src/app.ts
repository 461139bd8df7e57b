import express, {
  type ErrorRequestHandler,
  type Express,
  type RequestHandler,
  type Router,
} from 'express';
import type { Logger } from 'pino';
import type { AuditRecorder } from '@hub/audit';
import type { RecordingClock } from '@hub/domain';
import { checkReachable, type AppendArrivals, type EventStore } from '@hub/event-store';
import type { CredentialStore } from './credentials/credential-store.js';
import { countAppendArrivals } from './http/append-arrivals.js';
import { authenticateAgency } from './http/authenticate.js';
import { sendErrorProblem, sendProblem } from './http/problem.js';
import { publishEventsRouter } from './http/publish-events.js';
import { RateLimitedError, TokenBuckets } from './http/rate-limit.js';
import { requestLog } from './http/request-log.js';
import type { PersonalDataSealing } from './sealing.js';
import type { AgencyKeyring } from '@hub/evidence';
import type { IngestionMetrics } from './metrics.js';

export interface IngestionAppDeps {
  /** express's `trust proxy` (behind an ingress): the client's address for per-address limits. */
  trustProxy?: number | string;
  store: EventStore;
  credentials: CredentialStore;
  logger: Logger;
  metrics: IngestionMetrics;
  /** Largest request body, e.g. '5mb'; larger bodies get 413 before they are parsed. */
  bodyLimit: string;
  /** Extra readiness checks of other components. */
  readinessChecks?: Array<() => Promise<void>>;
  /** Routes of other services, behind the same authentication (e.g. reporting). */
  routers?: Router[];
  /**
   * Routes for people, who sign in with a user token (the audit trail at /v1/audit): mounted
   * before the agency credential is asked for, they authenticate their callers themselves.
   */
  userRouters?: Router[];
  /** Failed sign-ins are recorded here. */
  audit: AuditRecorder;
  /** Seals the ID numbers of published events before they are stored (the hub's vault). */
  sealing: PersonalDataSealing;
  /** Agencies' registered signing keys: signed batches are checked and their signatures kept. */
  keyring?: AgencyKeyring;
  /** Agencies whose batches must be signed (`all` for every agency). */
  signaturesRequired?: readonly string[];
  /** Requests a minute per agency credential on every /v1 route (default 1200). */
  rateLimitPerMinute?: number;
  /** The hub's time and clock-skew tolerance when events are published. */
  recordingClock?: () => RecordingClock;
  /** Largest ratio a compressed body may inflate by (default 100). */
  maxInflateRatio?: number;
  /** Publish requests are counted here while on their way to the store (its group commit waits for them). */
  appendArrivals?: AppendArrivals;
}

export const DEFAULT_API_RATE_LIMIT = 1200;

/** The HTTP edge of ingestion: health, metrics and the authenticated publish endpoint. */
export function createIngestionApp(deps: IngestionAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  if (deps.trustProxy !== undefined) app.set('trust proxy', deps.trustProxy);
  // First of all, so that a batch counts from the moment it arrives.
  if (deps.appendArrivals) app.post('/v1/events', countAppendArrivals(deps.appendArrivals));
  app.use(requestLog(deps.logger));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await checkReachable(deps.store);
      for (const check of deps.readinessChecks ?? []) await check();
      res.json({ status: 'ready' });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      sendProblem(res, {
        code: 'NOT_READY',
        detail: (error as Error).message,
        ...(typeof code === 'string' ? { cause: code } : {}),
      });
    }
  });
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  const authenticate = authenticateAgency(deps.credentials, deps.audit);
  // Per verified credential, so a client cannot get a fresh quota by spelling its header anew.
  const perMinute = deps.rateLimitPerMinute ?? DEFAULT_API_RATE_LIMIT;
  const buckets = new TokenBuckets(perMinute);
  const rateLimit: RequestHandler = (req, res, next) => {
    const wait = buckets.take(`credential:${req.credential!.tokenId}`);
    if (wait === 0) return next();
    res.setHeader('Retry-After', String(wait));
    next(new RateLimitedError(perMinute, wait));
  };
  // Publishing is most of what the hub is asked: it goes first, behind the same credential
  // check and rate limit as every /v1 route, and is not matched against the console's and the
  // other services' routes on its way.
  app.post(
    '/v1/events',
    authenticate,
    rateLimit,
    publishEventsRouter(
      {
        store: deps.store,
        metrics: deps.metrics,
        sealing: deps.sealing,
        ...(deps.keyring ? { keyring: deps.keyring } : {}),
        ...(deps.signaturesRequired ? { signaturesRequired: deps.signaturesRequired } : {}),
        ...(deps.recordingClock ? { recordingClock: deps.recordingClock } : {}),
        ...(deps.maxInflateRatio ? { maxInflateRatio: deps.maxInflateRatio } : {}),
      },
      deps.bodyLimit,
    ),
  );

  for (const router of deps.userRouters ?? []) app.use(router);
  app.use('/v1', authenticate);
  app.use('/v1', rateLimit);
  for (const router of deps.routers ?? []) app.use(router);

  app.use((_req, res) => sendProblem(res, { code: 'NOT_FOUND' }));
  const onError: ErrorRequestHandler = (
    error: { type?: string; status?: number; message?: string; code?: unknown },
    req,
    res,
    _next,
  ) => {
    // Errors a route passes on carry a stable code; the one table gives their answer.
    if (sendErrorProblem(res, error)) {
      req.log.warn({ code: error.code }, 'request refused');
      return;
    }
    if (error.type === 'entity.too.large') {
      return sendProblem(res, {
        code: 'BODY_TOO_LARGE',
        detail: `the body is over the limit of ${deps.bodyLimit}`,
      });
    }
    if (error.type === 'entity.parse.failed') {
      return sendProblem(res, { code: 'MALFORMED_JSON', detail: 'the body is not valid JSON' });
    }
    if (error.status && error.status >= 400 && error.status < 500) {
      return sendProblem(res, {
        code: error.status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'BAD_REQUEST',
        detail: error.message ?? '',
      });
    }
    req.log.error({ err: error }, 'request failed');
    // No internals in the response: the request id finds the log line.
    sendProblem(res, {
      code: 'INTERNAL_ERROR',
      detail: `request ${req.id} failed; see the hub log`,
    });
  };
  app.use(onError);
  return app;
}
