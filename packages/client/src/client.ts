import { createHash, createPrivateKey, createPublicKey, randomUUID, sign } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { HubProblemError, HubUnavailableError, type HubProblem } from './errors.js';
import { SCHEMA_VERSIONS, type EventDataByType, type EventType } from './generated/event-types.js';

export interface HubClientOptions {
  /** e.g. http://127.0.0.1:4000 */
  baseUrl: string;
  /** The agency credential (`hub token create`). */
  token: string;
  /** Attempts per request, the first included (default 5). */
  attempts?: number;
  /** First wait between attempts; doubled each time, with jitter (default 200 ms). */
  baseDelayMs?: number;
  /** Longest wait between attempts (default 10 s); a Retry-After the hub sends is honoured. */
  maxDelayMs?: number;
  fetch?: typeof fetch;
  /**
   * The agency's Ed25519 signing key (PKCS#8 PEM), registered with `hub agency-key register`:
   * every batch is then signed (Hub-Signature), as agencies in HUB_SIGNATURES_REQUIRED must.
   */
  signingKeyPem?: string;
}

/** Who did it, inside the agency. */
export interface Actor {
  officerId: string;
  unit?: string;
}

/** An event to publish: the envelope around data typed by its event type. */
export interface EventInput<T extends EventType = EventType> {
  type: T;
  data: EventDataByType[T];
  reportingUnit: string;
  /** When it happened, with an explicit offset (2024-06-20T10:00:00+08:00). */
  occurredAt: string;
  actor: Actor;
  /** The event's id (a UUID). Give your own, kept with your record, to make any later resend safe; one is made otherwise. */
  id?: string;
  correlationId?: string;
  causationId?: string | null;
}

export type AnyEventInput = { [T in EventType]: EventInput<T> }[EventType];

export interface PublishResult {
  accepted: number;
  /** True when the whole batch had been recorded before: nothing was written. */
  duplicate: boolean;
  streams: Array<{
    stream: string;
    nextExpectedRevision: number;
    position: string;
    duplicate: boolean;
  }>;
  /** The ids the events were published under. */
  eventIds: string[];
}

/** Statuses worth another attempt: the same request may succeed later. */
const RETRYABLE = new Set([429, 502, 503, 504, 507]);
const MAX_BATCH = 1000;

/**
 * A client of the hub's /v1 API. Publishing is safe to retry: every event carries its id
 * from the first attempt on, and the hub records an id once (a resent batch answers 200,
 * `duplicate`), so a timeout or a dropped connection is retried with backoff.
 */
export class HubClient {
  private readonly attempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: HubClientOptions) {
    this.attempts = options.attempts ?? 5;
    this.baseDelayMs = options.baseDelayMs ?? 200;
    this.maxDelayMs = options.maxDelayMs ?? 10_000;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** Publishes one event of a type, its data typed by that type. */
  publish<T extends EventType>(
    type: T,
    event: Omit<EventInput<T>, 'type'>,
  ): Promise<PublishResult> {
    return this.publishBatch([{ ...event, type } as AnyEventInput]);
  }

  /** Publishes up to 1,000 events in one atomic batch (all or nothing). */
  async publishBatch(
    events: readonly AnyEventInput[],
    expectedRevisions?: Record<string, number | 'any' | 'no_stream' | 'stream_exists'>,
  ): Promise<PublishResult> {
    if (events.length === 0 || events.length > MAX_BATCH)
      throw new RangeError(`a batch holds 1 to ${MAX_BATCH} events, this one has ${events.length}`);
    // Ids are fixed before the first attempt: every retry sends the very same batch.
    const envelopes = events.map((e) => ({
      id: e.id ?? randomUUID(),
      type: e.type,
      schemaVersion: SCHEMA_VERSIONS[e.type],
      reportingUnit: e.reportingUnit,
      occurredAt: e.occurredAt,
      actor: e.actor,
      ...(e.correlationId ? { correlationId: e.correlationId } : {}),
      ...(e.causationId !== undefined ? { causationId: e.causationId } : {}),
      data: e.data,
    }));
    const body = JSON.stringify({
      events: envelopes,
      ...(expectedRevisions ? { expectedRevisions } : {}),
    });
    // Signed once: every attempt sends the same bytes, so the same signature holds.
    const headers: Record<string, string> = this.options.signingKeyPem
      ? { 'Hub-Signature': batchSignature(this.options.signingKeyPem, body) }
      : {};
    const answer = (await this.request('POST', '/v1/events', body, headers)) as Omit<
      PublishResult,
      'duplicate' | 'eventIds'
    >;
    return {
      ...answer,
      duplicate: answer.streams.every((s) => s.duplicate),
      eventIds: envelopes.map((e) => e.id),
    };
  }

  /** Collects events and publishes them in batches of `maxEvents`, or after `maxWaitMs`. */
  batcher(options: { maxEvents?: number; maxWaitMs?: number } = {}): EventBatcher {
    return new EventBatcher(
      this,
      Math.min(options.maxEvents ?? 500, MAX_BATCH),
      options.maxWaitMs ?? 200,
    );
  }

  /** GET a /v1 read as JSON: forms, the ledger, the worklist. */
  get<T = unknown>(path: string, query: Record<string, string | undefined> = {}): Promise<T> {
    const params = new URLSearchParams(
      Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined),
    ).toString();
    return this.request('GET', `${path}${params ? `?${params}` : ''}`) as Promise<T>;
  }

  readonly forms = {
    list: () => this.get<Array<{ id: string; titleZh: string }>>('/v1/reports/forms'),
    get: (
      formId: string,
      query: { unit: string; period?: string; from?: string; to?: string; asOf?: string },
    ) =>
      this.get<{ titleZh: string; rows: unknown[] }>(
        `/v1/reports/forms/${encodeURIComponent(formId)}`,
        query,
      ),
  };

  readonly ledger = {
    clues: (query: { unit?: string; open?: 'true' | 'false'; asOf?: string } = {}) =>
      this.get<unknown[]>('/v1/ledger/clues', query),
    clue: (clueId: string, query: { asOf?: string } = {}) =>
      this.get<Record<string, unknown>>(`/v1/ledger/clues/${encodeURIComponent(clueId)}`, query),
    due: (query: { unit?: string; party?: string; asOf?: string } = {}) =>
      this.get<unknown>('/v1/ledger/due', query),
  };

  private async request(
    method: string,
    path: string,
    body?: string,
    extraHeaders: Record<string, string> = {},
  ): Promise<unknown> {
    let lastFailure: unknown;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      let wait = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
      wait = wait / 2 + Math.random() * (wait / 2);
      try {
        const res = await this.fetch(new URL(path, this.options.baseUrl), {
          method,
          headers: {
            Authorization: `Bearer ${this.options.token}`,
            Accept: 'application/json, application/problem+json',
            ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
            ...extraHeaders,
          },
          ...(body !== undefined ? { body } : {}),
        });
        const text = await res.text();
        if (res.ok) return text === '' ? undefined : (JSON.parse(text) as unknown);
        const problem = parseProblem(text, res.status);
        if (!RETRYABLE.has(res.status) || attempt === this.attempts)
          throw new HubProblemError(problem);
        lastFailure = new HubProblemError(problem);
        const retryAfter = Number(res.headers.get('retry-after'));
        if (Number.isFinite(retryAfter) && retryAfter > 0)
          wait = Math.min(this.maxDelayMs, retryAfter * 1000);
      } catch (error) {
        if (error instanceof HubProblemError) throw error;
        // The connection failed or broke: whether the hub recorded the batch is unknown,
        // and resending it is safe.
        lastFailure = error;
        if (attempt === this.attempts) break;
      }
      await sleep(wait);
    }
    if (lastFailure instanceof HubProblemError) throw lastFailure;
    throw new HubUnavailableError(
      `the hub did not answer after ${this.attempts} attempts: ${(lastFailure as Error | undefined)?.message ?? ''}`,
      this.attempts,
      lastFailure,
    );
  }
}

/**
 * `Hub-Signature` for a body: Ed25519 over `hub-batch-v1\n<SHA-256 of the body, hex>`, with the
 * key id the hub gives a registered key (the first 16 hex digits of its SPKI's SHA-256).
 */
export function batchSignature(privateKeyPem: string, body: string): string {
  const key = createPrivateKey(privateKeyPem);
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const keyId = createHash('sha256').update(spki).digest('hex').slice(0, 16);
  const digest = createHash('sha256').update(body, 'utf8').digest('hex');
  const sig = sign(null, Buffer.from(`hub-batch-v1\n${digest}`, 'utf8'), key).toString('base64');
  return `keyId=${keyId}, alg=ed25519, sig=${sig}`;
}

function parseProblem(text: string, status: number): HubProblem {
  try {
    const parsed = JSON.parse(text) as Partial<HubProblem>;
    if (typeof parsed.code === 'string')
      return {
        ...parsed,
        status,
        code: parsed.code,
        title: parsed.title ?? '',
        titleZh: parsed.titleZh ?? '',
      };
  } catch {
    // not problem+json: described below
  }
  return {
    status,
    code: 'UNEXPECTED_ANSWER',
    title: `HTTP ${status}`,
    titleZh: `HTTP ${status}`,
    detail: text.slice(0, 200),
  };
}

/** Publishes events as they come, in batches; `flush` waits for everything added so far. */
export class EventBatcher {
  private pending: AnyEventInput[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private readonly results: PublishResult[] = [];
  private failure: Error | undefined;

  constructor(
    private readonly client: HubClient,
    private readonly maxEvents: number,
    private readonly maxWaitMs: number,
  ) {}

  add<T extends EventType>(type: T, event: Omit<EventInput<T>, 'type'>): void {
    this.pending.push({ ...event, type } as AnyEventInput);
    if (this.pending.length >= this.maxEvents) this.send();
    else this.timer ??= setTimeout(() => this.send(), this.maxWaitMs);
  }

  /** Sends what is pending and waits for every batch; throws the first failure. */
  async flush(): Promise<PublishResult[]> {
    this.send();
    await this.inFlight;
    if (this.failure) throw this.failure;
    return [...this.results];
  }

  private send(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    // One batch at a time, in order: events of one stream keep the order they were added in.
    this.inFlight = this.inFlight.then(async () => {
      try {
        this.results.push(await this.client.publishBatch(batch));
      } catch (error) {
        this.failure ??= error instanceof Error ? error : new Error(String(error));
      }
    });
  }
}
