import { PublishedEnvelope } from '../shared/envelope.js';
import { envelopeFastPath } from './envelope-fast-path.js';

const ID = '0b5e3a2c-4f1d-4e8a-9c3b-2d7f6a1e5b90';
const OTHER = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

/** Valid envelopes, each field's optional and edge forms among them. */
const VALID: Array<Record<string, unknown>> = [
  {
    id: ID,
    type: 'InspectionConducted',
    schemaVersion: 1,
    reportingUnit: '310105',
    occurredAt: '2024-06-20T10:00:00+08:00',
    actor: { officerId: 'bench' },
    data: { inspectionId: 'INS-1' },
  },
  {
    data: null,
    actor: { unit: '安全监管科', officerId: 'A-01.x:y_z' },
    causationId: null,
    correlationId: OTHER,
    occurredAt: '2024-02-29T23:59:59.123Z',
    reportingUnit: '110000',
    agency: 'emergency',
    schemaVersion: 99,
    type: 'X',
    id: ID.toUpperCase(),
  },
  {
    id: '00000000-0000-0000-0000-000000000000',
    type: 'T',
    schemaVersion: 2,
    agency: 'police',
    reportingUnit: '810000',
    occurredAt: '2024-06-20T10:00:00-05:30',
    causationId: OTHER,
    actor: { officerId: '9', unit: 'Station 3（北）' },
    data: [1, 'two'],
  },
];

/** Each field's broken (and a few more valid) forms. */
const FIELD_VALUES: Record<string, unknown[]> = {
  id: [undefined, 123, '', 'not-a-uuid', '0b5e3a2c-4f1d-9e8a-9c3b-2d7f6a1e5b90', `${ID} `, null],
  type: [undefined, '', 5, null, ['T'], 'AnyName'],
  schemaVersion: [undefined, 0, 100, 1.5, '1', -1, null, 1e21, 3],
  agency: ['nope', null, 5, '', 'Emergency', 'court', 'cyberspace'],
  reportingUnit: [undefined, '010105', '31010', '3101055', 310105, '３１０１０５', '910000', ''],
  occurredAt: [
    undefined,
    '2024-06-20T10:00:00Z',
    '2024-06-20T10:00:00',
    '2024-02-30T10:00:00Z',
    '2023-02-29T10:00:00Z',
    '2024-06-20',
    '2024-06-20T24:00:00Z',
    '2024-06-20 10:00:00+08:00',
    '2024-06-20T10:00:00+0800',
    '',
    1718848800000,
  ],
  correlationId: ['x', null, 5, '', OTHER],
  causationId: ['x', 5, '', OTHER, null],
  actor: [
    undefined,
    null,
    [],
    {},
    'bench',
    { officerId: '' },
    { officerId: '-lead' },
    { officerId: 'a'.repeat(128) },
    { officerId: 'a'.repeat(129) },
    { officerId: 'bench', extra: 1 },
    { officerId: 'bench', unit: '' },
    { officerId: 'bench', unit: 'a\u200Bb' },
    { officerId: 'bench', unit: 'x'.repeat(129) },
    { officerId: 'bench', unit: 5 },
    { officerId: 'bench', unit: null },
    { officerId: 5 },
  ],
  data: [undefined, 0, '', false, {}],
  unknownField: [1, null, 'x'],
};

/** Every valid envelope with each field set to each of its values (undefined: left out). */
function variants(): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const base of VALID)
    for (const [field, values] of Object.entries(FIELD_VALUES))
      for (const value of values) {
        const copy: Record<string, unknown> = { ...base };
        if (value === undefined) delete copy[field];
        else copy[field] = value;
        out.push(copy);
      }
  return out;
}

describe('the envelope fast path', () => {
  it('takes every valid envelope, giving exactly what zod gives, keys in the same order', () => {
    for (const raw of VALID) {
      const parsed = PublishedEnvelope.safeParse(raw);
      expect(parsed.success).toBe(true);
      const fast = envelopeFastPath(raw);
      expect(fast).toBeDefined();
      expect(fast).toEqual(parsed.data);
      expect(JSON.stringify(fast)).toBe(JSON.stringify(parsed.data));
    }
  });

  it('agrees with zod on every JSON envelope: it takes what zod takes, as zod gives it, and nothing else', () => {
    const all = variants();
    let taken = 0;
    let refused = 0;
    for (const variant of all) {
      // As a body or a Kafka message gives it: parsed JSON.
      const raw = JSON.parse(JSON.stringify(variant)) as unknown;
      const parsed = PublishedEnvelope.safeParse(raw);
      const fast = envelopeFastPath(raw);
      expect({ raw, fast: fast !== undefined }).toEqual({ raw, fast: parsed.success });
      if (parsed.success) {
        taken += 1;
        expect(JSON.stringify(fast)).toBe(JSON.stringify(parsed.data));
      } else refused += 1;
    }
    // Both kinds in numbers: the comparison above was made on each.
    expect(taken).toBeGreaterThan(30);
    expect(refused).toBeGreaterThan(150);
  });

  it('is never more lenient than zod with values JSON cannot give', () => {
    const base = VALID[0]!;
    const odd: unknown[] = [
      null,
      'x',
      5,
      [base],
      Object.assign(Object.create(null) as object, base),
      new (class Envelope {
        constructor() {
          Object.assign(this, base);
        }
      })(),
      { ...base, schemaVersion: Number.NaN },
      { ...base, schemaVersion: Infinity },
      { ...base, schemaVersion: 1n },
      { ...base, actor: new Map([['officerId', 'bench']]) },
      { ...base, occurredAt: new Date() },
    ];
    for (const raw of odd) {
      const fast = envelopeFastPath(raw);
      if (fast !== undefined) {
        const parsed = PublishedEnvelope.safeParse(raw);
        expect(parsed.success).toBe(true);
        expect(fast).toEqual(parsed.data);
      }
    }
  });
});
