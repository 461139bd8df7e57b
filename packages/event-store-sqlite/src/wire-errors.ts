import {
  EventStoreFullError,
  EventStoreUnavailableError,
  EventTooLargeError,
  IdempotencyConflictError,
  InvalidAppendError,
  WrongExpectedRevisionError,
  type ExpectedRevision,
  type StreamRevision,
} from '@hub/event-store';

/**
 * A store error as it crosses a thread boundary: structured cloning keeps neither an error's
 * class nor its own fields, and callers narrow on both (HTTP maps `code`, ingestion reads
 * `eventId`), so each of the port's errors travels as its code and the fields it was made from.
 */
export type WireError =
  | {
      code: 'WRONG_EXPECTED_REVISION';
      stream: string;
      expected: ExpectedRevision;
      actual: StreamRevision | 'no_stream';
    }
  | { code: 'IDEMPOTENCY_CONFLICT'; eventId: string; reason: string }
  | { code: 'EVENT_TOO_LARGE'; eventId: string; bytes: number; limit: number }
  | { code: 'INVALID_APPEND'; message: string }
  | { code: 'EVENT_STORE_FULL'; cause?: WireCause }
  | { code: 'EVENT_STORE_UNAVAILABLE'; message: string }
  | { code: 'OTHER'; message: string; name: string; sqliteCode?: string };

/** What is kept of a cause: its message and SQLite's code. */
interface WireCause {
  message: string;
  sqliteCode?: string;
}

function causeOf(error: unknown): WireCause | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  return { message: error.message, ...(typeof code === 'string' ? { sqliteCode: code } : {}) };
}

function withCode(cause: WireCause): Error {
  const error = new Error(cause.message);
  return cause.sqliteCode === undefined ? error : Object.assign(error, { code: cause.sqliteCode });
}

export function toWire(error: unknown): WireError {
  if (error instanceof WrongExpectedRevisionError)
    return {
      code: error.code,
      stream: error.stream,
      expected: error.expected,
      actual: error.actual,
    };
  if (error instanceof IdempotencyConflictError)
    return { code: error.code, eventId: error.eventId, reason: error.reason };
  if (error instanceof EventTooLargeError)
    return { code: error.code, eventId: error.eventId, bytes: error.bytes, limit: error.limit };
  if (error instanceof InvalidAppendError) return { code: error.code, message: error.message };
  if (error instanceof EventStoreFullError) {
    const cause = causeOf(error.cause);
    return { code: error.code, ...(cause ? { cause } : {}) };
  }
  if (error instanceof EventStoreUnavailableError)
    return { code: error.code, message: error.message };
  const cause = causeOf(error) ?? { message: String(error) };
  return {
    code: 'OTHER',
    message: cause.message,
    name: error instanceof Error ? error.name : 'Error',
    ...(cause.sqliteCode ? { sqliteCode: cause.sqliteCode } : {}),
  };
}

/** The error `toWire` was given, as the same class with the same fields and message. */
export function fromWire(wire: WireError): Error {
  switch (wire.code) {
    case 'WRONG_EXPECTED_REVISION':
      return new WrongExpectedRevisionError(wire.stream, wire.expected, wire.actual);
    case 'IDEMPOTENCY_CONFLICT':
      return new IdempotencyConflictError(wire.eventId, wire.reason);
    case 'EVENT_TOO_LARGE':
      return new EventTooLargeError(wire.eventId, wire.bytes, wire.limit);
    case 'INVALID_APPEND':
      return new InvalidAppendError(wire.message);
    case 'EVENT_STORE_FULL':
      return new EventStoreFullError(wire.cause ? { cause: withCode(wire.cause) } : {});
    case 'EVENT_STORE_UNAVAILABLE':
      return new EventStoreUnavailableError(wire.message);
    case 'OTHER': {
      const error = withCode({
        message: wire.message,
        ...(wire.sqliteCode ? { sqliteCode: wire.sqliteCode } : {}),
      });
      error.name = wire.name;
      return error;
    }
  }
}
