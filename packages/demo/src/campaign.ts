import type { Agency, PublishedEnvelope } from '@hub/domain';
import { creditCode, personName, residentId } from './identities.js';
import { seededRandom, type Random } from './random.js';

/**
 * The instant the demo's world stands at: every date of the campaign is counted back from it,
 * and the README's examples read the ledger and the worklist "as of" it
 * (`--as-of 2024-11-15T12:00:00+08:00`), when the demo's open work is open and not yet late.
 */
export const DEMO_REFERENCE_DATE = '2024-11-15T12:00:00+08:00';

/** How long after it happened the demo's agencies record an event (they sync at once). */
const RECORDING_DELAY_MINUTES = 20;

export interface DemoEvent {
  agency: Agency;
  event: PublishedEnvelope;
  /** When the hub records it in the demo's world: shortly after it happened. */
  recordedAt: string;
}

export interface District {
  code: string;
  nameZh: string;
}

/**
 * Districts of the demo: three in Shanghai (its 2024 campaign, the Shanghai form), Pengjiang in
 * Jiangmen (Guangdong, its monthly form) and Jiangjin in Chongqing, whose 2023 campaign the
 * Jiangjin summary form (津安委办发〔2023〕57号 of 江津区安委办) comes from.
 */
export const DEMO_DISTRICTS: readonly District[] = [
  { code: '310105', nameZh: '长宁区' },
  { code: '310104', nameZh: '徐汇区' },
  { code: '310106', nameZh: '静安区' },
  { code: '440703', nameZh: '蓬江区' },
  { code: '500116', nameZh: '江津区' },
];

const TRADES = ['机械制造', '物流', '建筑安装', '化工', '物业管理', '食品加工'];
const OPERATIONS = [
  ['电工作业', '低压电工作业'],
  ['焊接与热切割作业', '熔化焊接与热切割作业'],
  ['高处作业', '登高架设作业'],
  ['制冷与空调作业', '制冷与空调设备运行操作作业'],
] as const;
/** Construction certificates: the city letter of each demo province (as on the numbers). */
const CONSTRUCTION_PREFIX: Record<string, string> = { '31': '沪A', '44': '粤J', '50': '渝A' };

type Emit = (
  agency: Agency,
  unit: string,
  type: string,
  data: unknown,
  occurredAt: string,
  version?: number,
) => string;

/** Instants and dates counted in days from the reference date (negative: before it). */
export function demoClock(reference = DEMO_REFERENCE_DATE) {
  const base = Date.parse(`${reference.slice(0, 10)}T00:00:00+08:00`);
  const dayOf = (days: number) => new Date(base + days * 86_400_000 + 8 * 3600_000);
  /** `YYYY-MM-DDTHH:MM:00+08:00`, `days` from the reference day. */
  const at = (days: number, time = '10:00') =>
    `${dayOf(days).toISOString().slice(0, 10)}T${time}:00+08:00`;
  /** `YYYY-MM-DD`, `days` from the reference day. */
  const on = (days: number) => dayOf(days).toISOString().slice(0, 10);
  return { at, on };
}

/**
 * A deterministic campaign around the reference date: enterprises listed and self-inspected,
 * certificates issued, inspections with every kind of finding, measures, clue transfers
 * through every linkage step, cyberspace actions and tip-offs; finished work (a judgment, a
 * penalty after a decline) and open work for every party at the reference date: an approved
 * clue to transfer, a filing decision due and one overdue, a case awaiting the prosecution
 * decision, a reverse link awaiting the penalty and the reply, a filing supervision pending, a
 * trial pending, and an inspection flagged 以罚代刑. People are counted consistently from
 * the transfer to the judgment.
 */
export function generateDemoCampaign(
  options: { seed?: number; reference?: string } = {},
): DemoEvent[] {
  const random = seededRandom(options.seed ?? 2024);
  const clock = demoClock(options.reference);
  const out: DemoEvent[] = [];
  const emit: Emit = (agency, unit, type, data, occurredAt, version = 1) => {
    const id = random.uuid();
    out.push({
      agency,
      event: {
        id,
        type,
        schemaVersion: version,
        reportingUnit: unit,
        occurredAt,
        actor: { officerId: `${agency}-${unit}-${random.int(100, 999)}` },
        data,
      },
      recordedAt: new Date(Date.parse(occurredAt) + RECORDING_DELAY_MINUTES * 60_000).toISOString(),
    });
    return id;
  };
  const ctx = { random, emit, ...clock };

  // Shanghai, July–November 2024: each district starts its inspections a month after the last.
  shanghaiDistrict(ctx, DEMO_DISTRICTS[0]!, 0, -130); // 长宁: from 2024-07-08
  shanghaiDistrict(ctx, DEMO_DISTRICTS[1]!, 1, -100); // 徐汇: from 2024-08-07
  shanghaiDistrict(ctx, DEMO_DISTRICTS[2]!, 2, -70); // 静安: from 2024-09-06
  changningLinkage(ctx);
  xuhuiLinkage(ctx);
  jinganLinkage(ctx);
  penaltyInsteadOfProsecution(ctx);
  cyberspace(ctx);
  jiangmen(ctx);
  jiangjin(ctx);
  certificateChecks(ctx);
  // The store receives them in the order they were recorded.
  return out.sort((a, b) => Date.parse(a.recordedAt) - Date.parse(b.recordedAt));
}

interface Ctx {
  random: Random;
  emit: Emit;
  at: (days: number, time?: string) => string;
  on: (days: number) => string;
}

interface Enterprise {
  creditCode: string;
  name: string;
  isCentralSoeSubsidiary: boolean;
}

function enterprisesOf(ctx: Ctx, district: District, count: number, listedDay: number) {
  const enterprises: Enterprise[] = Array.from({ length: count }, (_, i) => ({
    creditCode: creditCode(ctx.random, district.code),
    name: `${district.nameZh.replace('区', '')}${ctx.random.pick(TRADES)}有限公司${i + 1}`,
    isCentralSoeSubsidiary: i === 0,
  }));
  enterprises.forEach((enterprise, i) =>
    ctx.emit(
      'emergency',
      district.code,
      'EnterpriseListedInArea',
      { enterprise, listedOn: ctx.on(listedDay) },
      ctx.at(listedDay, `09:${String(10 + i).padStart(2, '0')}`),
    ),
  );
  return enterprises;
}

/** Certificates of the district's workers, by the three issuers, and their later changes. */
function certificates(ctx: Ctx, district: District, changesDay: number) {
  const unit = district.code;
  const workers = Array.from({ length: 8 }, () => ({
    idNumber: residentId(ctx.random, unit),
    name: personName(ctx.random),
  }));
  workers.forEach((holder, i) => {
    const [operationCategory, operationItem] = OPERATIONS[i % OPERATIONS.length]!;
    const issuer = i % 4 === 3 ? 'market' : i % 4 === 2 ? 'construction' : 'emergency';
    const certificateType =
      issuer === 'market'
        ? 'special_equipment'
        : issuer === 'construction'
          ? 'construction_special_operations'
          : 'special_operations';
    // Issued one to five years before the campaign, on a day counted from the reference date.
    const issuedOn = ctx.on(changesDay - 30 - 365 * (1 + (i % 5)) - 17 * i);
    const year = Number(issuedOn.slice(0, 4));
    const later = (years: number) => `${year + years}${issuedOn.slice(4)}`;
    const number =
      certificateType === 'special_operations'
        ? `T${holder.idNumber}`
        : certificateType === 'construction_special_operations'
          ? // Province, city letter, category 01 (建筑电工), year, serial: 沪A012021000105.
            `${CONSTRUCTION_PREFIX[unit.slice(0, 2)]}01${year}${unit.slice(3)}${String(i).padStart(3, '0')}`
          : `TS${unit}${String(1000 + i)}`;
    ctx.emit(
      issuer,
      unit,
      'CertificateIssued',
      {
        certificateType,
        number,
        holder,
        operationCategory:
          certificateType === 'construction_special_operations' ? '建筑电工' : operationCategory,
        operationItem:
          certificateType === 'construction_special_operations' ? '建筑电工' : operationItem,
        issuedOn,
        validUntil: later(6),
        nextReviewDue: later(3),
        issuingAuthority: `${district.nameZh}${issuer === 'emergency' ? '应急管理局' : issuer === 'market' ? '市场监督管理局' : '建设和管理委员会'}`,
      },
      `${issuedOn}T09:30:00+08:00`,
    );
    const change = (type: string, data: object) =>
      ctx.emit(issuer, unit, type, { certificateType, number, ...data }, ctx.at(changesDay + i));
    if (i === 1)
      change('CertificateReviewed', {
        reviewedOn: ctx.on(changesDay + i),
        passed: true,
        nextReviewDue: later(6),
      });
    if (i === 2)
      change('CertificateRenewed', {
        renewedOn: ctx.on(changesDay + i),
        validUntil: later(12),
      });
    if (i === 4)
      change('CertificateHolderDataCorrected', {
        holder: { ...holder, name: personName(ctx.random) },
        reason: '姓名录入错误',
      });
    if (i === 5)
      change('CertificateRevoked', {
        revokedOn: ctx.on(changesDay + i),
        reason: 'serious_violation',
      });
  });
}

const FINDING_KINDS = [
  'forged',
  'no_certificate',
  'altered',
  'expired',
  'lent_transferred_or_impersonated',
  'review_overdue',
  'bought',
  'other_department_certificate',
];

/**
 * One inspection of an employer: a worker finding and the employer's own, the order to
 * rectify, fines on the enterprise and its principal (一案多罚), and the employer's problem
 * rectified and closed three weeks later.
 */
function inspectEmployer(
  ctx: Ctx,
  agency: Agency,
  unit: string,
  enterprise: Enterprise,
  inspectionId: string,
  day: number,
  kind: string,
  options: { suspend?: boolean; legacyFine?: boolean } = {},
) {
  const { emit, at, on, random } = ctx;
  emit(
    agency,
    unit,
    'InspectionConducted',
    {
      inspectionId,
      subjectKind: 'employer',
      subject: enterprise,
      method: day % 3 === 0 ? 'joint' : 'special',
      inspectedOn: on(day),
      workersChecked: random.int(5, 20),
    },
    at(day, '09:30'),
  );
  const worker = { idNumber: residentId(random, unit), name: personName(random) };
  const findingId = `F-${inspectionId}`;
  emit(
    agency,
    unit,
    'FindingRecorded',
    {
      inspectionId,
      findingId,
      subjectKind: 'employer',
      kind,
      worker,
      ...(kind === 'no_certificate'
        ? {}
        : { certificate: { type: 'special_operations', number: `T${worker.idNumber}` } }),
    },
    at(day, '10:30'),
  );
  emit(
    agency,
    unit,
    'FindingRecorded',
    {
      inspectionId,
      findingId: `${findingId}-E`,
      subjectKind: 'employer',
      kind: 'employer_failed_to_verify',
    },
    at(day, '10:40'),
  );
  emit(
    agency,
    unit,
    'RectificationOrdered',
    {
      inspectionId,
      subjectKind: 'employer',
      subject: { creditCode: enterprise.creditCode, name: enterprise.name },
      findingIds: [findingId, `${findingId}-E`],
      deadline: on(day + 30),
    },
    at(day, '11:00'),
  );
  emit(
    agency,
    unit,
    'FineImposed',
    {
      inspectionId,
      decisionNo: `${unit}罚〔${on(day).slice(0, 4)}〕${inspectionId.slice(-2)}号`,
      subjectKind: 'employer',
      target: {
        kind: 'enterprise',
        enterprise: { creditCode: enterprise.creditCode, name: enterprise.name },
      },
      // Whole 万元 plus 50 元: the form prints 万元 to the decimals an amount needs.
      amountFen: random.int(2, 9) * 1_000_000 + 5_000,
    },
    at(day + 1, '15:00'),
    2,
  );
  if (options.legacyFine !== false)
    // One older agency system still publishes fines in whole yuan (schema v1).
    emit(
      agency,
      unit,
      'FineImposed',
      {
        inspectionId,
        decisionNo: `${unit}罚〔${on(day).slice(0, 4)}〕${inspectionId.slice(-2)}-1号`,
        subjectKind: 'employer',
        target: {
          kind: 'responsible_person',
          person: { idNumber: residentId(random, unit), name: personName(random) },
          role: 'principal',
          employer: enterprise.creditCode,
        },
        amountYuan: 20_000,
      },
      at(day + 1, '15:10'),
      1,
    );
  if (['forged', 'altered', 'bought'].includes(kind))
    emit(
      agency,
      unit,
      'CertificateConfiscated',
      {
        inspectionId,
        findingId,
        certificate: { type: 'special_operations', number: `T${worker.idNumber}` },
      },
      at(day, '11:10'),
    );
  if (options.suspend)
    emit(
      agency,
      unit,
      'SuspensionOrdered',
      {
        inspectionId,
        subjectKind: 'employer',
        subject: { creditCode: enterprise.creditCode, name: enterprise.name },
        from: on(day + 1),
      },
      at(day, '11:20'),
    );
  if (day + 21 < 0) {
    emit(
      agency,
      unit,
      'ProblemRectified',
      { inspectionId, findingId: `${findingId}-E`, verifiedOn: on(day + 21) },
      at(day + 21),
    );
    emit(
      agency,
      unit,
      'FindingClosed',
      { inspectionId, findingId: `${findingId}-E`, closure: 'rectified' },
      at(day + 21, '11:00'),
    );
  }
  return { worker, findingId };
}

function shanghaiDistrict(ctx: Ctx, district: District, d: number, start: number) {
  const { emit, at, on, random } = ctx;
  const unit = district.code;
  const enterprises = enterprisesOf(ctx, district, 6, -137); // listed 2024-07-01
  certificates(ctx, district, start - 5);
  // Self-inspection by most enterprises (one does not), and by a training institution.
  enterprises.slice(0, 5).forEach((enterprise, i) => {
    const specialOperationsWorkers = random.int(10, 40);
    const uncertifiedWorkers = i % 2;
    emit(
      'emergency',
      unit,
      'SelfInspectionReported',
      {
        reportId: `SI-${unit}-${i}`,
        enterprise,
        specialOperationsWorkers,
        certifiedWorkers: specialOperationsWorkers - uncertifiedWorkers - (i === 0 ? 1 : 0),
        fakeCertificatesFound: i === 0 ? 1 : 0,
        uncertifiedWorkers,
        reportedForHandling: (i === 0 ? 1 : 0) + uncertifiedWorkers,
      },
      at(start - 4 + i),
    );
  });
  emit(
    'emergency',
    unit,
    'InstitutionSelfInspectionReported',
    {
      reportId: `ISI-${unit}-T`,
      institutionKind: 'training_institution',
      institution: {
        name: `${district.nameZh}安全生产培训中心`,
        creditCode: creditCode(random, unit),
      },
      fakeCertificatesLetThrough: d % 2,
      reportedForHandling: d % 2,
      problemsFound: 2,
      proceduresImproved: 1,
    },
    at(start - 2),
  );
  // Inspections: every kind of worker finding appears somewhere in the campaign.
  enterprises
    .slice(0, 4)
    .forEach((enterprise, i) =>
      inspectEmployer(
        ctx,
        i === 3 ? 'construction' : 'emergency',
        unit,
        enterprise,
        `INS-${unit}-${i}`,
        start + i * 2,
        FINDING_KINDS[(d * 3 + i) % FINDING_KINDS.length]!,
        { suspend: i === 1 },
      ),
    );
  emit(
    'market',
    unit,
    'IntermediaryInvestigated',
    {
      inspectionId: `INT-${unit}`,
      intermediary: { name: `某证书代办工作室${d + 1}` },
      channel: 'wechat',
      investigatedOn: on(start + 9),
    },
    at(start + 9),
  );
  emit(
    'market',
    unit,
    'RectificationOrdered',
    {
      inspectionId: `INT-${unit}`,
      subjectKind: 'intermediary',
      subject: { name: `某证书代办工作室${d + 1}` },
      findingIds: [],
      deadline: on(start + 24),
    },
    at(start + 9, '15:00'),
  );
  emit(
    'emergency',
    unit,
    'TipOffReceived',
    {
      tipOffId: `TIP-${unit}`,
      channel: '12350',
      subject: 'fake_certificate',
      summary: '举报某工地电焊工持假证上岗',
    },
    at(start - 1, '16:00'),
  );
  emit(
    'emergency',
    unit,
    'TipOffHandled',
    {
      tipOffId: `TIP-${unit}`,
      outcome: 'substantiated',
      rewardFen: 50_000,
      relatedInspectionId: `INS-${unit}-0`,
    },
    at(start + 3, '16:00'),
  );
}

interface Person {
  idNumber: string;
  name: string;
}

/** A clue approved, transferred and received: the start every linkage path shares. */
function transfer(
  ctx: Ctx,
  unit: string,
  clueId: string,
  day: number,
  suspects: Person[],
  options: {
    origin?: string;
    subjectKind?: string;
    agency?: Agency;
    fakeCertificates?: number;
    inspectionId?: string;
    toPoliceUnit?: string;
    received?: boolean;
  } = {},
) {
  const { emit, at } = ctx;
  const agency = options.agency ?? 'emergency';
  emit(
    agency,
    unit,
    'ClueTransferApproved',
    { clueId, reportedAt: at(day - 1, '16:00') },
    at(day, '09:00'),
  );
  emit(
    agency,
    unit,
    'ClueTransferred',
    {
      clueId,
      origin: options.origin ?? 'enforcement',
      subjectKind: options.subjectKind ?? 'employer',
      toPoliceUnit: options.toPoliceUnit ?? unit,
      suspectedOffence: '刑法第二百八十条 伪造、变造、买卖国家机关证件罪',
      suspects: suspects.length,
      suspectPersons: suspects,
      fakeCertificates: options.fakeCertificates ?? 3,
      ...(options.inspectionId ? { relatedInspectionIds: [options.inspectionId] } : {}),
    },
    at(day, '15:00'),
  );
  if (options.received !== false)
    emit(
      'police',
      options.toPoliceUnit ?? unit,
      'ClueReceiptSigned',
      { clueId, transferringAgency: agency, receivedAt: at(day, '17:00') },
      at(day, '17:00'),
    );
}

const people = (ctx: Ctx, unit: string, n: number): Person[] =>
  Array.from({ length: n }, () => ({
    idNumber: residentId(ctx.random, unit),
    name: personName(ctx.random),
  }));

/** A case filed on a clue, with the materials handed over, early intervention and arrests. */
function fileCase(
  ctx: Ctx,
  unit: string,
  clueId: string,
  caseId: string,
  day: number,
  suspects: number,
) {
  const { emit, at } = ctx;
  emit(
    'police',
    unit,
    'CaseFiled',
    {
      caseId,
      clueId,
      transferringAgency: 'emergency',
      suspects,
      offence: '伪造、变造、买卖国家机关证件罪',
    },
    at(day, '10:00'),
  );
  emit(
    'emergency',
    unit,
    'CaseMaterialsHandedOver',
    { clueId, caseId, items: 12 },
    at(day + 1, '10:00'),
  );
  emit(
    'procuratorate',
    unit,
    'EarlyInterventionStarted',
    { caseId, clueId, procurator: `P-${unit}-07` },
    at(day + 2, '10:00'),
  );
  emit(
    'procuratorate',
    unit,
    'ArrestReviewDecided',
    { caseId, approvedPersons: suspects, notApprovedPersons: 0 },
    at(day + 5, '10:00'),
  );
}

/** 长宁: a case awaiting the prosecution decision, and a clue whose filing decision is due. */
function changningLinkage(ctx: Ctx) {
  const unit = '310105';
  transfer(ctx, unit, 'CLUE-310105-1', -126, people(ctx, unit, 2), {
    inspectionId: 'INS-310105-0',
  });
  fileCase(ctx, unit, 'CLUE-310105-1', 'CASE-310105-1', -124, 2);
  ctx.emit(
    'police',
    unit,
    'CaseSentForProsecution',
    { caseId: 'CASE-310105-1', suspects: 2 },
    ctx.at(-20),
  );
  // Transferred two days before the reference date: the police decide by 2024-11-16.
  transfer(ctx, unit, 'CLUE-310105-2', -2, people(ctx, unit, 1), { inspectionId: 'INS-310105-2' });
}

/**
 * 徐汇: a refusal upheld on reconsideration and sent for filing supervision (pending); a case
 * not prosecuted whose reverse link (penalty, reply to the opinion) is open; a clue forwarded
 * to the police of another district.
 */
function xuhuiLinkage(ctx: Ctx) {
  const { emit, at } = ctx;
  const unit = '310104';
  transfer(ctx, unit, 'CLUE-310104-1', -16, people(ctx, unit, 1), { inspectionId: 'INS-310104-1' });
  emit(
    'police',
    unit,
    'CaseDeclined',
    {
      clueId: 'CLUE-310104-1',
      transferringAgency: 'emergency',
      reasons: '现有证据不足以证明存在犯罪事实',
    },
    at(-14),
  );
  emit(
    'emergency',
    unit,
    'ReconsiderationRequested',
    { clueId: 'CLUE-310104-1', grounds: '当事人持有多张假证，数量达到立案标准' },
    at(-12),
  );
  emit(
    'police',
    unit,
    'ReconsiderationDecided',
    { clueId: 'CLUE-310104-1', transferringAgency: 'emergency', outcome: 'refusal_upheld' },
    at(-10),
  );
  emit(
    'emergency',
    unit,
    'FilingSupervisionRequested',
    { clueId: 'CLUE-310104-1', grounds: '复议维持不予立案决定，提请立案监督' },
    at(-8),
  );

  transfer(ctx, unit, 'CLUE-310104-2', -96, people(ctx, unit, 2), { inspectionId: 'INS-310104-0' });
  fileCase(ctx, unit, 'CLUE-310104-2', 'CASE-310104-2', -94, 2);
  emit('police', unit, 'CaseSentForProsecution', { caseId: 'CASE-310104-2', suspects: 2 }, at(-60));
  emit(
    'procuratorate',
    unit,
    'NonProsecutionDecided',
    {
      caseId: 'CASE-310104-2',
      persons: 2,
      kind: 'discretionary',
      opinion: {
        opinionId: 'OP-310104-2',
        addressee: 'emergency',
        recommendation: '建议对持假证人员及用人单位依法给予行政处罚',
      },
    },
    at(-12),
  );

  transfer(ctx, unit, 'CLUE-310104-3', -92, people(ctx, unit, 1), { inspectionId: 'INS-310104-2' });
  emit(
    'police',
    unit,
    'ClueForwardedForJurisdiction',
    {
      clueId: 'CLUE-310104-3',
      transferringAgency: 'emergency',
      toPoliceUnit: '310106',
      reason: '制假窝点位于静安区',
    },
    at(-92, '20:00'),
  );
  emit(
    'police',
    '310106',
    'CaseFiled',
    {
      caseId: 'CASE-310104-3',
      clueId: 'CLUE-310104-3',
      transferringAgency: 'emergency',
      suspects: 1,
      offence: '伪造、变造、买卖国家机关证件罪',
    },
    at(-90),
  );
  emit(
    'emergency',
    unit,
    'CaseMaterialsHandedOver',
    { clueId: 'CLUE-310104-3', caseId: 'CASE-310104-3', items: 6 },
    at(-89),
  );
}

/**
 * 静安: a case from transfer to judgment; an earlier decline that ended in an administrative
 * penalty (the reverse link done); a clue approved the day before the reference date, to be
 * transferred within 24 hours.
 */
function jinganLinkage(ctx: Ctx) {
  const { emit, at, on } = ctx;
  const unit = '310106';
  transfer(ctx, unit, 'CLUE-310106-1', -68, people(ctx, unit, 2), { inspectionId: 'INS-310106-0' });
  fileCase(ctx, unit, 'CLUE-310106-1', 'CASE-310106-1', -66, 2);
  emit('police', unit, 'CaseSentForProsecution', { caseId: 'CASE-310106-1', suspects: 2 }, at(-38));
  emit(
    'procuratorate',
    unit,
    'ProsecutionFiled',
    {
      caseId: 'CASE-310106-1',
      defendants: 2,
      charges: '伪造、变造、买卖国家机关证件罪',
      courtUnit: '310106',
    },
    at(-31),
  );
  emit(
    'court',
    unit,
    'CaseAcceptedByCourt',
    { caseId: 'CASE-310106-1', courtCaseNo: '（2024）沪0106刑初1206号' },
    at(-28),
  );
  emit(
    'court',
    unit,
    'JudgmentDelivered',
    {
      caseId: 'CASE-310106-1',
      courtCaseNo: '（2024）沪0106刑初1206号',
      convictedPersons: 2,
      acquittedPersons: 0,
      deliveredOn: on(-14),
      statute: '刑法第二百八十条',
    },
    at(-14),
  );

  transfer(ctx, unit, 'CLUE-310106-2', -62, people(ctx, unit, 1), { inspectionId: 'INS-310106-2' });
  emit(
    'police',
    unit,
    'CaseDeclined',
    {
      clueId: 'CLUE-310106-2',
      transferringAgency: 'emergency',
      reasons: '情节显著轻微，不构成犯罪',
    },
    at(-60),
  );
  const clueId = 'CLUE-310106-2';
  emit(
    'emergency',
    unit,
    'ReconsiderationRequested',
    { clueId, grounds: '假证系从网络购买，涉嫌买卖国家机关证件' },
    at(-58),
  );
  emit(
    'police',
    unit,
    'ReconsiderationDecided',
    { clueId, transferringAgency: 'emergency', outcome: 'refusal_upheld' },
    at(-56),
  );
  emit(
    'emergency',
    unit,
    'FilingSupervisionRequested',
    { clueId, grounds: '复议维持不予立案决定，提请立案监督' },
    at(-54),
  );
  emit(
    'procuratorate',
    unit,
    'FilingSupervisionConcluded',
    { clueId, transferringAgency: 'emergency', outcome: 'refusal_justified' },
    at(-47),
  );
  emit(
    'emergency',
    unit,
    'ReturnedCasePenaltyDecided',
    {
      clueId,
      trigger: 'case_declined',
      outcome: 'penalty_imposed',
      penaltyDecisionNos: ['310106罚〔2024〕66号'],
      decidedOn: on(-45),
    },
    at(-45),
  );

  // Approved yesterday afternoon; the transfer is due by 15:00 today.
  emit(
    'emergency',
    unit,
    'ClueTransferApproved',
    { clueId: 'CLUE-310106-3', reportedAt: at(-1, '09:00') },
    at(-1, '15:00'),
  );
}

/** An inspection that found three fakes, fined the employer, and transferred nothing: 以罚代刑. */
function penaltyInsteadOfProsecution(ctx: Ctx) {
  const { emit, at, on, random } = ctx;
  const unit = '310106';
  const inspectionId = 'INS-310106-P';
  const enterprise = { creditCode: creditCode(random, unit), name: '静安某劳务派遣有限公司' };
  const day = -30;
  emit(
    'emergency',
    unit,
    'InspectionConducted',
    {
      inspectionId,
      subjectKind: 'employer',
      subject: enterprise,
      method: 'unannounced',
      inspectedOn: on(day),
      workersChecked: 14,
    },
    at(day, '09:00'),
  );
  ['forged', 'bought', 'altered'].forEach((kind, i) => {
    const worker = { idNumber: residentId(random, unit), name: personName(random) };
    emit(
      'emergency',
      unit,
      'FindingRecorded',
      {
        inspectionId,
        findingId: `F-${inspectionId}-${i}`,
        subjectKind: 'employer',
        kind,
        worker,
        certificate: { type: 'special_operations', number: `T${worker.idNumber}` },
      },
      at(day, `10:0${i}`),
    );
  });
  emit(
    'emergency',
    unit,
    'FineImposed',
    {
      inspectionId,
      decisionNo: '310106罚〔2024〕91号',
      subjectKind: 'employer',
      target: { kind: 'enterprise', enterprise },
      amountFen: 5_000_000,
    },
    at(day + 2, '14:00'),
    2,
  );
}

function cyberspace(ctx: Ctx) {
  const { emit, at } = ctx;
  const found = [-97, -95, -41]; // 2024-08-10, 08-12, 10-05
  found.forEach((day, i) => {
    const siteId = `SITE-${i}`;
    emit(
      'cyberspace',
      '310000',
      'FakeWebsiteFound',
      {
        siteId,
        url: `http://cx-mem-gov${i}.example.cn/query`,
        kind: i === 2 ? 'wechat_account' : 'verification_platform',
        impersonates: '应急管理部特种作业操作证查询平台',
      },
      at(day),
    );
    if (i < 2)
      emit('cyberspace', '310000', 'FakeWebsiteBlocked', { siteId, action: 'closed' }, at(day + 1));
  });
  emit(
    'cyberspace',
    '310000',
    'IllegalInformationCleaned',
    { batchId: 'CLEAN-2024-08', platform: '某社交平台', items: 137, kind: 'posts' },
    at(-87),
  );
  emit(
    'market',
    '310105',
    'IllegalInformationCleaned',
    { batchId: 'LIST-2024-10', platform: '某电商平台', items: 42, kind: 'ecommerce_listings' },
    at(-35),
  );
  emit(
    'market',
    '310105',
    'AdMonitoringHit',
    {
      hitId: 'AD-1',
      keyword: '特种作业证 包过',
      platform: '某搜索引擎',
      url: 'http://ads.example.cn/x',
    },
    at(-34),
  );
  // Transferred twelve days before the reference date and never decided: overdue.
  transfer(ctx, '310000', 'CLUE-CYBER-1', -12, people(ctx, '310000', 3), {
    agency: 'cyberspace',
    origin: 'cyberspace',
    subjectKind: 'intermediary',
    fakeCertificates: 0,
  });
}

/** 蓬江 (江门, 广东), mostly September 2024: every line of the Guangdong form has something. */
function jiangmen(ctx: Ctx) {
  const { emit, at, on, random } = ctx;
  const district = DEMO_DISTRICTS[3]!;
  const unit = district.code;
  const enterprises = enterprisesOf(ctx, district, 6, -110); // 2024-07-28
  certificates(ctx, district, -80);
  enterprises.slice(0, 5).forEach((enterprise, i) => {
    const workers = random.int(10, 30);
    emit(
      'emergency',
      unit,
      'SelfInspectionReported',
      {
        reportId: `SI-${unit}-${i}`,
        enterprise,
        specialOperationsWorkers: workers,
        certifiedWorkers: workers - (i < 2 ? 1 : 0),
        fakeCertificatesFound: i < 2 ? 1 : 0,
        uncertifiedWorkers: 0,
        reportedForHandling: i < 2 ? 1 : 0,
      },
      at(-74 + i), // 2024-09-02 …
    );
  });
  const institution = (kind: string, name: string, figures: object) =>
    emit(
      'emergency',
      unit,
      'InstitutionSelfInspectionReported',
      {
        reportId: `ISI-${unit}-${kind}`,
        institutionKind: kind,
        institution: { name, creditCode: creditCode(random, unit) },
        ...figures,
      },
      at(-70),
    );
  institution('training_institution', '江门市某安全培训学校', {
    fakeCertificatesLetThrough: 1,
    reportedForHandling: 1,
    problemsFound: 0,
    proceduresImproved: 0,
  });
  institution('exam_or_issuing_body', '江门市特种作业考试点', {
    fakeCertificatesLetThrough: 0,
    reportedForHandling: 0,
    problemsFound: 3,
    proceduresImproved: 2,
  });
  enterprises
    .slice(0, 3)
    .forEach((enterprise, i) =>
      inspectEmployer(
        ctx,
        'emergency',
        unit,
        enterprise,
        `INS-${unit}-${i}`,
        -67 + i * 3,
        ['forged', 'bought', 'no_certificate'][i]!,
        { suspend: i === 0 },
      ),
    );
  // A training institution that let a fake certificate through a review.
  const school = { creditCode: creditCode(random, unit), name: '江门市某安全培训学校' };
  emit(
    'emergency',
    unit,
    'InspectionConducted',
    {
      inspectionId: `INS-${unit}-T`,
      subjectKind: 'training_institution',
      subject: school,
      method: 'special',
      inspectedOn: on(-60),
      workersChecked: 0,
    },
    at(-60),
  );
  const trainee = { idNumber: residentId(random, unit), name: personName(random) };
  emit(
    'emergency',
    unit,
    'FindingRecorded',
    {
      inspectionId: `INS-${unit}-T`,
      findingId: `F-${unit}-T`,
      subjectKind: 'training_institution',
      kind: 'forged',
      worker: trainee,
      certificate: { type: 'special_operations', number: `T${trainee.idNumber}` },
    },
    at(-60, '11:00'),
  );
  emit(
    'emergency',
    unit,
    'RectificationOrdered',
    {
      inspectionId: `INS-${unit}-T`,
      subjectKind: 'training_institution',
      subject: school,
      findingIds: [`F-${unit}-T`],
      deadline: on(-30),
    },
    at(-60, '14:00'),
  );
  emit(
    'emergency',
    unit,
    'FineImposed',
    {
      inspectionId: `INS-${unit}-T`,
      decisionNo: '440703罚〔2024〕31号',
      subjectKind: 'training_institution',
      target: { kind: 'enterprise', enterprise: school },
      amountFen: 3_000_000,
    },
    at(-59),
    2,
  );
  // A fake website blocked, an illegal intermediary investigated and fined.
  emit(
    'cyberspace',
    '440700',
    'FakeWebsiteFound',
    {
      siteId: 'SITE-GD-1',
      url: 'http://gd-tzzy-cx.example.cn',
      kind: 'verification_platform',
      impersonates: '广东省应急管理厅证书查询',
    },
    at(-72),
  );
  emit(
    'cyberspace',
    '440700',
    'FakeWebsiteBlocked',
    { siteId: 'SITE-GD-1', action: 'blocked' },
    at(-71),
  );
  emit(
    'market',
    unit,
    'IntermediaryInvestigated',
    {
      inspectionId: `INT-${unit}`,
      intermediary: { name: '蓬江某职业资格代办部' },
      channel: 'shopfront',
      investigatedOn: on(-65),
    },
    at(-65),
  );
  emit(
    'market',
    unit,
    'RectificationOrdered',
    {
      inspectionId: `INT-${unit}`,
      subjectKind: 'intermediary',
      subject: { name: '蓬江某职业资格代办部' },
      findingIds: [],
      deadline: on(-50),
    },
    at(-65, '15:00'),
  );
  emit(
    'market',
    unit,
    'FineImposed',
    {
      inspectionId: `INT-${unit}`,
      decisionNo: '440703市监罚〔2024〕8号',
      subjectKind: 'intermediary',
      target: { kind: 'enterprise', enterprise: { name: '蓬江某职业资格代办部' } },
      amountFen: 1_500_000,
    },
    at(-64),
    2,
  );

  // The employer clue goes to court; the intermediary's waits on the police past its deadline.
  transfer(ctx, unit, 'CLUE-440703-1', -66, people(ctx, unit, 2), {
    inspectionId: `INS-${unit}-0`,
  });
  fileCase(ctx, unit, 'CLUE-440703-1', 'CASE-440703-1', -64, 2);
  emit('police', unit, 'CaseSentForProsecution', { caseId: 'CASE-440703-1', suspects: 2 }, at(-40));
  emit(
    'procuratorate',
    unit,
    'ProsecutionFiled',
    {
      caseId: 'CASE-440703-1',
      defendants: 2,
      charges: '伪造、变造、买卖国家机关证件罪',
      courtUnit: '440703',
    },
    at(-25),
  );
  emit(
    'court',
    unit,
    'CaseAcceptedByCourt',
    { caseId: 'CASE-440703-1', courtCaseNo: '（2024）粤0703刑初588号' },
    at(-15),
  );
  // An earlier clue not prosecuted: the penalty decided and the opinion answered (reverse link done).
  transfer(ctx, unit, 'CLUE-440703-3', -100, people(ctx, unit, 1), {
    inspectionId: `INS-${unit}-1`,
  });
  fileCase(ctx, unit, 'CLUE-440703-3', 'CASE-440703-3', -98, 1);
  emit('police', unit, 'CaseSentForProsecution', { caseId: 'CASE-440703-3', suspects: 1 }, at(-80));
  emit(
    'procuratorate',
    unit,
    'NonProsecutionDecided',
    {
      caseId: 'CASE-440703-3',
      persons: 1,
      kind: 'discretionary',
      opinion: {
        opinionId: 'OP-440703-3',
        addressee: 'emergency',
        recommendation: '建议对持假证人员依法给予行政处罚',
      },
    },
    at(-50),
  );
  emit(
    'emergency',
    unit,
    'ReturnedCasePenaltyDecided',
    {
      caseId: 'CASE-440703-3',
      trigger: 'non_prosecution',
      outcome: 'penalty_imposed',
      penaltyDecisionNos: ['440703罚〔2024〕72号'],
      decidedOn: on(-42),
    },
    at(-42),
  );
  emit(
    'emergency',
    unit,
    'ProcuratorialOpinionReplied',
    { caseId: 'CASE-440703-3', opinionId: 'OP-440703-3', summary: '已对当事人作出罚款决定' },
    at(-40),
  );
  transfer(ctx, unit, 'CLUE-440703-2', -10, people(ctx, unit, 1), {
    agency: 'market',
    origin: 'intermediary',
    subjectKind: 'intermediary',
    fakeCertificates: 5,
  });
}

/**
 * 江津 (重庆), its 2023 campaign (2023-07-20 … 2023-12-10): enterprises listed and most
 * self-inspected by August, inspections in September and October, one after the form's due
 * date (2023-10-20), so the form "as of" its due date differs from the whole campaign's.
 */
function jiangjin(ctx: Ctx) {
  const { emit, at } = ctx;
  const district = DEMO_DISTRICTS[4]!;
  const unit = district.code;
  // Days from the reference date: 2023-07-25 is 479 days before 2024-11-15.
  const campaignStart = -479;
  const enterprises = enterprisesOf(ctx, district, 8, campaignStart);
  enterprises.slice(0, 6).forEach((enterprise, i) =>
    emit(
      'emergency',
      unit,
      'SelfInspectionReported',
      {
        reportId: `SI-${unit}-${i}`,
        enterprise,
        specialOperationsWorkers: 20 + i,
        certifiedWorkers: 20 + i - (i === 1 ? 1 : 0) - (i % 3 === 0 ? 1 : 0),
        fakeCertificatesFound: i === 1 ? 1 : 0,
        uncertifiedWorkers: i % 3 === 0 ? 1 : 0,
        reportedForHandling: (i === 1 ? 1 : 0) + (i % 3 === 0 ? 1 : 0),
      },
      at(campaignStart + 10 + i * 3), // 2023-08-04 …
    ),
  );
  const kinds = ['forged', 'expired', 'no_certificate', 'review_overdue', 'forged'];
  // 2023-09-05, 09-15, 09-25, 10-05, then 11-08 (after the due date).
  [42, 52, 62, 72, 106].forEach((offset, i) =>
    inspectEmployer(
      ctx,
      'emergency',
      unit,
      enterprises[i]!,
      `INS-${unit}-${i}`,
      campaignStart + offset,
      kinds[i]!,
      {
        suspend: i === 2,
        legacyFine: false,
      },
    ),
  );
}

/** A certificate as events name it: masked number and the registry's keyed hash. */
const MASKED = {
  type: 'special_operations',
  numberMasked: 'T310105********0000',
  registryKey: 'demo-registry-key-0000000000000000',
};

/** A check at an inspection, a roster screening and an audited unmasking by the police. */
function certificateChecks(ctx: Ctx) {
  const { emit, at } = ctx;
  emit(
    'emergency',
    '310105',
    'CertificateVerified',
    {
      verificationId: 'VER-310105-1',
      inspectionId: 'INS-310105-0',
      certificate: MASKED,
      job: '电工作业',
      result: 'unknown_number',
      evidence: ['特种作业操作证登记库中无此编号（疑似伪造）'],
    },
    at(-130, '10:20'),
  );
  emit(
    'emergency',
    '310105',
    'RosterScreened',
    {
      screeningId: 'SCR-310105-1',
      purpose: '用人单位自查名单比对',
      rows: 48,
      rejectedRows: 1,
      negativeRows: 3,
      anomalies: 1,
    },
    at(-128),
  );
  emit(
    'police',
    '310105',
    'PersonalDataUnmasked',
    {
      unmaskingId: 'UNM-310105-1',
      certificate: MASKED,
      purpose: '核查涉嫌买卖国家机关证件案',
      caseId: 'CASE-310105-1',
    },
    at(-120),
  );
  // Market supervision's signing keys: one registered, then rotated (the demo signs nothing:
  // these are public keys only, and their private halves were never kept).
  emit(
    'market',
    '310000',
    'AgencyKeyRegistered',
    {
      agency: 'market',
      alg: 'ed25519',
      publicKeyPem: DEMO_KEY_2024,
      label: '市场监管局签名密钥（2024）',
    },
    at(-140),
  );
  emit(
    'market',
    '310000',
    'AgencyKeyRegistered',
    {
      agency: 'market',
      alg: 'ed25519',
      publicKeyPem: DEMO_KEY_2025,
      label: '市场监管局签名密钥（2025）',
    },
    at(-6),
  );
  emit(
    'market',
    '310000',
    'AgencyKeyRevoked',
    { agency: 'market', keyId: DEMO_KEY_2024_ID, reason: 'rotated' },
    at(-6, '11:00'),
  );
}

const DEMO_KEY_2024 =
  '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEARFYNtx2HAS9gletNW2tFCkRrjAtf2TPuGP1UwCnU+OI=\n-----END PUBLIC KEY-----\n';
/** keyIdOf(DEMO_KEY_2024): the first 16 hex digits of SHA-256 of its DER. */
const DEMO_KEY_2024_ID = '04b235b3ce4eda86';
const DEMO_KEY_2025 =
  '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAo0YGGjdHNJxZV1TzoRQ6dcyQr9RG1vQ7fgKexxejiKE=\n-----END PUBLIC KEY-----\n';
