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
