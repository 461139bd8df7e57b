/**
 * Abuse of the certificate endpoints, in process: names with invisible characters, times in
 * the future, compression and XLSX bombs. Each case is a regression test of issue 14.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { join } from 'node:path';
import { pino } from 'pino';
import request from 'supertest';
import { certificateRegistryProjection, clockAt } from '@hub/domain';
import { published, residentIdFor } from '@hub/domain/testing';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import {
  createIngestionApp,
  HubRecorder,
  createIngestionMetrics,
  publishAsAgencies,
  SqliteCredentialStore,
} from '@hub/ingestion';
import { PersonalDataVault } from '@hub/personal-data';
import { ProjectionRunner, SqliteReadModelStore } from '@hub/read-models';
import { fileSource, readTable } from '../files/table-reader.js';
import {
  EXPORT_COLUMNS,
  EXPORT_REQUIRED,
  importIssuerExport,
} from '../import/import-issuer-export.js';
import { SqliteScreeningJobStore } from '../screening/jobs/sqlite-job-store.js';
import { certificatesRouter } from './certificates-router.js';
import { memoryAuditTrail } from '@hub/audit';

const ID = residentIdFor('19800101', 1);
const NOW = new Date('2024-07-01T02:00:00Z');

let dir: string;
let store: SqliteEventStore;
let readModels: SqliteReadModelStore;
let credentials: SqliteCredentialStore;
let jobs: SqliteScreeningJobStore;
let vault: PersonalDataVault;
let app: ReturnType<typeof createIngestionApp>;
let token: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hub-cert-abuse-'));
  store = new SqliteEventStore({ filename: join(dir, 'events.db') });
  readModels = new SqliteReadModelStore(join(dir, 'read.db'));
  credentials = new SqliteCredentialStore(join(dir, 'hub.db'));
  jobs = new SqliteScreeningJobStore(join(dir, 'hub.db'), join(dir, 'screenings'));
  vault = new PersonalDataVault({ id: 'k1', secret: randomBytes(32) });
  const issued = published(
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
  );
  expect(
    (
      await publishAsAgencies(store, [{ agency: 'construction', event: issued }], {
        sealing: vault,
      })
    ).problems,
  ).toEqual([]);
  await new ProjectionRunner({
    store,
    readModels,
    projections: [certificateRegistryProjection(vault)],
  }).catchUp();
  app = createIngestionApp({
    audit: memoryAuditTrail(),
    store,
    credentials,
    logger: pino({ level: 'silent' }),
    metrics: createIngestionMetrics(),
    bodyLimit: '64kb',
    sealing: vault,
    routers: [
      certificatesRouter({
        audit: memoryAuditTrail(),
        recorder: new HubRecorder(store, { sealing: vault, now: () => NOW }),
        readModels,
        vault,
        jobs,
        now: () => NOW,
        inflation: { maxSharedStringsBytes: 64 * 1024 },
      }),
    ],
  });
  token = (await credentials.create('construction', 'test', ['000000'])).token;
});
afterAll(async () => {
  await jobs.close();
  await credentials.close();
  await readModels.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const verify = (body: object) =>
  request(app)
    .post('/v1/certificates/verifications')
    .set('Authorization', `Bearer ${token}`)
    .send({
      verificationId: 'VER-1',
      reportingUnit: '310105',
      certificate: { type: 'construction_special_operations', number: 'A100001' },
      ...body,
    });

describe('certificate verification over HTTP', () => {
  describe('when the holder name seen on the card holds a zero-width space', () => {
    it('answers 400 with a stable code, not a false data_mismatch (疑似涂改)', async () => {
      const res = await verify({ holder: { idNumber: ID, name: '工人\u200B一' } });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        code: 'NAME_INVISIBLE_CHARACTER',
        detail: expect.stringMatching(/^holder\.name: 姓名含不可见字符/),
      });
    });

    it('still finds the certificate valid with the name as registered', async () => {
      const res = await verify({ holder: { idNumber: ID, name: '工人一' } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ result: 'valid' });
    });
  });
});

describe('events the hub records, dated by the caller', () => {
  describe('when a verification says it was checked a year from now', () => {
    it('answers 400 and records nothing', async () => {
      const checkedAt = new Date(Date.now() + 365 * 86_400_000).toISOString();
      const res = await verify({
        verificationId: 'VER-FUTURE',
        inspectionId: 'INS-1',
        checkedAt,
      });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([
        expect.objectContaining({ pointer: '/events/0/occurredAt', code: 'OCCURRED_IN_FUTURE' }),
      ]);
      const types = (await store.readAll()).map((e) => e.type);
      expect(types).not.toContain('CertificateVerified');
    });
  });
});

describe('an issuer export imported with a certificate issued in the future', () => {
  it('reports that row at its issue date, and imports the others', async () => {
    const file = join(dir, 'future.csv');
    writeFileSync(
      file,
      [
        '证书编号,身份证号,姓名,作业类别,操作项目,发证日期,有效期至,发证机关',
        `A200001,${residentIdFor('19800101', 2)},工人二,建筑电工,建筑电工,2022-03-01,2028-02-28,上海市住房和城乡建设管理委员会`,
        `A200002,${residentIdFor('19800101', 3)},工人三,建筑电工,建筑电工,2031-03-01,2037-02-28,上海市住房和城乡建设管理委员会`,
      ].join('\n'),
    );
    const result = await importIssuerExport(
      store,
      readTable(fileSource(file), 'csv', EXPORT_COLUMNS, EXPORT_REQUIRED),
      {
        agency: 'construction',
        certificateType: 'construction_special_operations',
        reportingUnit: '310000',
        officerId: 'test',
        recordingClock: () => clockAt(NOW),
        sealing: vault,
      },
    );
    expect(result).toMatchObject({ rows: 2, imported: 1 });
    expect(result.problems).toEqual([
      expect.objectContaining({
        line: 3,
        column: 'issuedOn',
        message: expect.stringMatching(/^时间 2031-03-01T00:00:00\+08:00 晚于平台当前时间/),
      }),
    ]);
  });
});

const screen = (body: Buffer, headers: Record<string, string>) =>
  request(app)
    .post('/v1/certificates/screenings?purpose=用人单位自查名单比对&reportingUnit=310105')
    .set('Authorization', `Bearer ${token}`)
    .set(headers)
    .send(body);
const ROSTER_HEADER = '证书类型,证书编号,身份证号,姓名\n';
const rosterRow = `construction_special_operations,A100001,${ID},工人一\n`;

describe('roster screening bodies', () => {
  describe('when a gzip body inflates like a bomb (149 kB became 150 MB)', () => {
    it('answers 413 with the stable code, Chinese first, and takes no job', async () => {
      const bomb = gzipSync(ROSTER_HEADER + rosterRow.repeat(400_000));
      expect(bomb.length).toBeLessThan(200 * 1024);
      const jobsBefore = (await store.readAll()).length;
      const res = await screen(bomb, { 'Content-Type': 'text/csv', 'Content-Encoding': 'gzip' });
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({
        code: 'COMPRESSION_RATIO_TOO_HIGH',
        detail: expect.stringMatching(/^压缩比超过 100:1，疑似压缩炸弹，已拒绝；/),
      });
      expect((await store.readAll()).length).toBe(jobsBefore);
    });
  });

  describe('when a gzip roster compresses as real rosters do', () => {
    it('screens it', async () => {
      const res = await screen(gzipSync(ROSTER_HEADER + rosterRow), {
        'Content-Type': 'text/csv',
        'Content-Encoding': 'gzip',
      });
      expect(res.status).toBe(202);
      const status = (res.body as { status: string }).status;
      let job = { status: 'running', rows: 0 };
      for (let i = 0; i < 100 && job.status === 'running'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        job = (await request(app).get(status).set('Authorization', `Bearer ${token}`))
          .body as typeof job;
      }
      expect(job).toMatchObject({ status: 'done', rows: 1 });
    });
  });

  describe('when the body says an encoding the hub does not read', () => {
    it('answers 415', async () => {
      const res = await screen(Buffer.from(ROSTER_HEADER), {
        'Content-Type': 'text/csv',
        'Content-Encoding': 'compress',
      });
      expect(res.status).toBe(415);
      expect(res.body).toMatchObject({ code: 'UNSUPPORTED_CONTENT_ENCODING' });
    });
  });

  describe('when an XLSX roster has a shared-strings table past its limit', () => {
    it('answers 413 before taking the job, naming the part', async () => {
      const book = new ExcelJS.Workbook();
      const sheet = book.addWorksheet('名单');
      sheet.addRow(['证书类型', '证书编号', '身份证号', '姓名']);
      for (let i = 0; i < 3000; i++)
        sheet.addRow(['construction_special_operations', `A${200000 + i}`, ID, `工人${i}号`]);
      const xlsx = Buffer.from(await book.xlsx.writeBuffer());
      const res = await screen(xlsx, {
        'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      });
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({
        code: 'XLSX_PART_TOO_LARGE',
        detail: expect.stringMatching(/^XLSX 共享字符串表/),
      });
    });
  });
});
