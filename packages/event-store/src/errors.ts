import type { ExpectedRevision, StreamRevision } from './types.js';

/** Base class of the store's errors; `code` is stable and mapped by each transport. */
export abstract class EventStoreError extends Error {
  abstract readonly code: string;
}

export class WrongExpectedRevisionError extends EventStoreError {
  readonly code = 'WRONG_EXPECTED_REVISION';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    readonly actual: StreamRevision | 'no_stream',
  ) {
    super(
      `stream ${stream} is at revision ${String(actual)}, the append expected ${String(expected)}`,
    );
  }
}

/** The event id was recorded before with other content, or in another stream. */
export class IdempotencyConflictError extends EventStoreError {
  readonly code = 'IDEMPOTENCY_CONFLICT';
  constructor(
    readonly eventId: string,
    readonly reason: string,
  ) {
    super(`event ${eventId} ${reason}`);
  }
}

export class EventTooLargeError extends EventStoreError {
  readonly code = 'EVENT_TOO_LARGE';
  constructor(
    readonly eventId: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`event ${eventId} is ${bytes} bytes, over the store's limit of ${limit} bytes`);
  }
}

export class InvalidAppendError extends EventStoreError {
  readonly code = 'INVALID_APPEND';
}

export class EventStoreUnavailableError extends EventStoreError {
  readonly code = 'EVENT_STORE_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The store has no room to write (disk or quota full): nothing of the append was written,
 * and a retry once space is freed may succeed.
 */
export class EventStoreFullError extends EventStoreError {
  readonly code = 'EVENT_STORE_FULL';
  constructor(options?: { cause?: unknown }) {
    super(
      '事件库存储空间已满，无法写入；本次提交未写入任何事件，释放空间后可重试 / the event store cannot write: its storage is full; nothing was written, retry once space is freed',
      options,
    );
  }
}

/**
 * The server refused the append as larger than it takes in one transaction. A batch is
 * all-or-nothing, so it is not split behind the caller's back: nothing was written, and
 * smaller batches will go in.
 */
export class AppendTooLargeError extends EventStoreError {
  readonly code = 'APPEND_TOO_LARGE';
  constructor(
    readonly bytes: number | undefined,
    readonly limit: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `追加过大，未写入任何事件，请拆成较小的批次 / the append${bytes === undefined ? '' : ` of ${bytes} bytes`} is over the server's limit${limit === undefined ? '' : ` of ${limit} bytes`} for one transaction; nothing was written, send smaller batches`,
      options,
    );
  }
}

/** A stored event came back in a shape the store cannot read (e.g. its metadata is not a JSON object). */
export class UnreadableEventError extends EventStoreError {
  readonly code = 'EVENT_UNREADABLE';
  constructor(
    readonly stream: string,
    readonly revision: bigint | number,
    readonly reason: string,
  ) {
    super(`event ${String(revision)} of stream ${stream} cannot be read: ${reason}`);
  }
}
