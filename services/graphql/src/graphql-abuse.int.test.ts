/**
 * GraphQL under abuse (issue 14): exact form values, late events flagged in the drill-down and
 * the ledger, names with invisible characters refused.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { DEFAULT_DEADLINE_RULES, PROJECTIONS, certificateRegistryProjection } from '@hub/domain';
import { published, residentIdFor, VALID_CREDIT_CODE } from '@hub/domain/testing';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { HubRecorder, publishAsAgencies } from '@hub/ingestion';
import { PersonalDataVault } from '@hub/personal-data';
import { ProjectionRunner, SqliteReadModelStore } from '@hub/read-models';
import { SqliteScreeningJobStore } from '@hub/certificates';
import { UserDirectory } from './auth/users.js';
import { createGraphqlApi } from './server.js';
import { memoryAuditTrail } from '@hub/audit';

const ID = residentIdFor('19800101', 1);
let dir: string;
let server: Server;
let url: string;
let api: Awaited<ReturnType<typeof createGraphqlApi>>;
let analyst: string;
const closers: Array<() => unknown> = [];

async function gql(query: string) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${analyst}` },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as {
    data?: Record<string, unknown>;
    errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hub-gql-abuse-'));
  const store = new SqliteEventStore({ filename: join(dir, 'events.db') });
  const readModels = new SqliteReadModelStore(join(dir, 'hub.db'));
  const vault = new PersonalDataVault({ id: 'k1', secret: randomBytes(32) });
  const jobs = new SqliteScreeningJobStore(join(dir, 'hub.db'), join(dir, 'screenings'));
  const users = new UserDirectory(join(dir, 'hub.db'), randomBytes(32));
  closers.push(
    () => users.close(),
    () => jobs.close(),
    () => readModels.close(),
    () => store.close(),
  );
  const fine = (amountFen: number) =>
    published(
      'FineImposed',
      {
        inspectionId: 'INS-1',
        decisionNo: '沪应急罚〔2024〕1号',
        subjectKind: 'employer',
        target: { kind: 'enterprise', enterprise: { creditCode: VALID_CREDIT_CODE, name: '甲' } },
        amountFen,
      },
      { schemaVersion: 2, occurredAt: '2024-07-10T10:00:00+08:00' },
    );
  // Recorded now, in 2026 or later: more than a year after they happened.
  const { problems } = await publishAsAgencies(
    store,
    [
      { agency: 'emergency', event: fine(123_450) },
      { agency: 'emergency', event: fine(100) },
      {
        agency: 'emergency',
        event: published(
          'ClueTransferred',
          {
            clueId: 'C-OLD',
            origin: 'enforcement',
            toPoliceUnit: '310105',
            suspectedOffence: '伪造、变造、买卖国家机关证件罪',
            suspects: 1,
            fakeCertificates: 1,
          },
          { occurredAt: '2024-07-10T10:00:00+08:00' },
        ),
      },
      {
        agency: 'construction',
        event: published(
          'CertificateIssued',
          {
            certificateType: 'construction_special_operations',
            number: 'A100001',
            holder: { idNumber: ID, name: '工人一' },
            operationCategory: '建筑电工',
            operationItem: '建筑电工',
            issuedOn: '2022-03-01',
            validUntil: '2030-02-28',
            issuingAuthority: '上海市住房和城乡建设管理委员会',
          },
          { reportingUnit: '310000', occurredAt: '2022-03-01T09:00:00+08:00' },
        ),
      },
    ],
    { sealing: vault },
  );
  expect(problems).toEqual([]);
  await new ProjectionRunner({
    store,
    readModels,
    projections: [...PROJECTIONS, certificateRegistryProjection(vault)],
  }).catchUp();
  analyst = (await users.create({ name: '专班分析员', role: 'analyst', units: ['310000'] })).token;
  api = await createGraphqlApi({
    audit: memoryAuditTrail(),
    readModels,
    store,
    recorder: new HubRecorder(store, { sealing: vault }),
    vault,
    jobs,
    users,
    deadlineRules: DEFAULT_DEADLINE_RULES,
    production: true,
    lateAfterDays: 365,
  });
  const app = express();
  app.use(api.router);
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await api.stop();
  await new Promise((r) => server.close(r));
  for (const close of closers) await close();
  rmSync(dir, { recursive: true, force: true });
});

const cell = '(formId: "shanghai-2024", figureId: "fines", unit: "310000", period: "2024-08")';

describe('GraphQL forms', () => {
  it('gives a cell value as exact decimal digits (a String, not a Float)', async () => {
    const { data, errors } = await gql(
      '{ form(formId: "shanghai-2024", unit: "310000", period: "2024-08") { rows { cells { figureId value display } } } }',
    );
    expect(errors).toBeUndefined();
    const rows = (data!.form as { rows: Array<{ cells: Array<Record<string, unknown>> }> }).rows;
    expect(rows.at(-1)!.cells.find((c) => c.figureId === 'fines')).toEqual({
      figureId: 'fines',
      value: '123550',
      display: '0.12355',
    });
  });

  it('flags the events behind a cell that were recorded long after they happened', async () => {
    const { data, errors } = await gql(
      `{ formCellEventDetails${cell} { eventId occurredOn recordedAt recordedLate } }`,
    );
    expect(errors).toBeUndefined();
    const events = data!.formCellEventDetails as Array<Record<string, unknown>>;
    expect(events).toHaveLength(2);
    for (const e of events)
      expect(e).toMatchObject({ occurredOn: '2024-07-10', recordedLate: true });
  });
});

describe('GraphQL ledger', () => {
  it('flags a timeline entry recorded long after it happened', async () => {
    const { data, errors } = await gql(
      '{ clue(clueId: "C-OLD") { timeline { eventId occurredAt recordedAt recordedLate } } }',
    );
    expect(errors).toBeUndefined();
    expect((data!.clue as { timeline: unknown[] }).timeline).toEqual([
      expect.objectContaining({ recordedLate: true, recordedAt: expect.any(String) }),
    ]);
  });
});

describe('GraphQL verification', () => {
  it('refuses a holder name with a zero-width space as the user’s error, not a false 疑似涂改', async () => {
    const { data, errors } = await gql(
      `{ verifyCertificate(input: { certificateType: "construction_special_operations", number: "A100001", holderIdNumber: "${ID}", holderName: "工人\\u200B一" }) { result } }`,
    );
    expect(data?.verifyCertificate ?? null).toBeNull();
    expect(errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/^holder\.name: 姓名含不可见字符/),
        extensions: expect.objectContaining({
          code: 'BAD_USER_INPUT',
          reason: 'NAME_INVISIBLE_CHARACTER',
        }),
      }),
    ]);
  });
});
