/**
 * A campaign end to end through a running hub: seven agencies publish over HTTP (the police
 * decision before the transfer it answers), and the three official forms, the clue ledger,
 * the procurator's worklist and the 以罚代刑 flags are checked against figures worked out by
 * hand below, in JSON, CSV and XLSX.
 */
import { rmSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { AGENCIES, type Agency, type PublishedEnvelope } from '@hub/domain';
import { creditCodeFor, published, residentIdFor } from '@hub/domain/testing';
import {
  createTokens,
  startHubProcess,
  tempDataDir,
  waitForProjections,
  type HubProcess,
} from '../support/hub-process';

jest.setTimeout(120_000);

const E1 = creditCodeFor('MA1FL3LH3', '310105');
const E2 = creditCodeFor('MA1FL3LH4', '310104');
const E3 = creditCodeFor('MA1FL3LH5', '310105');
const E4 = creditCodeFor('MA1FL3LH6', '440703');
const E5 = creditCodeFor('MA1FL3LH7', '440703');
const [E6, E7, E8] = ['MA1FL3LH8', 'MA1FL3LH9', 'MA1FL3LJ0'].map((b) => creditCodeFor(b, '120101'));
const W = Array.from({ length: 10 }, (_, i) => ({
  idNumber: residentIdFor('19800101', 100 + i, '310105'),
  name: `工人${i}`,
}));

type Sent = { agency: Agency; event: PublishedEnvelope };
const ev =
  (agency: Agency, unit: string) =>
  (type: string, at: string, data: object): Sent => ({
    agency,
    event: published(type, data, {
      reportingUnit: unit,
      occurredAt: at,
      // FineImposed is at version 2 (amounts in fen).
      schemaVersion: type === 'FineImposed' ? 2 : 1,
    }),
  });
const h = (day: string, time = '10:00') => `${day}T${time}:00+08:00`;
const employer = (creditCode: string, name: string) => ({ creditCode, name });
const transfer = (clueId: string, origin: string, extra: object = {}) => ({
  clueId,
  origin,
  toPoliceUnit: '310105',
  suspectedOffence: '伪造、变造、买卖国家机关证件罪',
  suspects: 1,
  fakeCertificates: 2,
  ...extra,
});
const fine = (
  inspectionId: string,
  subjectKind: string,
  creditCode: string,
  amountFen: number,
) => ({
  inspectionId,
  decisionNo: `罚〔2024〕${amountFen}号`,
  subjectKind,
  target: { kind: 'enterprise', enterprise: employer(creditCode, '某单位') },
  amountFen,
});

// 长宁区 (310105), July 2024: emergency inspects E1, transfers CL-1; police file K-1.
const changningEmergency = ev('emergency', '310105');
const changningPolice = ev('police', '310105');
const INS_A1 = [
  changningEmergency('InspectionConducted', h('2024-07-03'), {
    inspectionId: 'INS-A1',
    subjectKind: 'employer',
    subject: employer(E1, '甲机械有限公司'),
    method: 'special',
    inspectedOn: '2024-07-03',
    workersChecked: 10,
  }),
  ...[
    ['F1', 'forged', W[1]],
    ['F2', 'no_certificate', W[2]],
    ['F3', 'forged', W[1]],
  ].map(([findingId, kind, worker]) =>
    changningEmergency('FindingRecorded', h('2024-07-03', '11:00'), {
      inspectionId: 'INS-A1',
      findingId,
      subjectKind: 'employer',
      kind,
      worker,
    }),
  ),
  changningEmergency('RectificationOrdered', h('2024-07-04'), {
    inspectionId: 'INS-A1',
    subjectKind: 'employer',
    subject: employer(E1, '甲机械有限公司'),
    findingIds: ['F1', 'F2', 'F3'],
    deadline: '2024-08-04',
  }),
  changningEmergency('FineImposed', h('2024-07-04'), fine('INS-A1', 'employer', E1, 1_234_500)),
];
const CL1_TRANSFER = changningEmergency(
  'ClueTransferred',
  h('2024-07-05', '15:00'),
  transfer('CL-1', 'enforcement', { suspects: 2, relatedInspectionIds: ['INS-A1'] }),
);
const CL1 = [
  changningEmergency('ClueTransferApproved', h('2024-07-05', '09:00'), {
    clueId: 'CL-1',
    reportedAt: h('2024-07-04', '09:00'),
  }),
  CL1_TRANSFER,
  changningEmergency('CaseMaterialsHandedOver', h('2024-07-09', '09:00'), {
    clueId: 'CL-1',
    caseId: 'K-1',
    items: 4,
  }),
];
// Recorded before the transfer they answer: the police system was quicker.
const CL1_POLICE_FIRST = [
  changningPolice('ClueReceiptSigned', h('2024-07-05', '16:00'), {
    clueId: 'CL-1',
    transferringAgency: 'emergency',
    receivedAt: h('2024-07-05', '16:00'),
  }),
  changningPolice('CaseFiled', h('2024-07-07'), {
    caseId: 'K-1',
    clueId: 'CL-1',
    transferringAgency: 'emergency',
    suspects: 2,
    offence: '买卖国家机关证件罪',
  }),
];
const K1_LATER = [
  ev('procuratorate', '310105')('EarlyInterventionStarted', h('2024-07-10'), {
    caseId: 'K-1',
    procurator: 'P-1',
  }),
  changningPolice('CaseSentForProsecution', h('2024-09-05'), { caseId: 'K-1', suspects: 2 }),
  ev('procuratorate', '310105')('ProsecutionFiled', h('2024-09-20'), {
    caseId: 'K-1',
    defendants: 2,
    charges: '买卖国家机关证件罪',
    courtUnit: '长宁区人民法院',
  }),
  ev('court', '310105')('CaseAcceptedByCourt', h('2024-09-25'), {
    caseId: 'K-1',
    courtCaseNo: '（2024）沪0105刑初1号',
  }),
  ev('court', '310105')('JudgmentDelivered', h('2024-10-15'), {
    caseId: 'K-1',
    courtCaseNo: '（2024）沪0105刑初1号',
    convictedPersons: 2,
    acquittedPersons: 0,
    deliveredOn: '2024-10-15',
    statute: '刑法第二百八十条',
  }),
];

// 徐汇区 (310104), August 2024: construction inspects E2; CL-2 declined, reconsidered, penalty.
const xuhuiConstruction = ev('construction', '310104');
const xuhuiPolice = ev('police', '310104');
const AUGUST = [
  xuhuiConstruction('InspectionConducted', h('2024-08-02'), {
    inspectionId: 'INS-B1',
    subjectKind: 'employer',
    subject: employer(E2, '乙建筑安装有限公司'),
    method: 'joint',
    inspectedOn: '2024-08-02',
    workersChecked: 6,
  }),
  xuhuiConstruction('FindingRecorded', h('2024-08-02', '11:00'), {
    inspectionId: 'INS-B1',
    findingId: 'F4',
    subjectKind: 'employer',
    kind: 'altered',
    worker: W[3],
  }),
  xuhuiConstruction('ProblemRectified', h('2024-08-20'), {
    inspectionId: 'INS-B1',
    findingId: 'F4',
    verifiedOn: '2024-08-20',
  }),
  xuhuiConstruction('ClueTransferred', h('2024-08-05'), transfer('CL-2', 'enforcement')),
  xuhuiPolice('CaseDeclined', h('2024-08-07', '09:00'), {
    clueId: 'CL-2',
    transferringAgency: 'construction',
    reasons: '情节显著轻微',
  }),
  xuhuiConstruction('ReconsiderationRequested', h('2024-08-09', '09:00'), {
    clueId: 'CL-2',
    grounds: '涉案证件3本',
  }),
  xuhuiPolice('ReconsiderationDecided', h('2024-08-11', '09:00'), {
    clueId: 'CL-2',
    transferringAgency: 'construction',
    outcome: 'refusal_upheld',
  }),
  xuhuiConstruction('ReturnedCasePenaltyDecided', h('2024-08-20'), {
    clueId: 'CL-2',
    trigger: 'case_declined',
    outcome: 'penalty_imposed',
    penaltyDecisionNos: ['徐建罚〔2024〕3号'],
    decidedOn: '2024-08-20',
  }),
  ev('cyberspace', '310104')('FakeWebsiteFound', h('2024-08-03'), {
    siteId: 'SITE-1',
    url: 'http://cx-mem-gov.example.cn/',
    kind: 'verification_platform',
    impersonates: '应急管理部特种作业操作证查询平台',
  }),
  ev('cyberspace', '310104')('IllegalInformationCleaned', h('2024-08-04'), {
    batchId: 'CLEAN-1',
    platform: '某社交平台',
    items: 15,
    kind: 'posts',
  }),
  ev('cyberspace', '310104')('ClueTransferred', h('2024-08-06'), transfer('CL-3', 'cyberspace')),
];

// September–October 2024: market inspects E3 and only fines (以罚代刑); K-2 not prosecuted; K-3 waits.
const changningMarket = ev('market', '310105');
const AUTUMN = [
  changningMarket('InspectionConducted', h('2024-09-10'), {
    inspectionId: 'INS-C1',
    subjectKind: 'employer',
    subject: employer(E3, '丙物业管理有限公司'),
    method: 'special',
    inspectedOn: '2024-09-10',
    workersChecked: 9,
  }),
  ...[4, 5, 6].map((i) =>
    changningMarket('FindingRecorded', h('2024-09-10', '11:00'), {
      inspectionId: 'INS-C1',
      findingId: `F${i + 1}`,
      subjectKind: 'employer',
      kind: 'bought',
      worker: W[i],
    }),
  ),
  changningMarket('FineImposed', h('2024-09-12'), fine('INS-C1', 'employer', E3, 500_000)),
  changningPolice('CaseFiled', h('2024-09-02'), {
    caseId: 'K-2',
    suspects: 1,
    offence: '使用虚假证件',
  }),
  changningPolice('CaseSentForProsecution', h('2024-09-20'), { caseId: 'K-2', suspects: 1 }),
  ev('procuratorate', '310105')('NonProsecutionDecided', h('2024-10-08'), {
    caseId: 'K-2',
    persons: 1,
    kind: 'discretionary',
    opinion: { opinionId: 'OP-1', addressee: 'market', recommendation: '建议给予行政处罚' },
  }),
  changningMarket('ReturnedCasePenaltyDecided', h('2024-10-20'), {
    caseId: 'K-2',
    trigger: 'non_prosecution',
    outcome: 'penalty_imposed',
    penaltyDecisionNos: ['长市监罚〔2024〕9号'],
    decidedOn: '2024-10-20',
  }),
  xuhuiPolice('CaseFiled', h('2024-10-01'), {
    caseId: 'K-3',
    suspects: 1,
    offence: '伪造国家机关证件罪',
  }),
  xuhuiPolice('CaseSentForProsecution', h('2024-10-10'), { caseId: 'K-3', suspects: 1 }),
];

// 蓬江区 (440703), August–September 2024: self-inspections and a training institution.
const jiangmen = ev('emergency', '440703');
const selfInspection = (reportId: string, creditCode: string, fakes: number) => ({
  reportId,
  enterprise: employer(creditCode, '丁化工有限公司'),
  specialOperationsWorkers: 20,
  certifiedWorkers: 20 - fakes,
  fakeCertificatesFound: fakes,
  uncertifiedWorkers: 0,
  reportedForHandling: fakes,
});
const GUANGDONG = [
  jiangmen('SelfInspectionReported', h('2024-08-20'), selfInspection('SI-5', E5, 1)),
  jiangmen('SelfInspectionReported', h('2024-09-05'), selfInspection('SI-4', E4, 2)),
  jiangmen('InspectionConducted', h('2024-09-12'), {
    inspectionId: 'INS-D1',
    subjectKind: 'training_institution',
    subject: employer(creditCodeFor('MA1FL3LJ1', '440703'), '某培训中心'),
    method: 'special',
    inspectedOn: '2024-09-12',
    workersChecked: 0,
  }),
  jiangmen('FindingRecorded', h('2024-09-12', '11:00'), {
    inspectionId: 'INS-D1',
    findingId: 'F8',
    subjectKind: 'training_institution',
    kind: 'forged',
    worker: W[7],
  }),
  jiangmen('FineImposed', h('2024-09-13'), fine('INS-D1', 'training_institution', E4, 300_000)),
];

// 和平区, Tianjin (120101), the 2023 campaign.
const tianjin = ev('emergency', '120101');
const TIANJIN = [
  ...[E6, E7, E8].map((e) =>
    tianjin('EnterpriseListedInArea', h('2023-07-01'), {
      enterprise: employer(e!, '戊制造有限公司'),
      listedOn: '2023-07-01',
    }),
  ),
  tianjin('SelfInspectionReported', h('2023-08-01'), {
    ...selfInspection('SI-6', E6!, 1),
    specialOperationsWorkers: 20,
    certifiedWorkers: 17,
    uncertifiedWorkers: 2,
  }),
  tianjin('InspectionConducted', h('2023-09-01'), {
    inspectionId: 'INS-T1',
    subjectKind: 'employer',
    subject: employer(E7!, '己制造有限公司'),
    method: 'special',
    inspectedOn: '2023-09-01',
    workersChecked: 8,
  }),
  ...[
    ['F9', 'expired', W[8]],
    ['F10', 'no_certificate', W[9]],
  ].map(([findingId, kind, worker]) =>
    tianjin('FindingRecorded', h('2023-09-01', '11:00'), {
      inspectionId: 'INS-T1',
      findingId,
      subjectKind: 'employer',
      kind,
      worker,
    }),
  ),
  tianjin('FineImposed', h('2023-09-02'), fine('INS-T1', 'employer', E7!, 2_000_000)),
  // After the campaign: not in the summary.
  tianjin('FineImposed', h('2023-12-20'), fine('INS-T1', 'employer', E7!, 100)),
];

const FIRST_BATCH = [...CL1_POLICE_FIRST, ...INS_A1, ...CL1, ...K1_LATER, ...TIANJIN];
const SECOND_BATCH = [...AUGUST, ...AUTUMN, ...GUANGDONG];

let dataDir: string;
let hub: HubProcess;
let tokens: Record<Agency, string>;
let asOfFirstBatch: string;

async function publish(sent: readonly Sent[]) {
  for (const { agency, event } of sent) {
    const res = await fetch(`${hub.url}/v1/events`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${tokens[agency]}` },
      body: JSON.stringify({ events: [event] }),
    });
    if (res.status !== 201) throw new Error(`${event.type}: ${res.status} ${await res.text()}`);
  }
}

async function get(path: string): Promise<Response> {
  return fetch(`${hub.url}${path}`, { headers: { Authorization: `Bearer ${tokens.emergency}` } });
}
async function json<T = unknown>(path: string): Promise<T> {
  const res = await get(path);
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const caughtUp = () => waitForProjections(hub.url);

type Form = {
  rows: Array<{
    unit: string;
    labelZh: string;
    cells: Array<{ figureId: string; column: number; display: string }>;
  }>;
};
const figures = (form: Form, row = form.rows.length - 1, column = 0) =>
  Object.fromEntries(
    form.rows[row]!.cells.filter((c) => c.column === column).map((c) => [c.figureId, c.display]),
  );

beforeAll(async () => {
  dataDir = tempDataDir();
  tokens = createTokens(dataDir, AGENCIES);
  hub = await startHubProcess({ HUB_DATA_DIR: dataDir });
  await publish(FIRST_BATCH);
  await caughtUp();
  await new Promise((r) => setTimeout(r, 50));
  asOfFirstBatch = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 50));
  await publish(SECOND_BATCH);
  await caughtUp();
});

afterAll(() => {
  hub?.child.kill('SIGKILL');
  if (!process.env.KEEP) rmSync(dataDir, { recursive: true, force: true });
  else console.log(dataDir);
});

describe('campaign reports, worked out by hand', () => {
  it('Shanghai form, July–August 2024, province-wide', async () => {
    const form = await json<Form>('/v1/reports/forms/shanghai-2024?unit=310000&period=2024-08');
    // Every district of Shanghai from the division table, zeros where nothing happened, then
    // the total (no 本级 row: nothing was reported under 310000 itself).
    expect(form.rows.map((r) => r.unit)).toEqual([
      ...['310101', '310104', '310105', '310106', '310107', '310109', '310110', '310112'],
      ...['310113', '310114', '310115', '310116', '310117', '310118', '310120', '310151'],
      '310000',
    ]);
    expect(form.rows.at(-1)!.labelZh).toBe('合计');
    expect(figures(form)).toEqual({
      inspectedEnterprises: '2', // E1, E2
      uncertifiedOrFakePersons: '3', // W1 (twice), W2, W3
      enterpriseProblems: '4', // F1–F4
      enterprisesOrderedToRectify: '1', // E1
      enterprisesSuspended: '0',
      fines: '1.2345', // 12,345.00 元 in 万元: two decimals, more where the amount needs them
      problemsRectified: '1', // F4
      enforcementCluesTransferred: '2', // CL-1, CL-2
      fakeWebsitesFound: '1',
      illegalInformationCleaned: '15',
      cyberspaceCluesTransferred: '1', // CL-3
      policeCases: '1', // K-1
      earlyInterventionCases: '1',
      prosecutedCases: '0',
      prosecutedPersons: '0',
      courtCases: '0',
    });
  });

  it('Shanghai form, September–October 2024, and one city split by district', async () => {
    const form = await json<Form>('/v1/reports/forms/shanghai-2024?unit=310000&period=2024-10');
    expect(figures(form)).toMatchObject({
      inspectedEnterprises: '1', // E3
      uncertifiedOrFakePersons: '3', // W4–W6
      enterpriseProblems: '3',
      fines: '0.50',
      enforcementCluesTransferred: '0',
      policeCases: '2', // K-2, K-3
      earlyInterventionCases: '0',
      prosecutedCases: '1', // K-1
      prosecutedPersons: '2',
      courtCases: '1',
    });
    const city = await json<Form>('/v1/reports/forms/shanghai-2024?unit=310100&period=2024-08');
    const row = (label: string) => city.rows.findIndex((r) => r.labelZh === label);
    expect(city.rows).toHaveLength(17);
    expect(city.rows.at(-1)!.labelZh).toBe('合计');
    expect(figures(city, row('徐汇区'))).toMatchObject({
      inspectedEnterprises: '1',
      enterpriseProblems: '1',
    });
    expect(figures(city, row('长宁区'))).toMatchObject({
      inspectedEnterprises: '1',
      enterpriseProblems: '3',
    });
    expect(figures(city, row('静安区'))).toMatchObject({ inspectedEnterprises: '0' });
  });

  it('Guangdong form, September 2024, with the cumulative column', async () => {
    const form = await json<Form>('/v1/reports/forms/guangdong-2018?unit=440700&period=2024-09');
    expect(figures(form, 0, 0)).toMatchObject({
      selfInspectedEmployers: '1',
      selfInspectionFakes: '2',
      selfInspectionReported: '2',
      trainingFakesFound: '1',
      trainingFines: '3000',
      employerFines: '0',
    });
    expect(figures(form, 0, 1)).toMatchObject({
      selfInspectedEmployers: '2', // E4 in September, E5 in August
      selfInspectionFakes: '3',
    });
  });

  it('Tianjin campaign summary, with the stock of listed enterprises and those that did not self-inspect', async () => {
    const form = await json<Form>('/v1/reports/forms/jiangjin-2023?unit=120000');
    expect(figures(form)).toEqual({
      enterprisesInArea: '3',
      selfInspected: '1',
      notSelfInspected: '2',
      selfInspectionFakes: '1',
      selfInspectionUncertified: '2',
      inspected: '1',
      orderedToRectify: '0',
      suspended: '0',
      fakesFound: '0',
      expired: '1',
      uncertified: '1',
      fines: '2.00', // the fine after the campaign is left out
    });
    const rates = await json<Array<{ id: string; perMille: number }>>(
      '/v1/reports/rates?unit=120000&from=2023-07-20&to=2023-12-10',
    );
    expect(rates).toEqual([
      expect.objectContaining({
        id: 'selfInspectionRate',
        numerator: 1,
        denominator: 3,
        perMille: 333,
      }),
      expect.objectContaining({
        id: 'certificateHoldingRate',
        numerator: 17,
        denominator: 20,
        perMille: 850,
      }),
    ]);
  });

  it('answers "as of" the moment before the second batch was recorded, and traces a cell to its events', async () => {
    const then = await json<Form>(
      `/v1/reports/forms/shanghai-2024?unit=310000&period=2024-08&asOf=${encodeURIComponent(asOfFirstBatch)}`,
    );
    expect(figures(then)).toMatchObject({
      inspectedEnterprises: '1',
      enterpriseProblems: '3',
      enforcementCluesTransferred: '1',
      fakeWebsitesFound: '0',
    });
    const traced = await json<{ eventIds: string[] }>(
      '/v1/reports/forms/shanghai-2024/figures/enforcementCluesTransferred/events?unit=310000&period=2024-08',
    );
    expect(traced.eventIds).toEqual([CL1_TRANSFER.event.id, AUGUST[3]!.event.id]);
  });

  it('exports the official layout as CSV and XLSX', async () => {
    const csv = await (
      await get(
        '/v1/reports/forms/shanghai-2024?unit=310000&period=2024-08&format=csv&filledBy=王五',
      )
    ).text();
    const lines = csv.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toBe('2024年7-8月份工作情况统计表');
    expect(lines[1]).toContain('填报单位：上海市');
    expect(lines[1]).toContain('填报人：王五');
    expect(lines[2]).toMatch(/^序号,省份,对企业执法检查情况,/);
    expect(lines[3]).toContain('开展执法检查的企业数量(家)');
    expect(lines[4]).toMatch(/,件,人,$/);
    expect(lines).toContain(',合计,2,3,4,1,0,1.2345,1,2,1,15,1,1,1,0,0,0');

    const res = await get(
      '/v1/reports/forms/guangdong-2018?unit=440700&period=2024-09&format=xlsx',
    );
    expect(res.headers.get('content-type')).toContain('spreadsheetml');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ArrayBuffer);
    const sheet = book.worksheets[0]!;
    expect(sheet.getCell('A1').value).toBe(
      '广东省打击假冒特种作业操作证专项治理情况统计表（2024年9月）',
    );
    expect(sheet.getCell('A2').value).toBe('单位：江门市');
    // 自纠自查情况 spans its eight rows; the first data row holds 用人单位（家）: 1 this month, 2 in all.
    const merges = (sheet.model as unknown as { merges: string[] }).merges;
    expect(merges).toContain('A4:A11');
    expect([
      sheet.getCell('C4').value,
      sheet.getCell('D4').value,
      sheet.getCell('E4').value,
    ]).toEqual(['用人单位（家）', 1, 2]);
  });
});

describe('linkage, worked out by hand', () => {
  type Clue = {
    clueId: string;
    stage: string;
    open: boolean;
    steps: Array<{ ruleId: string; status: string; party: string }>;
  };
  const statuses = (c: Clue) => Object.fromEntries(c.steps.map((s) => [s.ruleId, s.status]));

  it('tracks CL-1 through filing and hand-over although the police events arrived first', async () => {
    const cl1 = await json<Clue>('/v1/ledger/clues/CL-1');
    expect(cl1).toMatchObject({ stage: 'filed', open: false });
    expect(statuses(cl1)).toEqual({
      'transfer-approval': 'met', // reported 07-04 09:00, approved 07-05 09:00
      'transfer-after-approval': 'met', // 6 hours
      'filing-decision': 'met', // transferred 07-05 15:00, filed 07-07 10:00
      'materials-handover': 'met', // filed 07-07 10:00, handed over 07-09 09:00
    });
  });

  it('follows the declined CL-2 through reconsideration to the penalty, and shows CL-3 overdue at the police', async () => {
    const cl2 = await json<Clue>('/v1/ledger/clues/CL-2');
    expect(cl2).toMatchObject({ stage: 'penalty_decided', open: false });
    expect(statuses(cl2)).toEqual({
      'filing-decision': 'met',
      'reconsideration-request': 'met',
      'reconsideration-decision': 'met',
      'filing-supervision-request': 'expired',
      'declined-case-penalty': 'done',
    });
    const due =
      await json<Array<{ clueId: string; ruleId: string; status: string; party: string }>>(
        '/v1/ledger/due',
      );
    expect(due).toEqual([
      expect.objectContaining({
        clueId: 'CL-3',
        ruleId: 'filing-decision',
        status: 'overdue',
        party: 'police',
      }),
    ]);
    const open = await json<Clue[]>('/v1/ledger/clues?open=true');
    expect(open.map((c) => c.clueId)).toEqual(['CL-3']);
  });

  it('gives the procurator K-2 awaiting the reply to the opinion and K-3 awaiting a decision', async () => {
    const worklist = await json<Array<{ case: { caseId: string }; reasons: string[] }>>(
      '/v1/prosecution/worklist',
    );
    expect(worklist.map((w) => [w.case.caseId, w.reasons])).toEqual([
      ['K-2', ['awaiting_reply_to_opinion']],
      ['K-3', ['awaiting_prosecution_decision']],
    ]);
    expect(await json('/v1/prosecution/cases/K-1')).toMatchObject({
      stage: 'judged',
      earlyIntervention: true,
      prosecutedPersons: 2,
      judgment: { convictedPersons: 2 },
    });
  });

  it('flags the inspections closed with a fine where the criteria called for a transfer (以罚代刑)', async () => {
    const flags = await json<Array<{ inspectionId: string }>>(
      '/v1/ledger/penalty-instead-of-prosecution',
    );
    // INS-C1: three bought certificates, fined; INS-D1: a training institution with a forged one.
    // INS-A1 went to the police as CL-1.
    expect(flags.map((f) => f.inspectionId).sort()).toEqual(['INS-C1', 'INS-D1']);
  });

  it('answers bad queries with what is wrong and where', async () => {
    const bad = await get('/v1/reports/forms/shanghai-2024?unit=31&period=2024-08');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ detail: expect.stringContaining('unit') });
    const period = await get('/v1/reports/forms/shanghai-2024?unit=310000&period=2024-09');
    expect(period.status).toBe(400);
    expect((await period.json()) as object).toMatchObject({
      detail: expect.stringContaining('2024-09'),
    });
    expect((await get('/v1/reports/forms/nope?unit=310000')).status).toBe(404);
    expect((await fetch(`${hub.url}/v1/reports/forms`)).status).toBe(401);
  });
});
