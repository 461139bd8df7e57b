/**
 * The reporting API over the demo campaign, recorded as `hub demo` records it (each event 20
 * minutes after it happened): forms for any period and their listing, the one unknown-unit
 * check, and the ledger, the due list and the worklist as of an instant.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import request from 'supertest';
import {
  clockAt,
  DEFAULT_DEADLINE_RULES,
  DEFAULT_TRANSFER_CRITERIA,
  PROJECTIONS,
  type BimonthlyReading,
} from '@hub/domain';
import { DEMO_REFERENCE_DATE, generateDemoCampaign } from '@hub/demo';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { publishAsAgencies, sendErrorProblem } from '@hub/ingestion';
import { PersonalDataVault } from '@hub/personal-data';
import { memoryAuditTrail } from '@hub/audit';
import { ProjectionRunner, SqliteReadModelStore } from '@hub/read-models';
import { reportingRouter } from './reporting-router.js';

let dir: string;
let store: SqliteEventStore;
let readModels: SqliteReadModelStore;
let app: ReturnType<typeof appWith>;
const audit = memoryAuditTrail();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hub-reporting-'));
  let recordingAt = new Date();
  store = new SqliteEventStore({ filename: join(dir, 'events.db'), now: () => recordingAt });
  readModels = new SqliteReadModelStore(join(dir, 'hub.db'));
  const sealing = new PersonalDataVault({ id: 'k1', secret: randomBytes(32) });
  for (const demoEvent of generateDemoCampaign()) {
    recordingAt = new Date(demoEvent.recordedAt);
    const { problems } = await publishAsAgencies(store, [demoEvent], {
      sealing,
      clock: clockAt(recordingAt),
    });
    expect(problems).toEqual([]);
  }
  await new ProjectionRunner({ store, readModels, projections: PROJECTIONS }).catchUp();
  app = appWith();
}, 60_000);
afterAll(async () => {
  await readModels.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The router behind a nationwide credential and the hub's problem+json answers. */
const appWith = (bimonthlyReading?: BimonthlyReading) =>
  express()
    .use((req, _res, next) => {
      req.credential = {
        tokenId: 't',
        agency: 'emergency',
        units: ['000000'],
        label: 'test',
        createdAt: '2024-01-01T00:00:00Z',
        revokedAt: null,
      };
      next();
    })
    .use(
      reportingRouter({
        readModels,
        deadlineRules: DEFAULT_DEADLINE_RULES,
        transferCriteria: DEFAULT_TRANSFER_CRITERIA,
        audit,
        ...(bimonthlyReading ? { bimonthlyReading } : {}),
      }),
    )
    .use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
      if (!sendErrorProblem(res, error)) next(error);
    });
const asOf = encodeURIComponent(DEMO_REFERENCE_DATE);

describe('forms over HTTP', () => {
  it('lists each form with its lines, the header printed over each figure, and its periods', async () => {
    const res = await request(app).get('/v1/reports/forms').expect(200);
    const shanghai = (res.body as Array<Record<string, unknown>>).find(
      (f) => f.id === 'shanghai-2024',
    ) as {
      lines: Array<{ groupZh: string[]; figures: Array<Record<string, unknown>> }>;
      periods: Record<string, unknown>;
    };
    expect(shanghai.lines[0]).toEqual({
      groupZh: ['对企业执法检查情况'],
      figures: [{ id: 'inspectedEnterprises', headerZh: '开展执法检查的企业数量(家)', unit: '家' }],
    });
    expect(shanghai.lines.flatMap((l) => l.figures).map((f) => f.subHeaderZh)).toContain('人');
    expect(shanghai.periods).toMatchObject({
      rule: { kind: 'bimonthly', dueMonths: [8, 10, 12] },
      example: { period: '2024-08', from: '2024-07-01', to: '2024-08-31' },
      bimonthlyReading: 'ending',
    });
  });

  it('given any range of days, computes the form over exactly those days and names them in the title', async () => {
    const res = await request(app)
      .get('/v1/reports/forms/shanghai-2024?unit=310000&from=2024-07-01&to=2024-09-15')
      .expect(200);
    expect(res.body).toMatchObject({
      titleZh: '2024年7月1日至9月15日工作情况统计表',
      from: '2024-07-01',
      to: '2024-09-15',
      columns: [{ column: 0, from: '2024-07-01', to: '2024-09-15' }],
    });
    const body = res.body as {
      dueOn?: string;
      rows: Array<{ cells: Array<{ figureId: string }> }>;
    };
    expect(body.dueOn).toBeUndefined();
    expect(body.rows.at(-1)!.cells.find((c) => c.figureId === 'fines')).toMatchObject({
      headerZh: '罚款金额(万元)',
      groupZh: ['对企业执法检查情况'],
      unit: '万元',
    });
    // The export is on the audit record with the days it covered.
    const { records } = await audit.query({ action: 'export.form' }, { first: 1 });
    expect(records[0]?.subject).toMatchObject({
      form: 'shanghai-2024',
      unit: '310000',
      period: '2024-07-01..2024-09-15',
      format: 'json',
    });
  });

  it('reads the Shanghai due month as configured, and says so on the form', async () => {
    const ending = await request(app)
      .get('/v1/reports/forms/shanghai-2024?unit=310105&period=2024-08')
      .expect(200);
    const preceding = await request(appWith('preceding'))
      .get('/v1/reports/forms/shanghai-2024?unit=310105&period=2024-08')
      .expect(200);
    expect([ending.body.titleZh, preceding.body.titleZh]).toEqual([
      '2024年7-8月份工作情况统计表',
      '2024年6-7月份工作情况统计表',
    ]);
    expect(preceding.body.periodNoteZh).toContain('按报送月之前的两个月理解');
  });

  it('refuses a period and a range together, and a unit that exists nowhere, with their codes', async () => {
    const both = await request(app)
      .get(
        '/v1/reports/forms/jiangjin-2023?unit=500116&period=2023-08&from=2023-08-01&to=2023-08-31',
      )
      .expect(400);
    expect(both.body.code).toBe('INVALID_PERIOD');
    const typo = await request(app)
      .get('/v1/reports/forms/shanghai-2024?unit=310150&period=2024-08')
      .expect(404);
    expect(typo.body).toMatchObject({ code: 'UNKNOWN_UNIT' });
    expect(typo.body.detail).toMatch(/^未知的行政区划代码 310150/);
    await request(app).get('/v1/ledger/due?unit=310150').expect(404);
  });
});

describe('the ledger, the due list and the worklist as of an instant', () => {
  it('judges what is due at the instant given, not at the clock', async () => {
    const due = await request(app).get(`/v1/ledger/due?asOf=${asOf}`).expect(200);
    const byStatus = (status: string) =>
      (due.body as Array<{ clueId: string; status: string }>)
        .filter((s) => s.status === status)
        .map((s) => s.clueId)
        .sort();
    expect(byStatus('due')).toEqual(['CLUE-310105-2', 'CLUE-310106-3']);
    expect(byStatus('overdue')).toEqual(['CLUE-440703-2', 'CLUE-CYBER-1']);
    // Against today's clock the same steps are long overdue.
    const now = await request(app).get('/v1/ledger/due').expect(200);
    expect((now.body as Array<{ status: string }>).some((s) => s.status === 'due')).toBe(false);
  });

  it('shows only what had been recorded by then: a clue transferred later is unknown', async () => {
    const before = encodeURIComponent('2024-11-13T09:00:00+08:00');
    await request(app).get(`/v1/ledger/clues/CLUE-310105-2?asOf=${before}`).expect(404);
    const then = await request(app).get(`/v1/ledger/clues/CLUE-310105-2?asOf=${asOf}`).expect(200);
    expect(then.body).toMatchObject({ stage: 'received', open: true });
    const clues = await request(app).get(`/v1/ledger/clues?asOf=${before}`).expect(200);
    expect((clues.body as Array<{ clueId: string }>).map((c) => c.clueId)).not.toContain(
      'CLUE-310105-2',
    );
  });

  it('gives the worklist as it stood: the reverse link appears once the non-prosecution is recorded', async () => {
    const reasons = async (instant: string) =>
      (
        (
          await request(app)
            .get(`/v1/prosecution/worklist?asOf=${encodeURIComponent(instant)}`)
            .expect(200)
        ).body as Array<{ reasons: string[] }>
      ).flatMap((w) => w.reasons);
    expect(await reasons('2024-11-01T00:00:00+08:00')).not.toContain('awaiting_reply_to_opinion');
    expect(await reasons(DEMO_REFERENCE_DATE)).toEqual(
      expect.arrayContaining(['awaiting_prosecution_decision', 'awaiting_reply_to_opinion']),
    );
  });

  it('refuses an as-of that is not an instant with its offset', async () => {
    await request(app).get('/v1/ledger/due?asOf=2024-11-15').expect(400);
  });
});
