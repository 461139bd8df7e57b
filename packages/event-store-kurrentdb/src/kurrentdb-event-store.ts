import { createHash } from 'node:crypto';
import {
  ANY,
  BACKWARDS,
  END,
  FORWARDS,
  jsonEvent,
  KurrentDBClient,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  streamNameFilter,
  WrongExpectedVersionError,
  type AppendStreamRequest,
  type AppendStreamState,
  type EventData,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import {
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
} from '@hub/event-store';
import { fromGlobalPosition, toGlobalPosition } from './positions.js';

export interface KurrentDbEventStoreOptions {
  /** `esdb://`, `esdb+discover://`, `kurrentdb://` or `kurrentdb+discover://` connection string. */
  connectionString: string;
  maxEventBytes?: number;
  /** Delay before a dropped subscription reconnects (doubles up to 30 s). */
  reconnectDelayMs?: number;
}

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

function toRecorded(resolved: ResolvedEvent): RecordedEvent | undefined {
  const e = resolved.event;
  if (!e || !e.isJson) return undefined;
  const raw = (e.metadata ?? {}) as { hub?: string };
  const commit = resolved.commitPosition;
  const position = e.position ?? (commit === undefined ? undefined : { commit, prepare: commit });
  if (!position) return undefined;
  return {
    id: e.id,
    type: e.type,
    data: e.data,
    metadata: raw.hub ? (JSON.parse(raw.hub) as Record<string, unknown>) : {},
    streamName: e.streamId,
    revision: Number(e.revision),
    position: toGlobalPosition(position),
    recordedAt: e.created.toISOString(),
  };
}

/** The event-store port on EventStoreDB / KurrentDB (server 25.1 or later: multi-stream appends). */
export class KurrentDbEventStore implements EventStore {
  private readonly client: KurrentDBClient;
  private readonly maxEventBytes: number;

  constructor(private readonly options: KurrentDbEventStoreOptions) {
    this.client = KurrentDBClient.connectionString`${options.connectionString}`;
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
      if (!(error instanceof WrongExpectedVersionError)) throw error;
      return this.resolveConflict(requests, error);
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
    return requests.map((r) => {
      const response = result.responses.find((x) => x.streamName === r.stream);
      return {
        stream: r.stream,
        nextExpectedRevision: Number(response?.revision ?? -1n),
        // The append's commit position; events read back carry their own (commit, prepare).
        position: toGlobalPosition({ commit: result.position, prepare: result.position }),
        duplicate: false,
      };
    });
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

  private async readClaim(eventId: string): Promise<{ stream: string; hash: string } | undefined> {
    const [claim] = await this.readStream(claimStream(eventId), { maxCount: 1 });
    return claim?.data as { stream: string; hash: string } | undefined;
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
    let delay = this.options.reconnectDelayMs ?? 500;

    const run = async () => {
      while (!stopped) {
        const subscription = this.client.subscribeToAll({
          fromPosition: checkpoint === undefined ? START : fromGlobalPosition(checkpoint),
          filter: streamNameFilter({ regex: USER_STREAMS }),
        });
        current = subscription;
        subscription.on('caughtUp', () => options.onCaughtUp?.(checkpoint));
        try {
          for await (const resolved of subscription) {
            if (stopped) break;
            const e = toRecorded(resolved);
            if (!e || (checkpoint !== undefined && e.position <= checkpoint)) continue;
            try {
              await handler(e);
            } catch (error) {
              stopped = true;
              options.onError?.(error);
              break;
            }
            checkpoint = e.position;
            delay = this.options.reconnectDelayMs ?? 500;
          }
        } catch {
          // The connection dropped: resume from the checkpoint after a pause.
          if (!stopped) await new Promise((r) => setTimeout(r, delay));
          delay = Math.min(delay * 2, 30_000);
        } finally {
          await subscription.unsubscribe().catch(() => undefined);
        }
      }
    };
    const loop = run();
    return {
      async stop() {
        stopped = true;
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

  async close(): Promise<void> {
    await this.client.dispose();
  }
}
