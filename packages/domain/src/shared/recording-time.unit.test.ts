import { validatePublishedEvent } from '../ingestion/validate-published-event.js';
import { eventJsonSchemas } from '../json-schemas.js';
import { inspection, published, TEST_SEALER } from '../testing/index.js';
import { flagLateEntry } from '../projections/timeline.js';
import { clockAt, futureProblem, HAPPENED_FIELDS, recordingFlag } from './recording-time.js';

/** The hub's clock: 2024-07-01 08:00 in Shanghai, five minutes' tolerance. */
const clock = clockAt('2024-07-01T00:00:00Z', { futureToleranceMs: 5 * 60_000 });
const problemsOf = (event: unknown) => {
  const result = validatePublishedEvent(event, 'emergency', 0, { clock, sealer: TEST_SEALER });
  return result.ok ? [] : result.problems;
};
const at = (occurredAt: string) => ({
  ...inspection('INS-1', { inspectedOn: '1995-03-01' }),
  occurredAt,
});

describe('when events say they happened', () => {
  describe('given an event dated a year ahead of the hub', () => {
    it('refuses it at occurredAt, with a stable code, Chinese first', () => {
      expect(problemsOf(at('2025-07-01T08:00:00+08:00'))).toEqual([
        {
          index: 0,
          pointer: '/events/0/occurredAt',
          kind: 'invalid',
          code: 'OCCURRED_IN_FUTURE',
          message: expect.stringMatching(/^时间 2025-07-01T08:00:00\+08:00 晚于平台当前时间/),
        },
      ]);
    });
  });

  describe('given an agency clock a little ahead of the hub', () => {
    it('accepts four minutes ahead and refuses six: the tolerance is five', () => {
      expect(problemsOf(at('2024-07-01T08:04:00+08:00'))).toEqual([]);
      expect(problemsOf(at('2024-07-01T08:06:00+08:00'))).toHaveLength(1);
    });
  });

  describe('given a date inside the data that lies in the future', () => {
    it('refuses an inspection dated tomorrow in Shanghai', () => {
      const event = inspection('INS-1', { inspectedOn: '2024-07-02' });
      expect(problemsOf(event)).toEqual([
        expect.objectContaining({
          pointer: '/events/0/data/inspectedOn',
          code: 'OCCURRED_IN_FUTURE',
        }),
      ]);
    });

    it('refuses a report to the head timed in the future', () => {
      const approved = published('ClueTransferApproved', {
        clueId: 'C-1',
        reportedAt: '2024-08-01T09:00:00+08:00',
      });
      expect(problemsOf(approved)).toEqual([
        expect.objectContaining({ pointer: '/events/0/data/reportedAt' }),
      ]);
    });

    it('accepts dates that lie ahead by nature: a deadline, a validity end', () => {
      const ordered = published('RectificationOrdered', {
        inspectionId: 'INS-1',
        subjectKind: 'employer',
        subject: { name: '甲公司' },
        findingIds: [],
        deadline: '2024-09-30',
      });
      expect(problemsOf(ordered)).toEqual([]);
    });
  });

  describe('given an event dated decades back', () => {
    const old = at('1995-03-01T09:00:00+08:00');

    it('accepts it: a late record is still a fact', () => {
      expect(problemsOf(old)).toEqual([]);
    });

    it('flags it as recorded late, by Asia/Shanghai days against the configured bound', () => {
      expect(recordingFlag('1995-03-01T09:00:00+08:00', '2024-07-01T00:00:00Z', 365)).toEqual({
        occurredOn: '1995-03-01',
        recordedAt: '2024-07-01T00:00:00Z',
        recordedLate: true,
      });
      expect(recordingFlag(20240301, Date.parse('2024-07-01T00:00:00Z'), 365).recordedLate).toBe(
        false,
      );
      expect(recordingFlag(20230630, '2024-06-30T15:59:00Z', 366).recordedLate).toBe(false);
      expect(recordingFlag(20230630, '2024-06-30T15:59:00Z', 365).recordedLate).toBe(true);
    });
  });

  describe("a timeline entry's flag (day counts, not calendar dates)", () => {
    /** Instants an hour or so either side of Shanghai midnights (16:00Z), over leap years. */
    const instants: string[] = [];
    for (let day = Date.parse('2019-12-25T00:00:00Z'); day < Date.parse('2025-03-05T00:00:00Z');)
      for (const minutes of [-61, -1, 0, 1, 59]) {
        instants.push(new Date(day + 16 * 3600_000 + minutes * 60_000).toISOString());
        day += 37 * 3600_000;
      }
    // Offsets other than Z name the same instants.
    const shifted = (instant: string) =>
      new Date(Date.parse(instant) + 8 * 3600_000).toISOString().replace('Z', '+08:00');

    it('flags exactly what the calendar rule (recordingFlag) flags, at every bound', () => {
      let compared = 0;
      let flagged = 0;
      for (let i = 0; i < instants.length; i += 7)
        for (let j = i; j < instants.length; j += 11)
          for (const bound of [0, 1, 30]) {
            const occurredAt = instants[i]!;
            const recordedAt = shifted(instants[j]!);
            const entry = {
              eventId: 'e',
              type: 'ClueTransferred',
              agency: 'emergency' as const,
              reportingUnit: '310105',
              facts: {},
              occurredAt,
              recordedAt,
            };
            const late = flagLateEntry(entry, bound).recordedLate === true;
            expect(late).toBe(recordingFlag(occurredAt, recordedAt, bound).recordedLate);
            compared++;
            if (late) flagged++;
          }
      // Both outcomes occur: the comparison is not of two constant answers.
      expect(flagged).toBeGreaterThan(100);
      expect(compared - flagged).toBeGreaterThan(100);
    });
  });

  describe('in every event type and version', () => {
    /** Dates that may lie ahead: ends of validity, deadlines, a suspension's span. */
    const MAY_BE_FUTURE = new Set(['validUntil', 'nextReviewDue', 'deadline', 'from', 'until']);
    const HAPPENED: ReadonlySet<string> = new Set(HAPPENED_FIELDS);
    type Json = Record<string, unknown>;
    function dates(schema: Json, key: string, out: string[]) {
      if (schema.format === 'date' || schema.format === 'date-time') out.push(key);
      for (const [k, v] of Object.entries((schema.properties as Record<string, Json>) ?? {}))
        dates(v, k, out);
      if (schema.items) dates(schema.items as Json, key, out);
      for (const a of [...((schema.anyOf as Json[]) ?? []), ...((schema.oneOf as Json[]) ?? [])])
        dates(a, key, out);
      return out;
    }
    const fields = [
      ...new Set(
        eventJsonSchemas()
          .filter((s) => s.file !== 'envelope.json')
          .flatMap(({ schema }) => dates(schema as Json, '', [])),
      ),
    ];

    it.each(fields)('%s is either checked against the future or may lie ahead', (field) => {
      expect(HAPPENED.has(field) !== MAY_BE_FUTURE.has(field)).toBe(true);
    });
  });
});

describe('when batches are checked against different clocks in turn', () => {
  it('judges each against its own clock, never the one asked about before', () => {
    const early = clockAt('2024-07-01T00:00:00Z', { futureToleranceMs: 0 });
    const late = clockAt('2024-07-03T00:00:00Z', { futureToleranceMs: 0 });
    const lenient = clockAt('2024-07-01T00:00:00Z', { futureToleranceMs: 2 * 86_400_000 });
    expect(futureProblem('2024-07-02', early)).toBeDefined();
    expect(futureProblem('2024-07-02', late)).toBeUndefined();
    expect(futureProblem('2024-07-02', early)).toBeDefined();
    expect(futureProblem('2024-07-02', lenient)).toBeUndefined();
    expect(futureProblem('2024-07-02T09:00:00+08:00', early)).toBeDefined();
    expect(futureProblem('2024-07-02T09:00:00+08:00', late)).toBeUndefined();
  });
});

describe('when a date is judged against the Shanghai day of the clock', () => {
  // 2024-07-01T16:30Z is already 2024-07-02 in Shanghai.
  const clock = clockAt('2024-07-01T16:30:00Z', { futureToleranceMs: 0 });

  it('takes the Shanghai day of the clock as today, and the day after as the future', () => {
    expect(futureProblem('2024-07-02', clock)).toBeUndefined();
    expect(futureProblem('2024-07-03', clock)?.code).toBe('OCCURRED_IN_FUTURE');
    expect(futureProblem('2025-01-01', clock)?.code).toBe('OCCURRED_IN_FUTURE');
    expect(futureProblem('2024-06-30', clock)).toBeUndefined();
    expect(futureProblem('9999-12-31', clock)?.code).toBe('OCCURRED_IN_FUTURE');
  });

  it('reads only YYYY-MM-DD in ASCII digits as a date: anything else is read as a time, as before', () => {
    // Full-width digits and a short month are no dates here; neither parses as a time either.
    expect(futureProblem('２０２５-07-03', clock)).toBeUndefined();
    expect(futureProblem('2025/07/03', clock)?.code).toBe(
      Number.isNaN(Date.parse('2025/07/03')) ? undefined : 'OCCURRED_IN_FUTURE',
    );
    expect(futureProblem('2025-07-03T00:00:00Z', clock)?.code).toBe('OCCURRED_IN_FUTURE');
  });
});
