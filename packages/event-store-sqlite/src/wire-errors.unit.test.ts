import {
  EventStoreFullError,
  EventStoreUnavailableError,
  EventTooLargeError,
  IdempotencyConflictError,
  InvalidAppendError,
  WrongExpectedRevisionError,
} from '@hub/event-store';
import { fromWire, toWire } from './wire-errors.js';

/** Through structured cloning, as a message to or from a worker thread is. */
const across = (error: unknown) => fromWire(structuredClone(toWire(error)));

describe('store errors across a thread', () => {
  it.each([
    new WrongExpectedRevisionError('s', 'no_stream', 3),
    new WrongExpectedRevisionError('s', 2, 'no_stream'),
    new IdempotencyConflictError('e-1', 'was already recorded in stream t'),
    new EventTooLargeError('e-2', 2048, 1024),
    new InvalidAppendError('append to s has no events'),
    new EventStoreUnavailableError('gone'),
  ])('$code keeps its class, message and fields', (error) => {
    const back = across(error);
    expect(back).toBeInstanceOf(error.constructor);
    expect(back.message).toBe(error.message);
    expect({ ...back }).toEqual({ ...error });
  });

  it('a full disk stays EventStoreFullError with its SQLite cause', () => {
    const cause = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    const back = across(new EventStoreFullError({ cause }));
    expect(back).toBeInstanceOf(EventStoreFullError);
    expect(back.cause).toMatchObject({ message: 'database or disk is full', code: 'SQLITE_FULL' });
  });

  it('any other error keeps its message, name and SQLite code, and is none of the port errors', () => {
    const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    const back = across(busy);
    expect(back).toMatchObject({
      message: 'database is locked',
      code: 'SQLITE_BUSY',
      name: 'Error',
    });
    expect(back).not.toBeInstanceOf(InvalidAppendError);
    const thrown = across('a string');
    expect(thrown.message).toBe('a string');
  });
});
