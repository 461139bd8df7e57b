import express, { type Request, type Response, type Router } from 'express';
import {
  clockAt,
  validatePublishedEvent,
  withinUnits,
  type AcceptedEvent,
  type BatchSignature,
  type EventProblem,
  type RecordingClock,
} from '@hub/domain';
import {
  EventStoreError,
  type AppendRequest,
  type EventStore,
  type ExpectedRevision,
} from '@hub/event-store';
import type { IngestionMetrics } from '../metrics.js';
import { appendAccepted, type PersonalDataSealing } from '../sealing.js';
import type { AgencyKeyring } from '@hub/evidence';
import {
  SignatureRefusedError,
  signaturesRequired,
  verifyBatchSignature,
} from '../signatures/batch-signature.js';
import { appendArrived } from './append-arrivals.js';
import { boundedJson, DEFAULT_MAX_INFLATE_RATIO, parseSize } from './bounded-body.js';
import { sendErrorProblem, sendProblem } from './problem.js';
import { sendJson } from './send-json.js';

export const MAX_EVENTS_PER_BATCH = 1000;

export interface PublishDeps {
  store: EventStore;
  metrics: IngestionMetrics;
  /** The hub's time and clock-skew tolerance for each batch (default: the system clock, 5 min). */
  recordingClock?: () => RecordingClock;
  /** Seals the ID numbers of each event before it is stored. */
  sealing: PersonalDataSealing;
  /** The agencies' registered signing keys; without it, signatures are neither checked nor kept. */
  keyring?: AgencyKeyring;
  /** Agencies whose batches must be signed (`all` for every agency). */
  signaturesRequired?: readonly string[];
  /** Largest ratio a compressed body may inflate by (default 100). */
  maxInflateRatio?: number;
}

function parseExpectedRevisions(raw: unknown): Record<string, ExpectedRevision> | string {
  if (raw === undefined) return {};
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    return 'expectedRevisions must be an object of stream name to revision';
  const out: Record<string, ExpectedRevision> = {};
  for (const [stream, value] of Object.entries(raw)) {
    if (
      value === 'any' ||
      value === 'no_stream' ||
      value === 'stream_exists' ||
      (Number.isSafeInteger(value) && (value as number) >= 0)
    ) {
      out[stream] = value as ExpectedRevision;
    } else {
      return `expectedRevisions.${stream} must be "any", "no_stream", "stream_exists" or a revision number`;
    }
  }
  return out;
}

/** Groups a batch by stream, keeping the publisher's order within each stream. */
export function toAppendRequests(
  events: AcceptedEvent[],
  expected: Record<string, ExpectedRevision>,
): AppendRequest[] {
  const byStream = new Map<string, AppendRequest & { events: AcceptedEvent[] }>();
  for (const event of events) {
    let request = byStream.get(event.stream);
    if (!request) {
      request = {
        stream: event.stream,
        events: [],
        expectedRevision: expected[event.stream] ?? 'any',
      };
      byStream.set(event.stream, request);
    }
    request.events.push(event);
  }
  return [...byStream.values()].map((r) => ({
    stream: r.stream,
    expectedRevision: r.expectedRevision ?? 'any',
    events: r.events.map((e) => ({
      id: e.id,
      type: e.type,
      data: e.data,
      metadata: { ...e.metadata },
    })),
  }));
}

/**
 * POST /v1/events: a batch is validated whole, then appended in one atomic operation, so a
 * batch is either entirely recorded or not at all, and a retried batch changes nothing.
 */
export function publishEventsRouter(deps: PublishDeps, bodyLimit: string): Router {
  const router = express.Router();

  /**
   * The batch's signature, checked before anything is validated or written; none when the
   * agency did not sign and need not. An agency required to sign may send its first key
   * unsigned (it has no key to sign with yet), and nothing else.
   */
  async function batchSignatureOf(
    req: Request,
    res: Response,
    events: unknown[],
  ): Promise<BatchSignature | undefined> {
    const agency = req.credential!.agency;
    const header = req.header('hub-signature');
    if (!deps.keyring) return undefined;
    if (header)
      return verifyBatchSignature(deps.keyring, agency, header, res.locals.rawBody as Buffer);
    if (!signaturesRequired(deps.signaturesRequired ?? [], agency)) return undefined;
    const firstKey =
      events.every((e) => (e as { type?: unknown } | null)?.type === 'AgencyKeyRegistered') &&
      (await deps.keyring.keysOf(agency)).every((k) => k.revokedAt !== undefined);
    if (firstKey) return undefined;
    throw new SignatureRefusedError(
      'SIGNATURE_REQUIRED',
      `${agency} 的批次须签名：在 Hub-Signature 头中给出 keyId、alg 和 sig（见 README“部门签名”）/ batches of ${agency} must be signed: send Hub-Signature with keyId, alg and sig (README, agency signatures)`,
    );
  }

  router.post(
    '/v1/events',
    // BODY_LIMIT holds after decompression too, and a body may not inflate like a bomb.
    boundedJson({
      maxBytes: parseSize(bodyLimit),
      maxRatio: deps.maxInflateRatio ?? DEFAULT_MAX_INFLATE_RATIO,
    }),
    async (req: Request, res: Response) => {
      const agency = req.credential!.agency;
      const body = req.body as { events?: unknown; expectedRevisions?: unknown } | undefined;
      if (!body || typeof body !== 'object' || !Array.isArray(body.events)) {
        return sendProblem(res, {
          code: 'INVALID_BATCH',
          detail: 'the body must be a JSON object { "events": [ … ] }',
          detailZh: '请求体应为 JSON 对象 { "events": [ … ] }',
        });
      }
      if (body.events.length === 0 || body.events.length > MAX_EVENTS_PER_BATCH) {
        return sendProblem(res, {
          code: 'INVALID_BATCH',
          detail: `a batch holds 1 to ${MAX_EVENTS_PER_BATCH} events, this one has ${body.events.length}`,
          detailZh: `每批应有 1 至 ${MAX_EVENTS_PER_BATCH} 个事件，本批有 ${body.events.length} 个`,
        });
      }
      const expected = parseExpectedRevisions(body.expectedRevisions);
      if (typeof expected === 'string')
        return sendProblem(res, { code: 'INVALID_BATCH', detail: expected });
      const signature = await batchSignatureOf(req, res, body.events);

      const accepted: AcceptedEvent[] = [];
      const problems: EventProblem[] = [];
      const ids = new Set<string>();
      const clock = deps.recordingClock?.() ?? clockAt(new Date());
      for (const [index, raw] of body.events.entries()) {
        const result = validatePublishedEvent(raw, agency, index, {
          clock,
          sealer: deps.sealing,
        });
        if (!result.ok) {
          problems.push(...result.problems);
        } else if (!withinUnits(req.credential!.units, result.event.metadata.reportingUnit)) {
          problems.push({
            index,
            pointer: `/events/${index}/reportingUnit`,
            message: `单位 ${result.event.metadata.reportingUnit} 不在本凭证的辖区（${req.credential!.units.join(',')}）内 / reportingUnit ${result.event.metadata.reportingUnit} is outside the units of this credential`,
            kind: 'forbidden',
          });
        } else if (ids.has(result.event.id)) {
          problems.push({
            index,
            pointer: `/events/${index}/id`,
            message: `event id ${result.event.id} appears twice in this batch`,
            kind: 'invalid',
          });
        } else {
          ids.add(result.event.id);
          accepted.push(result.event);
        }
      }
      if (problems.length > 0) {
        const forbidden = problems.some((p) => p.kind === 'forbidden');
        deps.metrics.rejected.inc(
          { agency, reason: forbidden ? 'forbidden' : 'invalid' },
          body.events.length,
        );
        req.log.warn({ problems: problems.length, forbidden }, 'batch refused; nothing written');
        return sendProblem(res, {
          code: forbidden ? 'EVENTS_FORBIDDEN' : 'INVALID_EVENTS',
          detail: `${problems.length} problem(s) in the batch; nothing of it was written`,
          detailZh: `批次中有 ${problems.length} 处问题，整批未写入`,
          errors: problems.map(({ kind: _kind, ...p }) => p),
        });
      }

      try {
        // The agency's signature stays with every event of the batch, under the chain.
        if (signature) for (const e of accepted) e.metadata.signature = signature;
        // Handed over once its subjects' keys are durable (a round trip with the vault on
        // PostgreSQL): only then does a group of the store stop waiting for it.
        const results = await appendAccepted(deps.store, deps.sealing, accepted, expected, () =>
          appendArrived(res),
        );
        const written = results.filter((r) => !r.duplicate);
        // One increment per type, not per event: the counter's labels are hashed on each call.
        const perType = new Map<string, number>();
        for (const e of accepted) perType.set(e.type, (perType.get(e.type) ?? 0) + 1);
        for (const [type, count] of perType) deps.metrics.ingested.inc({ agency, type }, count);
        if (req.log.isLevelEnabled('info'))
          req.log.info(
            {
              events: accepted.length,
              streams: results.length,
              duplicateStreams: results.length - written.length,
              types: [...perType.keys()],
              correlationIds: [...new Set(accepted.map((e) => e.metadata.correlationId))].slice(
                0,
                20,
              ),
            },
            'events appended',
          );
        // Written as is: express's res.json would also hash the answer for an ETag, which no
        // one revalidates a POST with.
        sendJson(res, written.length > 0 ? 201 : 200, {
          accepted: accepted.length,
          streams: results.map((r) => ({ ...r, position: r.position.toString() })),
        });
      } catch (error) {
        if (error instanceof EventStoreError) {
          req.log.warn({ code: error.code }, 'append refused');
          if (sendErrorProblem(res, error)) return;
        }
        throw error;
      }
    },
  );
  return router;
}
