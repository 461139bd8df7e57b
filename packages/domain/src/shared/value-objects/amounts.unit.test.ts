import { upcast } from '../../catalogue.js';
import { validatePublishedEvent } from '../../ingestion/validate-published-event.js';
import { eventJsonSchemas } from '../../json-schemas.js';
import { published, VALID_CREDIT_CODE, TEST_CONTEXT } from '../../testing/index.js';
import { MAX_AMOUNT_FEN, MAX_AMOUNT_YUAN, MAX_COUNT } from './index.js';

const problemsOf = (event: unknown, agency: 'emergency' | 'police' = 'emergency') => {
  const result = validatePublishedEvent(event, agency, 0, TEST_CONTEXT);
  return result.ok ? [] : result.problems;
};
const fineData = {
  inspectionId: 'INS-1',
  decisionNo: '沪应急罚〔2024〕1号',
  subjectKind: 'employer',
  target: { kind: 'enterprise', enterprise: { creditCode: VALID_CREDIT_CODE, name: '甲公司' } },
};
const fineV1 = (amountYuan: number) => published('FineImposed', { ...fineData, amountYuan });
const fineV2 = (amountFen: number) =>
  published('FineImposed', { ...fineData, amountFen }, { schemaVersion: 2 });

describe('amounts of money', () => {
  it('documents one maximum per amount: 10亿元', () => {
    expect(MAX_AMOUNT_FEN).toBe(100_000_000_000);
    expect(MAX_AMOUNT_YUAN * 100).toBe(MAX_AMOUNT_FEN);
  });

  describe('when a v1 fine in whole yuan is larger than 10亿元 (the overflow attack)', () => {
    it('refuses it with a stable code, Chinese first', () => {
      expect(problemsOf(fineV1(Number.MAX_SAFE_INTEGER))).toEqual([
        expect.objectContaining({
          pointer: '/events/0/data/amountYuan',
          code: 'AMOUNT_TOO_LARGE',
          message: expect.stringMatching(/^单笔金额不得超过 10亿元/),
        }),
      ]);
      expect(problemsOf(fineV1(MAX_AMOUNT_YUAN + 1))).toHaveLength(1);
    });

    it('accepts 10亿元 and reads it as exactly 10^11 fen', () => {
      expect(problemsOf(fineV1(MAX_AMOUNT_YUAN))).toEqual([]);
      expect(upcast('FineImposed', 1, { ...fineData, amountYuan: MAX_AMOUNT_YUAN })).toMatchObject({
        amountFen: MAX_AMOUNT_FEN,
      });
    });
  });

  it.each([
    ['a v2 fine in fen', fineV2(MAX_AMOUNT_FEN + 1), '/events/0/data/amountFen'],
    [
      'a tip-off reward',
      published('TipOffHandled', {
        tipOffId: 'T-1',
        outcome: 'substantiated',
        rewardFen: MAX_AMOUNT_FEN + 1,
      }),
      '/events/0/data/rewardFen',
    ],
  ])('refuses %s above 10亿元', (_what, event, pointer) => {
    expect(problemsOf(event)).toEqual([
      expect.objectContaining({ pointer, code: 'AMOUNT_TOO_LARGE' }),
    ]);
  });

  it('refuses a count above 1亿, which forms sum as they sum money', () => {
    const clue = published('ClueTransferred', {
      clueId: 'C-1',
      origin: 'enforcement',
      toPoliceUnit: '310105',
      suspectedOffence: '买卖国家机关证件罪',
      suspects: MAX_COUNT + 1,
      fakeCertificates: 1,
    });
    expect(problemsOf(clue)).toEqual([
      expect.objectContaining({ pointer: '/events/0/data/suspects', code: 'COUNT_TOO_LARGE' }),
    ]);
  });

  describe('in every event type and version', () => {
    type Json = Record<string, unknown>;
    /** Every number a publisher sends, with its path. */
    function numbers(schema: Json, path: string, out: Array<[string, Json]>) {
      if (schema.type === 'integer' || schema.type === 'number') out.push([path, schema]);
      for (const [k, v] of Object.entries((schema.properties as Record<string, Json>) ?? {}))
        numbers(v, `${path}/${k}`, out);
      if (schema.items) numbers(schema.items as Json, `${path}/*`, out);
      for (const alternative of [
        ...((schema.anyOf as Json[]) ?? []),
        ...((schema.oneOf as Json[]) ?? []),
      ])
        numbers(alternative, path, out);
      return out;
    }
    const fields = eventJsonSchemas().flatMap(({ file, schema }) =>
      numbers(schema as Json, '', []).map(([path, s]) => [`${file}${path}`, s] as const),
    );

    it('has found the numbers of the catalogue', () => {
      expect(fields.length).toBeGreaterThanOrEqual(30);
    });

    it.each(fields)('%s is an integer with a documented maximum', (_where, schema) => {
      expect(schema).toMatchObject({ type: 'integer', maximum: expect.any(Number) });
      expect(schema.maximum).toBeLessThanOrEqual(MAX_AMOUNT_FEN);
    });
  });
});
