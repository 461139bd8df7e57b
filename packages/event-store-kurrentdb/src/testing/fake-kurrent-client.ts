import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  AccessDeniedError,
  NO_STREAM,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type AppendStreamRequest,
  type MultiAppendResult,
  type Position,
  type ReadAllOptions,
  type ReadStreamOptions,
  type ResolvedEvent,
  type SubscribeToAllOptions,
} from '@kurrent/kurrentdb-client';
import type { KurrentAllSubscription, KurrentClient } from '../kurrent-client.js';

/** A gRPC failure as the client receives it, for the client's error classes. */
export function serviceError(message: string, code = status.ABORTED): ServiceError {
  return Object.assign(new Error(message), { code, details: message, metadata: new Metadata() });
}

export interface StoredRecord {
  streamId: string;
  id: string;
  revision: bigint;
  type: string;
  data: unknown;
  /** As the client hands it back: a parsed JSON value of any shape, raw bytes, or nothing. */
  metadata: unknown;
  position: Position;
}

/**
 * An in-memory stand-in for a KurrentDB 25.1 server behind `KurrentDBClient`, as its API is
 * typed: each multi-stream append is one transaction whose events share a commit position and
 * have their own, smaller prepare positions; the append answers the commit position alone.
 */
export class FakeKurrentClient implements KurrentClient {
  readonly log: StoredRecord[] = [];
  /** Next log byte offset, as the server's transaction file. */
  private offset = 1000n;
  /** Set to make the next append fail with this error (then cleared). */
  failNextAppend: Error | undefined;
  /** Reads of $all are refused, as for a user who is not an admin. */
  allReadsNeedAdmin = false;
  /** Reads of any stream fail with this (a server that does not answer). */
  unreachable: Error | undefined;
  /** Each subscription delivers what is stored after its start, then ends without an error. */
  subscriptionsOpened = 0;

  async multiStreamAppend(requests: AppendStreamRequest[]): Promise<MultiAppendResult> {
    const failure = this.failNextAppend;
    this.failNextAppend = undefined;
    if (failure) throw failure;
    for (const r of requests) {
      const current = this.revisionOf(r.streamName);
      const expected = r.expectedState;
      const holds =
        expected === 'any' ||
        (expected === NO_STREAM && current === undefined) ||
        (expected === 'stream_exists' && current !== undefined) ||
        (typeof expected === 'bigint' && expected === current);
      if (!holds)
        throw new WrongExpectedVersionError(undefined, {
          streamName: r.streamName,
          expected,
          current: current ?? 'no_stream',
        });
    }
    const written: StoredRecord[] = [];
    for (const r of requests)
      for (const e of r.events) {
        const revision = (this.revisionOf(r.streamName) ?? -1n) + 1n;
        const record: StoredRecord = {
          streamId: r.streamName,
          id: e.id ?? `generated-${this.offset}`,
          revision,
          type: e.type,
          data: e.data,
          metadata: e.metadata ?? undefined,
          position: { commit: 0n, prepare: this.offset },
        };
        this.offset += 100n;
        this.log.push(record);
        written.push(record);
      }
    const commit = this.offset;
    this.offset += 100n;
    for (const record of written) record.position = { commit, prepare: record.position.prepare };
    return {
      position: commit,
      responses: requests.map((r) => ({
        streamName: r.streamName,
        revision: this.revisionOf(r.streamName)!,
      })),
    };
  }

  private revisionOf(stream: string): bigint | undefined {
    let revision: bigint | undefined;
    for (const r of this.log) if (r.streamId === stream) revision = r.revision;
    return revision;
  }

  private resolved(record: StoredRecord): AllStreamResolvedEvent {
    const event = {
      streamId: record.streamId,
      id: record.id,
      revision: record.revision,
      type: record.type,
      data: record.data,
      metadata: record.metadata,
      isJson: true,
      created: new Date('2026-01-01T00:00:00Z'),
      position: record.position,
    };
    // The client's own type for what it yields; the fake builds the same shape.
    return { event, commitPosition: record.position.commit } as AllStreamResolvedEvent;
  }

  async *readStream(stream: string, options: ReadStreamOptions = {}): AsyncIterable<ResolvedEvent> {
    if (this.unreachable) throw this.unreachable;
    const records = this.log.filter((r) => r.streamId === stream);
    if (records.length === 0) throw new StreamNotFoundError(undefined, stream);
    const backwards = options.direction === 'backwards';
    const from = options.fromRevision;
    let list = backwards ? [...records].reverse() : records;
    if (typeof from === 'bigint')
      list = list.filter((r) => (backwards ? r.revision <= from : r.revision >= from));
    const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    for (const r of list.slice(0, max)) yield this.resolved(r);
  }

  private userRecords(): StoredRecord[] {
    return this.log.filter(
      (r) => !r.streamId.startsWith('$') && !r.streamId.startsWith('hub-event-id-'),
    );
  }

  async *readAll(options: ReadAllOptions = {}): AsyncIterable<AllStreamResolvedEvent> {
    if (this.unreachable) throw this.unreachable;
    if (this.allReadsNeedAdmin)
      throw new AccessDeniedError(serviceError('access denied to $all', status.PERMISSION_DENIED));
    const sorted = this.sorted(this.userRecords());
    const list = options.direction === 'backwards' ? sorted.reverse() : sorted;
    const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    for (const r of list.slice(0, max)) yield this.resolved(r);
  }

  private sorted(records: StoredRecord[]): StoredRecord[] {
    return [...records].sort((a, b) =>
      a.position.commit === b.position.commit
        ? Number(a.position.prepare - b.position.prepare)
        : Number(a.position.commit - b.position.commit),
    );
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): KurrentAllSubscription {
    this.subscriptionsOpened += 1;
    const from = options.fromPosition;
    const after = (r: StoredRecord) =>
      typeof from !== 'object' ||
      r.position.commit > from.commit ||
      (r.position.commit === from.commit && r.position.prepare >= from.prepare);
    const records = this.sorted(this.userRecords()).filter(after);
    const resolved = records.map((r) => this.resolved(r));
    return {
      on: () => undefined,
      unsubscribe: async () => undefined,
      // Delivers what is there, then the server ends the subscription without an error.
      async *[Symbol.asyncIterator]() {
        for (const r of resolved) yield r;
      },
    };
  }

  async dispose(): Promise<void> {}
}
