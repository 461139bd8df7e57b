import { AppendTooLargeError, EventTooLargeError, UnreadableEventError } from '@hub/event-store';
import { answerFor } from './error-table.js';

describe('the error table for the event store’s limits and unreadable events', () => {
  it('answers a server transaction-size limit with 413, as an event over the limit (control)', () => {
    expect(answerFor(new AppendTooLargeError(5_000_000, 4_194_304))).toMatchObject({
      status: 413,
      graphql: 'PAYLOAD_TOO_LARGE',
      code: 'APPEND_TOO_LARGE',
    });
    expect(answerFor(new EventTooLargeError('e', 2, 1))).toMatchObject({ status: 413 });
  });

  it('answers an event the store cannot read back with 500 and its own code', () => {
    expect(
      answerFor(new UnreadableEventError('case-1', 3n, 'its metadata is not a JSON object')),
    ).toMatchObject({
      status: 500,
      code: 'EVENT_UNREADABLE',
    });
  });
});
