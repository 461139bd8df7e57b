/** Revision of the last event of a stream, 0-based. */
export type StreamRevision = number;

/** Position of an event in the store's global order; later events have larger positions. */
export type GlobalPosition = bigint;

/**
 * What the writer expects of the stream before its append (optimistic concurrency):
 * `any` skips the check, `no_stream` and `stream_exists` check existence, a number is the
 * exact revision of the stream's last event.
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | StreamRevision;

export interface NewEvent {
  /** UUID chosen by the writer; appending the same id again is a no-op, forever. */
  id: string;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
}

export interface RecordedEvent extends NewEvent {
  streamName: string;
  revision: StreamRevision;
  position: GlobalPosition;
  /** When the store recorded the event (ISO 8601, UTC). */
  recordedAt: string;
  /**
   * The event's link in the store's hash chain (`<alg>:<hex>`, see chain.ts), where the store
   * keeps one; absent for stores or records without a chain.
   */
  chain?: string;
}

/**
 * Where a record stands in the history and its link in the store's chain, without its content:
 * what a notary follows. `chain` is absent for a record the store keeps without one.
 */
export interface ChainLinkRecord {
  position: GlobalPosition;
  chain?: string;
}

/**
 * A record exactly as a store keeps it: data and metadata as the JSON text its chain link
 * covers. Moving a history from one store to another copies these, so every link, and every
 * checkpoint signed over them, still holds in the new store.
 */
export interface StoredRecord {
  position: GlobalPosition;
  id: string;
  stream: string;
  revision: StreamRevision;
  type: string;
  dataJson: string;
  metadataJson: string;
  recordedAt: string;
  chain?: string;
}

export interface AppendRequest {
  stream: string;
  events: readonly NewEvent[];
  expectedRevision?: ExpectedRevision;
}

export interface AppendResult {
  stream: string;
  /** Revision of the stream's last event after the append: pass it as the next expected revision. */
  nextExpectedRevision: StreamRevision;
  /** Position of the last event of this append. */
  position: GlobalPosition;
  /** True when every event was already recorded by an earlier append: nothing was written. */
  duplicate: boolean;
}

export interface ReadStreamOptions {
  fromRevision?: StreamRevision;
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Read events strictly after this position; from the beginning when absent. */
  after?: GlobalPosition;
  maxCount?: number;
}

export interface SubscriptionOptions {
  /** Checkpoint: deliver events strictly after this position; from the beginning when absent. */
  after?: GlobalPosition;
  /** Called when the handler or the store fails; the subscription has then stopped. */
  onError?: (error: unknown) => void;
  /** Called each time the subscription has delivered everything stored so far. */
  onCaughtUp?: (position: GlobalPosition | undefined) => void;
}

export interface Subscription {
  /** Stops delivery; resolves after the handler call in progress (if any) has finished. */
  stop(): Promise<void>;
}

/**
 * The event-store port. Every adapter passes the contract suite in `src/contract`.
 *
 * What is appended becomes a recorded value: a caller hands its events' data and metadata
 * over and does not change them afterwards (from the call on: an embedded store may write
 * them only when it commits a group). A store may freeze them and give them to its readers
 * as they are, so readers do not change what they read either.
 */
export interface EventStore {
  /** Appends to one stream; atomic. */
  append(
    stream: string,
    events: readonly NewEvent[],
    options?: { expectedRevision?: ExpectedRevision },
  ): Promise<AppendResult>;
  /** Appends to several streams in one atomic operation: all are written or none. */
  appendMany(requests: readonly AppendRequest[]): Promise<AppendResult[]>;
  /** Events of one stream in revision order; empty when the stream does not exist. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** Events of every stream in global order. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Catches up from the checkpoint, then delivers new events as they are appended. */
  subscribeToAll(
    handler: (event: RecordedEvent) => Promise<void> | void,
    options?: SubscriptionOptions,
  ): Subscription;
  /** Position of the last event in the store, undefined when empty. */
  headPosition(): Promise<GlobalPosition | undefined>;
  /**
   * How many events come after `after` (all of them when undefined), counting no further than
   * `cap`: what a lag gauge needs, without reading any event's content. Optional: where it is
   * absent, the length of a readAll page of `cap` events says the same, at the cost of reading
   * them.
   */
  countAfter?(after: GlobalPosition | undefined, cap: number): Promise<number>;
  /**
   * Answers once the store can be reached and read with the hub's own rights: what readiness
   * probes call. Optional: where it is absent, reading the head says the same (embedded and
   * PostgreSQL stores keep their head in the hub's own tables). KurrentDB needs it, because its
   * head lies in $all, which only admins may read by default.
   */
  checkReachable?(): Promise<void>;
  /**
   * Like subscribeToAll, but delivers only each record's position and chain link, reading none
   * of its content. Optional: stores that keep no chain of their own (KurrentDB) leave it out.
   */
  subscribeToChainLinks?(
    handler: (link: ChainLinkRecord) => Promise<void> | void,
    options?: SubscriptionOptions,
  ): Subscription;
  close(): Promise<void>;
}
