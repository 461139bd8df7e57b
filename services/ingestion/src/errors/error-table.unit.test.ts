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
