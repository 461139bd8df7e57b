import { AppendTooLargeError, EventTooLargeError, UnreadableEventError } from '@hub/event-store';
import { problemBody } from '../http/problem.js';
import { answerFor, ERROR_TABLE, isErrorCode, type ErrorCode } from './error-table.js';

const HAN = /\p{Script=Han}/u;

describe('the one error table', () => {
  const codes = Object.keys(ERROR_TABLE) as ErrorCode[];

  it('gives every code an HTTP status, a GraphQL code, a Chinese title and an English one', () => {
    expect(codes.length).toBeGreaterThan(40);
    for (const code of codes) {
      const entry = ERROR_TABLE[code];
      expect(code).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(entry.status).toBeGreaterThanOrEqual(400);
      expect(entry.status).toBeLessThan(600);
      expect(entry.graphql).toMatch(/^[A-Z_]+$/);
      expect({ code, zh: HAN.test(entry.titleZh) }).toEqual({ code, zh: true });
      expect({ code, en: HAN.test(entry.title) || entry.title.length === 0 }).toEqual({
        code,
        en: false,
      });
    }
  });

  it('builds every problem+json body from the table: code, status, both titles', () => {
    expect(problemBody({ code: 'OUT_OF_SCOPE', detail: 'unit 440000' })).toEqual({
      type: 'about:blank',
      code: 'OUT_OF_SCOPE',
      status: 403,
      title: 'Outside your units',
      titleZh: '超出本单位辖区',
      detail: 'unit 440000',
    });
  });

  it('knows the codes errors carry, and nothing else', () => {
    const known = Object.assign(new Error('x'), { code: 'RATE_LIMITED' });
    expect(answerFor(known)).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    // The negative cases beside the positive: an unknown code, an inherited name, a non-error.
    expect(answerFor(Object.assign(new Error('x'), { code: 'NO_SUCH_CODE' }))).toBeUndefined();
    expect(isErrorCode('toString')).toBe(false);
    expect(answerFor({ code: 'RATE_LIMITED' })).toBeUndefined();
  });
});

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
