import type { CellQuery, StatisticFact } from '@hub/domain';

export interface ProjectionCheckpoint {
  projection: string;
  /** The projection's version when its read model was built. */
  version: number;
  /** Position of the last event the read model includes. */
  position: bigint;
  updatedAt: string;
}

/** A fact as stored: with the event behind it, for drill-down and "as of" reports. */
export interface StoredFact extends StatisticFact {
  eventId: string;
  position: bigint;
  recordedMs: number;
}

/** An event behind a form cell: the day it happened (Asia/Shanghai) and when it was recorded. */
export interface TracedFact {
  eventId: string;
  day: number;
  recordedMs: number;
  /** Where the event lies in the store: its content is read from there. */
  position: bigint;
}

/** What one projection changes for a run of events, and the checkpoint after them. */
export interface ProjectionBatch {
  projection: string;
  version: number;
  /** The checkpoint the batch was computed from (undefined: from the start). */
  after: bigint | undefined;
  position: bigint;
  documents: ReadonlyArray<{ key: string; value: unknown }>;
  facts: readonly StoredFact[];
}

export class CheckpointConflictError extends Error {
  readonly code = 'CHECKPOINT_CONFLICT';
}

/** The read models' storage has no room for a write (disk or quota full); nothing was written. */
export class ReadModelStoreFullError extends Error {
  readonly code = 'READ_MODEL_STORE_FULL';
  constructor(options?: { cause?: unknown }) {
    super(
      '读模型存储空间已满，无法写入 / the read-model storage is full: nothing was written',
      options,
    );
  }
}

/**
 * Where read models live. A batch's changes and its checkpoint are written in one
 * transaction, and only if the checkpoint is still where the batch started: a crash never
 * counts an event twice or skips one, and two runners cannot both apply the same events.
 * Documents live in a collection named after their projection.
 */
export interface ReadModelStore {
  checkpoints(): Promise<ProjectionCheckpoint[]>;
  /** Applies the batches atomically: all of them or none. */
  commit(batches: readonly ProjectionBatch[]): Promise<void>;
  /** Forgets a projection's read model and checkpoint, for a rebuild from zero. */
  reset(projection: string): Promise<void>;
  getDocuments(collection: string, keys: readonly string[]): Promise<Map<string, unknown>>;
  listDocuments(collection: string): Promise<Array<{ key: string; value: unknown }>>;
  /** Documents in key order after a key (exclusive), at most `limit` of them: cursor pagination. */
  pageDocuments(
    collection: string,
    page: { after?: string; limit: number },
  ): Promise<Array<{ key: string; value: unknown }>>;
  /**
   * The keys alone of the same page: for indexes whose documents say nothing beyond their key
   * (a ledger page reads its unit index this way, without fetching or parsing the values).
   */
  pageKeys(collection: string, page: { after?: string; limit: number }): Promise<string[]>;
  /** Results of a statistics query: group unit (or '' for a total) → exact value. */
  aggregate(query: CellQuery): Promise<Map<string, bigint>>;
  /** The events behind a statistics query, in store order. */
  trace(query: CellQuery, limit?: number): Promise<TracedFact[]>;
  close(): Promise<void>;
}
