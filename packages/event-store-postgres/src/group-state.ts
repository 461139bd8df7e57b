import { hash } from 'node:crypto';
import {
  EventTooLargeError,
  IdempotencyConflictError,
  InvalidAppendError,
  WrongExpectedRevisionError,
  chainableName,
  chainInput,
  sameContent,
  type AppendRequest,
  type AppendResult,
  type ChainAlg,
  type ExpectedRevision,
  type NewEvent,
} from '@hub/event-store';

/** A record as stored (data and metadata as the JSON text the chain covers). */
export interface StoredRow {
  position: bigint;
  eventId: string;
  stream: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  recordedAt: string;
  chain: string | null;
}

/** Thrown to fall back from the fast path to the duplicate check (the id may be a retry). */
class PossibleRetry extends Error {
  constructor(readonly original: unknown) {
    super('possible retry');
  }
}

/**
 * The appends of one group commit, decided in memory while the transaction holds the tail
 * lock: nobody else writes meanwhile, so what was read at its start (stream revisions, the
 * event ids already recorded, the chain's tail) stays true, and every check is made here
 * without a round trip. Each append is all or nothing: a failing one is undone alone and
 * its neighbours in the group still commit (as on the embedded store).
 */
export class GroupState {
  readonly rows: StoredRow[] = [];
  /** Final revision of every stream this group wrote. */
  readonly written = new Map<string, number>();
  private undo: Array<() => void> = [];

  constructor(
    private tail: { position: bigint; chain: string | null },
    private readonly revisions: Map<string, number>,
    private readonly recorded: Map<string, StoredRow>,
    private readonly settings: {
      chainAlg: ChainAlg | false;
      maxEventBytes: number;
      recordedAt: () => string;
    },
  ) {}

  get tailPosition(): bigint {
    return this.tail.position;
  }

  get tailChain(): string | null {
    return this.tail.chain;
  }

  /** Applies one atomic multi-stream append; on failure leaves the state as it was. */
  apply(requests: readonly AppendRequest[]): AppendResult[] {
    validate(requests);
    const rowsBefore = this.rows.length;
    const tailBefore = this.tail;
    this.undo = [];
    try {
      return requests.map((r) => this.applyOne(r));
    } catch (error) {
      for (const row of this.rows.splice(rowsBefore)) this.recorded.delete(row.eventId);
      this.tail = tailBefore;
      for (const step of this.undo.reverse()) step();
      throw error;
    }
  }

  private setRevision(stream: string, revision: number): void {
    const previous = this.revisions.get(stream);
    const previousWritten = this.written.get(stream);
    this.undo.push(() => {
      if (previous === undefined) this.revisions.delete(stream);
      else this.revisions.set(stream, previous);
      if (previousWritten === undefined) this.written.delete(stream);
      else this.written.set(stream, previousWritten);
    });
    this.revisions.set(stream, revision);
    this.written.set(stream, revision);
  }

  private applyOne(request: AppendRequest): AppendResult {
    try {
      return this.writeFast(request);
    } catch (error) {
      if (!(error instanceof PossibleRetry)) throw error;
      return this.writeRetry(request, error.original);
    }
  }

  /** The common case: new events, revision as expected. Anything else may be a retry. */
  private writeFast(request: AppendRequest): AppendResult {
    const { stream, events } = request;
    const current = this.revisions.get(stream);
    const expected = request.expectedRevision ?? 'any';
    if (!revisionMatches(expected, current))
      throw new PossibleRetry(
        new WrongExpectedRevisionError(stream, expected, current ?? 'no_stream'),
      );
    const known = events.find((e) => this.recorded.has(e.id));
    if (known) throw new PossibleRetry(new Error(`event ${known.id} is already recorded`));
    const recordedAt = this.settings.recordedAt();
    let revision = current ?? -1;
    for (const event of events) {
      const data = JSON.stringify(event.data ?? null);
      const metadata = JSON.stringify(event.metadata ?? {});
      const bytes = Buffer.byteLength(data) + Buffer.byteLength(metadata);
      if (bytes > this.settings.maxEventBytes)
        throw new EventTooLargeError(event.id, bytes, this.settings.maxEventBytes);
      revision += 1;
      // Positions follow the tail without gaps, so the chain covers them and a reader never
      // meets a later position before an earlier one commits.
      const position = this.tail.position + 1n;
      const alg = this.settings.chainAlg;
      const chain = alg
        ? `${alg}:${hash(
            alg,
            chainInput(this.tail.chain, {
              position,
              stream,
              revision,
              id: event.id,
              type: event.type,
              recordedAt,
              dataJson: data,
              metadataJson: metadata,
            }),
          )}`
        : null;
      const row: StoredRow = {
        position,
        eventId: event.id,
        stream,
        revision,
        type: event.type,
        data,
        metadata,
        recordedAt,
        chain,
      };
      this.rows.push(row);
      this.recorded.set(event.id, row);
      this.tail = { position, chain };
    }
    this.setRevision(stream, revision);
    return {
      stream,
      nextExpectedRevision: revision,
      position: this.tail.position,
      duplicate: false,
    };
  }

  /**
   * Some event id was already recorded, or the revision did not match. A retry of an earlier
   * append (every event there, same content, same stream) returns the original result; a mix
   * of recorded and new events is written only when the writer did not ask for a revision.
   */
  private writeRetry(request: AppendRequest, original: unknown): AppendResult {
    const recorded: StoredRow[] = [];
    const fresh: NewEvent[] = [];
    for (const event of request.events) {
      const row = this.recorded.get(event.id);
      if (!row) {
        fresh.push(event);
        continue;
      }
      if (row.stream !== request.stream)
        throw new IdempotencyConflictError(
          event.id,
          `was already recorded in stream ${row.stream}`,
        );
      const stored = {
        type: row.type,
        data: JSON.parse(row.data) as unknown,
        metadata: JSON.parse(row.metadata) as Record<string, unknown>,
      };
      if (!sameContent(event, stored))
        throw new IdempotencyConflictError(event.id, 'was already recorded with different content');
      recorded.push(row);
    }
    if (fresh.length === 0) {
      const last = recorded.reduce((a, b) => (b.position > a.position ? b : a));
      return {
        stream: request.stream,
        nextExpectedRevision: last.revision,
        position: last.position,
        duplicate: true,
      };
    }
    if (recorded.length === 0) throw original;
    if ((request.expectedRevision ?? 'any') !== 'any')
      throw new IdempotencyConflictError(
        recorded[0]!.eventId,
        'was recorded by an earlier append that this one only partly repeats; retry it with expected revision "any" or without the recorded events',
      );
    try {
      return this.writeFast({ stream: request.stream, events: fresh, expectedRevision: 'any' });
    } catch (error) {
      throw error instanceof PossibleRetry ? error.original : error;
    }
  }
}

function validate(requests: readonly AppendRequest[]): void {
  const seen = new Set<string>();
  for (const request of requests) {
    if (!request.stream) throw new InvalidAppendError('stream name is empty');
    if (!chainableName(request.stream))
      throw new InvalidAppendError(
        `stream name ${JSON.stringify(request.stream)} holds a control character`,
      );
    if (request.events.length === 0)
      throw new InvalidAppendError(`append to ${request.stream} has no events`);
    for (const event of request.events) {
      if (seen.has(event.id))
        throw new InvalidAppendError(`event id ${event.id} appears twice in one append`);
      if (!chainableName(event.id) || !chainableName(event.type))
        throw new InvalidAppendError(
          `event id or type of ${JSON.stringify(event.id)} holds a control character`,
        );
      seen.add(event.id);
    }
  }
}

function revisionMatches(expected: ExpectedRevision, current: number | undefined): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return current === undefined;
    case 'stream_exists':
      return current !== undefined;
    default:
      return current === expected;
  }
}
