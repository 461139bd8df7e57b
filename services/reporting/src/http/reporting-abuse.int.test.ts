/**
 * Reports under abuse, in process (issue 14): totals past 2^53 fen exact in every format, and
 * names with invisible characters refused.
 */
import { Readable } from 'node:stream';
import express from 'express';
import ExcelJS from 'exceljs';
import request from 'supertest';
import { DEFAULT_DEADLINE_RULES, DEFAULT_TRANSFER_CRITERIA, STATISTIC_MEASURES } from '@hub/domain';
import { SHANGHAI_2024 } from '@hub/domain';
import type { ReadModelStore } from '@hub/read-models';
import { reportingRouter } from './reporting-router.js';
import { memoryAuditTrail } from '@hub/audit';

/** 2^53 × 100 + 1 fen: past the range where a number is exact, and past 10^17. */
const HUGE = 2n ** 53n * 100n + 1n;
const fines = STATISTIC_MEASURES.idOf(
  SHANGHAI_2024.lines.flatMap((l) => l.figures).find((f) => f.id === 'fines')!.measure,
);

const RECORDED = Date.parse('2024-08-01T02:00:00Z');
/** A clue transferred in 1995 and recorded in 2024, next to one recorded on time. */
const ledger = {
  key: 'C-1',
  timeline: [
    {
      eventId: 'old',
      type: 'ClueTransferred',
      agency: 'emergency',
      reportingUnit: '310105',
      occurredAt: '1995-03-01T10:00:00+08:00',
      recordedAt: new Date(RECORDED).toISOString(),
      facts: { toPoliceUnit: '310105', origin: 'enforcement', suspects: 1, fakeCertificates: 1 },
    },
    {
      eventId: 'new',
      type: 'ClueReceiptSigned',
      agency: 'police',
      reportingUnit: '310105',
      occurredAt: '2024-07-31T10:00:00+08:00',
      recordedAt: new Date(RECORDED).toISOString(),
      facts: {},
    },
  ],
};

/** Read models whose only figure is a fines total of HUGE fen in every district. */
const readModels = {
  checkpoints: async () => [],
  trace: async () => [
    { eventId: 'old', day: 19950301, recordedMs: RECORDED, position: 1n },
    { eventId: 'new', day: 20240731, recordedMs: RECORDED, position: 2n },
  ],
  listDocuments: async () => [{ key: 'C-1', value: ledger }],
  getDocuments: async () => new Map([['C-1', ledger]]),
  aggregate: async (query: { measureId: number; groupDigits: number }) =>
    query.measureId !== fines
      ? new Map<string, bigint>()
      : new Map([[query.groupDigits ? '310100' : '', HUGE]]),
} as Partial<ReadModelStore>;

// A nationwide agency credential, as the hub's authentication would set it.
const app = express().use(
  (req, _res, next) => {
    req.credential = {
      tokenId: 't',
      agency: 'emergency',
      units: ['000000'],
      label: 'test',
      createdAt: '2024-01-01T00:00:00Z',
      revokedAt: null,
    };
    next();
  },
  reportingRouter({
    readModels: readModels as ReadModelStore,
    deadlineRules: DEFAULT_DEADLINE_RULES,
    transferCriteria: DEFAULT_TRANSFER_CRITERIA,
    lateAfterDays: 30,
    audit: memoryAuditTrail(),
  }),
);
const form = async (format: string, extra = '') => {
  const res = await request(app)
    .get(`/v1/reports/forms/shanghai-2024?unit=310000&period=2024-08&format=${format}${extra}`)
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
  return { status: res.status, body: res.body as Buffer };
};

describe('a fines total past 2^53 fen', () => {
  it('is exact in JSON: the value as decimal digits, the display in 万元', async () => {
    const res = await form('json');
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body.toString()) as {
      rows: Array<{ cells: Array<{ figureId: string; value: unknown; display: string }> }>;
    };
    const total = body.rows.at(-1)!.cells.find((c) => c.figureId === 'fines');
    expect(total).toEqual(
      expect.objectContaining({ value: '900719925474099201', display: '900719925474.099201' }),
    );
  });

  it('is exact in CSV', async () => {
    expect((await form('csv')).body.toString()).toContain(',900719925474.099201,');
  });

  it('is exact in XLSX: text where a spreadsheet number would round, numbers elsewhere', async () => {
    const book = new ExcelJS.Workbook();
    await book.xlsx.read(Readable.from([(await form('xlsx')).body]));
    const values = book.worksheets[0]!.getSheetValues().flat();
    expect(values).toContain('900719925474.099201');
    expect(values).not.toContain(900719925474.0992);
    expect(values).toContain(0);
  });
});

describe('the form filler', () => {
  it('refuses a name with a zero-width space', async () => {
    const res = await form('csv', `&filledBy=${encodeURIComponent('张\u200B三')}`);
    expect(res.status).toBe(400);
    expect(res.body.toString()).toMatch(/姓名含不可见字符/);
  });
});

describe('an event recorded long after it happened', () => {
  it('is flagged in the forms drill-down, with the day it counts in and when it was recorded', async () => {
    const res = await request(app).get(
      '/v1/reports/forms/shanghai-2024/figures/fines/events?unit=310000&period=2024-08',
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      eventIds: ['old', 'new'],
      lateAfterDays: 30,
      events: [
        {
          eventId: 'old',
          occurredOn: '1995-03-01',
          recordedAt: '2024-08-01T02:00:00.000Z',
          recordedLate: true,
        },
        {
          eventId: 'new',
          occurredOn: '2024-07-31',
          recordedAt: '2024-08-01T02:00:00.000Z',
          recordedLate: false,
        },
      ],
    });
  });

  it('is flagged in the clue ledger and in one clue', async () => {
    for (const path of ['/v1/ledger/clues', '/v1/ledger/clues/C-1']) {
      const res = await request(app).get(path);
      const clue = (Array.isArray(res.body) ? res.body[0] : res.body) as {
        timeline: Array<{ eventId: string; recordedLate?: boolean }>;
      };
      expect(clue.timeline.map((e) => [e.eventId, e.recordedLate ?? false])).toEqual([
        ['old', true],
        ['new', false],
      ]);
    }
  });
});
