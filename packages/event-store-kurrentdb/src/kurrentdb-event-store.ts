import { createHash } from 'node:crypto';
import {
  ANY,
  BACKWARDS,
  END,
  FORWARDS,
  jsonEvent,
  AppendRecordSizeExceededError,
  KurrentDBClient,
  MaxAppendSizeExceededError,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  streamNameFilter,
  TransactionMaxSizeExceededError,
  WrongExpectedVersionError,
  type AppendStreamRequest,
  type AppendStreamState,
  type EventData,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import {
  AppendTooLargeError,
  canonicalJson,
  EventTooLargeError,
  IdempotencyConflictError,
  InvalidAppendError,
  WrongExpectedRevisionError,
  type AppendRequest,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type GlobalPosition,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type Subscription,
  type SubscriptionOptions,
  UnreadableEventError,
} from '@hub/event-store';
import type { KurrentClient, KurrentLogger } from './kurrent-client.js';
import { fromGlobalPosition, toGlobalPosition } from './positions.js';

export interface KurrentDbEventStoreOptions {
  /** `esdb://`, `esdb+discover://`, `kurrentdb://` or `kurrentdb+discover://` connection string. */
  connectionString: string;
  maxEventBytes?: number;
  /** Delay before a dropped or ended subscription reconnects (doubles up to 30 s). */
  reconnectDelayMs?: number;
  /** The client to use instead of one made from the connection string (tests pass a fake). */
  client?: KurrentClient;
  /** Where subscription drops and reconnects are told (none: silent). */
  logger?: KurrentLogger;
}

/** A user stream read to tell that the server answers: needs no admin rights, unlike $all. */
const READINESS_STREAM = 'hub-readiness-probe';

/**
 * Each event id is claimed by a one-event stream, written with `no_stream` in the same atomic
 * multi-stream append as the event itself: the server's own duplicate check only holds for a
 * short window, this claim holds forever.
 */
const CLAIM_PREFIX = 'hub-event-id-';
const CLAIM_TYPE = 'HubEventIdClaimed';
/** Server-side filter of $all: no system streams, no claims. */
const USER_STREAMS = String.raw`^(?!\$|hub-event-id-)`;

const claimStream = (eventId: string) => `${CLAIM_PREFIX}${eventId}`;
const contentHash = (event: Pick<NewEvent, 'type' | 'data' | 'metadata'>) =>
  createHash('sha256')
    .update(canonicalJson({ type: event.type, data: event.data, metadata: event.metadata }))
    .digest('hex');

function streamState(expected: ExpectedRevision): AppendStreamState {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return BigInt(expected);
  }
}

/**
 * The port's metadata goes in one string field, since multi-stream appends take string values
 * only; correlation and causation ids also go where the server's projections look for them.
 */
function toEventData(event: NewEvent): EventData {
  const metadata: Record<string, string> = { hub: JSON.stringify(event.metadata) };
  const { correlationId, causationId } = event.metadata;
  if (typeof correlationId === 'string') metadata.$correlationId = correlationId;
  if (typeof causationId === 'string') metadata.$causationId = causationId;
  return jsonEvent({
    id: event.id,
    type: event.type,
    data: event.data as never,
    metadata: metadata as never,
  });
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  !(value instanceof Uint8Array);

/**
 * The port's metadata of a stored event. The client hands back whatever the server holds
 * (nothing, a parsed JSON value of any shape, or raw bytes); anything but the object this
 * adapter wrote is refused loudly rather than read as `{}`, which would drop the agency,
 * correlation and schema version without a trace.
 */
function hubMetadataOf(
  stream: string,
  revision: bigint,
  metadata: unknown,
): Record<string, unknown> {
  const fail = (reason: string) => new UnreadableEventError(stream, revision, reason);
  if (!isObject(metadata)) throw fail('its metadata is not a JSON object');
  const hub = metadata.hub;
  if (typeof hub !== 'string') throw fail('its metadata has no "hub" field of type string');
  let parsed: unknown;
  try {
    parsed = JSON.parse(hub);
  } catch {
    throw fail('its "hub" metadata is not valid JSON');
  }
  if (!isObject(parsed)) throw fail('its "hub" metadata is not a JSON object');
  return parsed;
}

function toRecorded(resolved: ResolvedEvent): RecordedEvent | undefined {
  const e = resolved.event;
  if (!e || !e.isJson) return undefined;
  const commit = resolved.commitPosition;
  const position = e.position ?? (commit === undefined ? undefined : { commit, prepare: commit });
  if (!position) return undefined;
  return {
    id: e.id,
    type: e.type,
    data: e.data,
    metadata: hubMetadataOf(e.streamId, e.revision, e.metadata),
    streamName: e.streamId,
    revision: Number(e.revision),
    position: toGlobalPosition(position),
    recordedAt: e.created.toISOString(),
  };
}

/** The event-store port on EventStoreDB / KurrentDB (server 25.1 or later: multi-stream appends). */
export class KurrentDbEventStore implements EventStore {
  private readonly client: KurrentClient;
  private readonly maxEventBytes: number;

  constructor(private readonly options: KurrentDbEventStoreOptions) {
    this.client = options.client ?? KurrentDBClient.connectionString`${options.connectionString}`;
    this.maxEventBytes = options.maxEventBytes ?? 1024 * 1024;
  }

  append(
    stream: string,
    events: readonly NewEvent[],
    options: { expectedRevision?: ExpectedRevision } = {},
  ): Promise<AppendResult> {
    return this.appendMany([
      { stream, events, expectedRevision: options.expectedRevision ?? 'any' },
    ]).then((r) => r[0]!);
  }

  async appendMany(requests: readonly AppendRequest[]): Promise<AppendResult[]> {
    this.check(requests);
    try {
      return await this.write(requests);
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) return this.resolveConflict(requests, error);
      throw sizeLimitError(error) ?? error;
    }
  }

  private check(requests: readonly AppendRequest[]): void {
    const seen = new Set<string>();
    for (const r of requests) {
      if (!r.stream) throw new InvalidAppendError('stream name is empty');
      if (r.stream.startsWith(CLAIM_PREFIX) || r.stream.startsWith('$'))
        throw new InvalidAppendError(`stream name ${r.stream} is reserved`);
      if (r.events.length === 0)
        throw new InvalidAppendError(`append to ${r.stream} has no events`);
      for (const e of r.events) {
        if (seen.has(e.id))
          throw new InvalidAppendError(`event id ${e.id} appears twice in one append`);
        seen.add(e.id);
        const bytes =
          Buffer.byteLength(JSON.stringify(e.data ?? null)) +
          Buffer.byteLength(JSON.stringify(e.metadata ?? {}));
        if (bytes > this.maxEventBytes)
          throw new EventTooLargeError(e.id, bytes, this.maxEventBytes);
      }
    }
  }

  /** One atomic multi-stream append: the events, and a claim per event id. */
  private async write(requests: readonly AppendRequest[]): Promise<AppendResult[]> {
    const claims: AppendStreamRequest[] = requests.flatMap((r) =>
      r.events.map((e) => ({
        streamName: claimStream(e.id),
        expectedState: NO_STREAM,
        events: [jsonEvent({ type: CLAIM_TYPE, data: { stream: r.stream, hash: contentHash(e) } })],
      })),
    );
    const result = await this.client.multiStreamAppend([
      ...requests.map((r) => ({
        streamName: r.stream,
        expectedState: streamState(r.expectedRevision ?? 'any'),
        events: r.events.map(toEventData),
      })),
      ...claims,
    ]);
    return Promise.all(
      requests.map(async (r) => {
        const response = result.responses.find((x) => x.streamName === r.stream);
        if (!response)
          throw new UnreadableEventError(r.stream, -1, 'the append answered no revision for it');
        return {
          stream: r.stream,
          nextExpectedRevision: Number(response.revision),
          position: await this.positionOf(r.stream, response.revision, r.events.at(-1)!.id),
          duplicate: false,
        };
      }),
    );
  }

  /**
   * The global position of the event at a revision, as every read and subscription reports it.
   * The append answers only the transaction's commit position, while each event read back
   * carries (commit, prepare); an answer packed as (commit, commit) differs from both, so a
   * retry answered from the claims, or a checkpoint taken from an append, would disagree with
   * the subscription. One read of the last event per stream makes them the same.
   */
  private async positionOf(stream: string, revision: bigint, eventId: string): Promise<bigint> {
    for await (const resolved of this.client.readStream(stream, {
      direction: FORWARDS,
      fromRevision: revision,
      maxCount: 1,
    })) {
      const e = resolved.event;
      if (e?.id === eventId && e.position) return toGlobalPosition(e.position);
    }
    throw new UnreadableEventError(
      stream,
      revision,
      `the event just appended (${eventId}) was not read back with its position`,
    );
  }

  /** A claim or a revision did not hold: tell a retry from a conflict, as the embedded store does. */
  private async resolveConflict(
    requests: readonly AppendRequest[],
    original: WrongExpectedVersionError,
  ): Promise<AppendResult[]> {
    const results: AppendResult[] = [];
    const toWrite: AppendRequest[] = [];
    for (const r of requests) {
      const claimed: NewEvent[] = [];
      const fresh: NewEvent[] = [];
      for (const e of r.events) {
        const claim = await this.readClaim(e.id);
        if (!claim) {
          fresh.push(e);
          continue;
        }
        if (claim.stream !== r.stream)
          throw new IdempotencyConflictError(
            e.id,
            `was already recorded in stream ${claim.stream}`,
          );
        if (claim.hash !== contentHash(e))
          throw new IdempotencyConflictError(e.id, 'was already recorded with different content');
        claimed.push(e);
      }
      if (claimed.length === 0) {
        toWrite.push(r);
      } else if (fresh.length === 0) {
        results.push(await this.originalResult(r.stream, new Set(claimed.map((e) => e.id))));
      } else if ((r.expectedRevision ?? 'any') !== 'any') {
        throw new IdempotencyConflictError(
          claimed[0]!.id,
          'was recorded by an earlier append that this one only partly repeats; retry it with expected revision "any" or without the recorded events',
        );
      } else {
        toWrite.push({ stream: r.stream, events: fresh, expectedRevision: 'any' });
      }
    }
    if (toWrite.length === requests.length) {
      // Nothing was a retry: a revision really did not match.
      const culprit = requests.find((r) => r.stream === original.streamName) ?? requests[0]!;
      const actual = await this.currentRevision(culprit.stream);
      throw new WrongExpectedRevisionError(
        culprit.stream,
        culprit.expectedRevision ?? 'any',
        actual ?? 'no_stream',
      );
    }
    if (toWrite.length > 0) results.push(...(await this.appendMany(toWrite)));
    return requests.map((r) => results.find((x) => x.stream === r.stream)!);
  }

  /** Claims carry no hub metadata: read raw. */
  private async readClaim(eventId: string): Promise<{ stream: string; hash: string } | undefined> {
    try {
      for await (const resolved of this.client.readStream(claimStream(eventId), {
        direction: FORWARDS,
        fromRevision: START,
        maxCount: 1,
      })) {
        const data = resolved.event?.data;
        if (isObject(data) && typeof data.stream === 'string' && typeof data.hash === 'string')
          return { stream: data.stream, hash: data.hash };
        throw new UnreadableEventError(
          claimStream(eventId),
          0,
          'the claim holds no stream and hash',
        );
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return undefined;
      throw error;
    }
    return undefined;
  }

  private async originalResult(stream: string, ids: Set<string>): Promise<AppendResult> {
    const events = (await this.readStream(stream)).filter((e) => ids.has(e.id));
    const last = events[events.length - 1];
    if (!last)
      throw new IdempotencyConflictError(
        [...ids][0]!,
        `is claimed but missing from stream ${stream}`,
      );
    return {
      stream,
      nextExpectedRevision: last.revision,
      position: last.position,
      duplicate: true,
    };
  }

  private async currentRevision(stream: string): Promise<number | undefined> {
    try {
      for await (const e of this.client.readStream(stream, {
        direction: BACKWARDS,
        fromRevision: END,
        maxCount: 1,
      })) {
        return e.event ? Number(e.event.revision) : undefined;
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return undefined;
      throw error;
    }
    return undefined;
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = [];
    try {
      const reader = this.client.readStream(stream, {
        direction: FORWARDS,
        fromRevision: options.fromRevision === undefined ? START : BigInt(options.fromRevision),
        maxCount: options.maxCount ?? Number.MAX_SAFE_INTEGER,
      });
      for await (const resolved of reader) {
        const e = toRecorded(resolved);
        if (e) out.push(e);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return out;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const max = options.maxCount ?? 1000;
    const out: RecordedEvent[] = [];
    const reader = this.client.readAll({
      direction: FORWARDS,
      fromPosition: options.after === undefined ? START : fromGlobalPosition(options.after),
      // The read starts at `after` itself, which we skip.
      maxCount: max + 1,
      filter: streamNameFilter({ regex: USER_STREAMS }),
    });
    for await (const resolved of reader) {
      const e = toRecorded(resolved);
      if (!e || (options.after !== undefined && e.position <= options.after)) continue;
      out.push(e);
      if (out.length === max) break;
    }
    return out;
  }

  subscribeToAll(
    handler: (event: RecordedEvent) => Promise<void> | void,
    options: SubscriptionOptions = {},
  ): Subscription {
    let checkpoint = options.after;
    let stopped = false;
    let current: { unsubscribe(): Promise<void> } | undefined;
    const firstDelay = this.options.reconnectDelayMs ?? 500;
    let delay = firstDelay;
    const logger = this.options.logger;

    const run = async () => {
      while (!stopped) {
        let dropped: unknown;
        const subscription = this.client.subscribeToAll({
          fromPosition: checkpoint === undefined ? START : fromGlobalPosition(checkpoint),
          filter: streamNameFilter({ regex: USER_STREAMS }),
        });
        current = subscription;
        subscription.on('caughtUp', () => options.onCaughtUp?.(checkpoint));
        try {
          for await (const resolved of subscription) {
            if (stopped) break;
            let e: RecordedEvent | undefined;
            try {
              e = toRecorded(resolved);
              if (!e || (checkpoint !== undefined && e.position <= checkpoint)) continue;
              await handler(e);
            } catch (error) {
              // The handler failed, or the event cannot be read: reconnecting would only
              // meet it again, so the subscription ends and says why.
              stopped = true;
              options.onError?.(error);
              break;
            }
            checkpoint = e.position;
            delay = firstDelay;
          }
        } catch (error) {
          dropped = error;
        } finally {
          await subscription.unsubscribe().catch(() => undefined);
        }
        if (stopped) break;
        // Dropped, or ended by the server without an error (a leader change, a restart): both
        // resume from the checkpoint after a pause that doubles while nothing is delivered,
        // so a server that keeps ending it is not called in a tight loop.
        logger?.warn(
          {
            after: checkpoint?.toString() ?? null,
            reconnectInMs: delay,
            ...(dropped === undefined ? { ended: true } : { err: dropped }),
          },
          dropped === undefined
            ? 'event store subscription ended by the server; reconnecting'
            : 'event store subscription dropped; reconnecting',
        );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wakeUp = undefined;
        delay = Math.min(delay * 2, 30_000);
      }
    };
    let wakeUp: (() => void) | undefined;
    const loop = run();
    return {
      async stop() {
        stopped = true;
        wakeUp?.();
        await current?.unsubscribe().catch(() => undefined);
        await loop;
      },
    };
  }

  async headPosition(): Promise<GlobalPosition | undefined> {
    const reader = this.client.readAll({
      direction: BACKWARDS,
      fromPosition: END,
      maxCount: 1,
      filter: streamNameFilter({ regex: USER_STREAMS }),
    });
    for await (const resolved of reader) {
      const e = toRecorded(resolved);
      if (e) return e.position;
    }
    return undefined;
  }

  /**
   * Tells that the server answers and lets this user read, without reading $all (which the
   * server allows only to admins by default): one read of a user stream that need not exist.
   */
  async checkReachable(): Promise<void> {
    try {
      for await (const _ of this.client.readStream(READINESS_STREAM, { maxCount: 1 })) break;
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }
}

/**
 * The server's size limits, as the store's own error (413 in the error table): the whole
 * append was refused, so nothing was written. A batch is atomic and is not split.
 */
function sizeLimitError(error: unknown): AppendTooLargeError | EventTooLargeError | undefined {
  if (error instanceof TransactionMaxSizeExceededError)
    return new AppendTooLargeError(error.size, error.maxSize, { cause: error });
  if (error instanceof MaxAppendSizeExceededError)
    return new AppendTooLargeError(undefined, error.maxAppendSize, { cause: error });
  if (error instanceof AppendRecordSizeExceededError)
    return new EventTooLargeError(error.recordId, error.size, error.maxSize);
  return undefined;
}
