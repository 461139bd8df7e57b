import type { Agency, PublishedEnvelope } from '@hub/domain';
import { creditCode, personName, residentId } from './identities.js';
import { seededRandom, type Random } from './random.js';

export interface DemoEvent {
  agency: Agency;
  event: PublishedEnvelope;
}

export interface District {
  code: string;
  nameZh: string;
}

/** Districts of the demo: three in Shanghai (one city) and one in Jiangmen, Guangdong. */
export const DEMO_DISTRICTS: readonly District[] = [
  { code: '310105', nameZh: '长宁区' },
  { code: '310104', nameZh: '徐汇区' },
  { code: '310106', nameZh: '静安区' },
  { code: '440703', nameZh: '蓬江区' },
];

const TRADES = ['机械制造', '物流', '建筑安装', '化工', '物业管理', '食品加工'];
const OPERATIONS = [
  ['电工作业', '低压电工作业'],
  ['焊接与热切割作业', '熔化焊接与热切割作业'],
  ['高处作业', '登高架设作业'],
  ['制冷与空调作业', '制冷与空调设备运行操作作业'],
] as const;

/**
 * A deterministic campaign: enterprises listed and self-inspected, certificates issued,
 * inspections with every kind of finding, measures, clue transfers through every linkage step
 * (filed, declined with reconsideration and supervision, non-prosecution with opinion and
 * reply, prosecution and judgment), cyberspace actions and tip-offs.
 */
export function generateDemoCampaign(options: { seed?: number; from?: string } = {}): DemoEvent[] {
  const random = seededRandom(options.seed ?? 2024);
  const start = Date.parse(options.from ?? '2024-06-03T09:00:00+08:00');
  const out: DemoEvent[] = [];
  let clock = start;
  const at = (advanceHours: number) => {
    clock += advanceHours * 3600_000;
    return new Date(clock).toISOString().replace('Z', '+00:00');
  };
  const emit = (
    agency: Agency,
    unit: string,
    type: string,
    data: unknown,
    advanceHours = 1,
    version = 1,
  ) => {
    const id = random.uuid();
    out.push({
      agency,
      event: {
        id,
        type,
        schemaVersion: version,
        reportingUnit: unit,
        occurredAt: at(advanceHours),
        actor: { officerId: `${agency}-${unit}-${random.int(100, 999)}` },
        data,
      },
    });
    return id;
  };

  DEMO_DISTRICTS.forEach((district, d) => districtCampaign(random, district, d, emit));
  cyberspace(random, emit);
  certificateChecks(emit);
  return out;
}

/** A certificate as events name it: masked number and the registry's keyed hash. */
const MASKED = {
  type: 'special_operations',
  numberMasked: 'T310105********0000',
  registryKey: 'demo-registry-key-0000000000000000',
};

/** A check at an inspection, a roster screening and an audited unmasking by the police. */
function certificateChecks(emit: Emit) {
  emit('emergency', '310105', 'CertificateVerified', {
    verificationId: 'VER-310105-1',
    inspectionId: 'INS-310105-0',
    certificate: MASKED,
    job: '电工作业',
    result: 'unknown_number',
    evidence: ['特种作业操作证登记库中无此编号（疑似伪造）'],
  });
  emit('emergency', '310105', 'RosterScreened', {
    screeningId: 'SCR-310105-1',
    purpose: '用人单位自查名单比对',
    rows: 48,
    rejectedRows: 1,
    negativeRows: 3,
    anomalies: 1,
  });
  emit('police', '310105', 'PersonalDataUnmasked', {
    unmaskingId: 'UNM-310105-1',
    certificate: MASKED,
    purpose: '核查涉嫌买卖国家机关证件案',
    caseId: 'CASE-310105-0',
  });
  // Market supervision's signing keys: one registered, then rotated (the demo signs nothing:
  // these are public keys only, and their private halves were never kept).
  emit('market', '310000', 'AgencyKeyRegistered', {
    agency: 'market',
    alg: 'ed25519',
    publicKeyPem: DEMO_KEY_2024,
    label: '市场监管局签名密钥（2024）',
  });
  emit('market', '310000', 'AgencyKeyRegistered', {
    agency: 'market',
    alg: 'ed25519',
    publicKeyPem: DEMO_KEY_2025,
    label: '市场监管局签名密钥（2025）',
  });
  emit('market', '310000', 'AgencyKeyRevoked', {
    agency: 'market',
    keyId: DEMO_KEY_2024_ID,
    reason: 'rotated',
  });
}

const DEMO_KEY_2024 =
  '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEARFYNtx2HAS9gletNW2tFCkRrjAtf2TPuGP1UwCnU+OI=\n-----END PUBLIC KEY-----\n';
/** keyIdOf(DEMO_KEY_2024): the first 16 hex digits of SHA-256 of its DER. */
const DEMO_KEY_2024_ID = '04b235b3ce4eda86';
const DEMO_KEY_2025 =
  '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAo0YGGjdHNJxZV1TzoRQ6dcyQr9RG1vQ7fgKexxejiKE=\n-----END PUBLIC KEY-----\n';

type Emit = (
  agency: Agency,
  unit: string,
  type: string,
  data: unknown,
  advanceHours?: number,
  version?: number,
) => string;

function districtCampaign(random: Random, district: District, d: number, emit: Emit) {
  const unit = district.code;
  const enterprises = Array.from({ length: 6 }, (_, i) => ({
    creditCode: creditCode(random, unit),
    name: `${district.nameZh.replace('区', '')}${random.pick(TRADES)}有限公司${i + 1}`,
    isCentralSoeSubsidiary: i === 0,
  }));
  for (const enterprise of enterprises)
    emit('emergency', unit, 'EnterpriseListedInArea', { enterprise, listedOn: '2024-06-01' }, 0.5);

  // Certificates of the workers, by the three issuers.
  const workers = Array.from({ length: 8 }, () => ({
    idNumber: residentId(random, unit),
    name: personName(random),
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
    const number =
      certificateType === 'special_operations'
        ? `T${holder.idNumber}`
        : `${issuer.slice(0, 2).toUpperCase()}${unit}${String(1000 + i)}`;
    emit(
      issuer,
      unit,
      'CertificateIssued',
      {
        certificateType,
        number,
        holder,
        operationCategory,
        operationItem,
        issuedOn: `20${18 + (i % 5)}-0${1 + (i % 8)}-15`,
        validUntil: `20${24 + (i % 5)}-0${1 + (i % 8)}-14`,
        nextReviewDue: `20${21 + (i % 5)}-0${1 + (i % 8)}-14`,
        issuingAuthority: `${district.nameZh}${issuer === 'emergency' ? '应急管理局' : issuer === 'market' ? '市场监督管理局' : '建设和管理委员会'}`,
      },
      0.2,
    );
    if (i === 1)
      emit(
        issuer,
        unit,
        'CertificateReviewed',
        {
          certificateType,
          number,
          reviewedOn: '2024-06-10',
          passed: true,
          nextReviewDue: '2027-06-10',
        },
        0.2,
      );
    if (i === 2)
      emit(
        issuer,
        unit,
        'CertificateRenewed',
        { certificateType, number, renewedOn: '2024-06-11', validUntil: '2030-06-10' },
        0.2,
      );
    if (i === 4)
      emit(
        issuer,
        unit,
        'CertificateHolderDataCorrected',
        {
          certificateType,
          number,
          holder: { ...holder, name: personName(random) },
          reason: '姓名录入错误',
        },
        0.2,
      );
    if (i === 5)
      emit(
        issuer,
        unit,
        'CertificateRevoked',
        { certificateType, number, revokedOn: '2024-06-12', reason: 'serious_violation' },
        0.2,
      );
  });

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
      2,
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
    2,
  );

  // Inspections: every kind of worker finding appears somewhere in the campaign.
  const findingKinds = [
    'forged',
    'no_certificate',
    'altered',
    'expired',
    'lent_transferred_or_impersonated',
    'review_overdue',
    'bought',
    'other_department_certificate',
  ];
  enterprises.slice(0, 4).forEach((enterprise, i) => {
    const inspectionId = `INS-${unit}-${i}`;
    const agency: Agency = i === 3 ? 'construction' : 'emergency';
    emit(
      agency,
      unit,
      'InspectionConducted',
      {
        inspectionId,
        subjectKind: 'employer',
        subject: enterprise,
        method: i === 2 ? 'joint' : 'special',
        inspectedOn: '2024-06-20',
        workersChecked: random.int(5, 20),
      },
      24,
    );
    const kind = findingKinds[(d * 2 + i) % findingKinds.length]!;
    const worker = { idNumber: residentId(random, unit), name: personName(random) };
    const findingId = `F-${unit}-${i}`;
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
        certificate: { type: 'special_operations', number: `T${worker.idNumber}` },
      },
      0.5,
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
      0.2,
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
        deadline: '2024-07-20',
      },
      1,
    );
    // 一案多罚: the enterprise and its principal are fined separately.
    emit(
      agency,
      unit,
      'FineImposed',
      {
        inspectionId,
        decisionNo: `${unit}罚〔2024〕${10 + i}号`,
        subjectKind: 'employer',
        target: {
          kind: 'enterprise',
          enterprise: { creditCode: enterprise.creditCode, name: enterprise.name },
        },
        amountFen: random.int(2, 9) * 1_000_000 + 5_000,
      },
      2,
      2,
    );
    // One older agency system still publishes fines in whole yuan (schema v1).
    emit(
      agency,
      unit,
      'FineImposed',
      {
        inspectionId,
        decisionNo: `${unit}罚〔2024〕${20 + i}号`,
        subjectKind: 'employer',
        target: {
          kind: 'responsible_person',
          person: { idNumber: residentId(random, unit), name: personName(random) },
          role: 'principal',
          employer: enterprise.creditCode,
        },
        amountYuan: 20_000,
      },
      1,
      1,
    );
    if (['forged', 'altered', 'bought'].includes(kind)) {
      emit(
        agency,
        unit,
        'CertificateConfiscated',
        {
          inspectionId,
          findingId,
          certificate: { type: 'special_operations', number: `T${worker.idNumber}` },
        },
        0.5,
      );
    }
    if (i === 1)
      emit(
        agency,
        unit,
        'SuspensionOrdered',
        {
          inspectionId,
          subjectKind: 'employer',
          subject: { creditCode: enterprise.creditCode, name: enterprise.name },
          from: '2024-06-21',
        },
        1,
      );
    emit(
      agency,
      unit,
      'ProblemRectified',
      { inspectionId, findingId: `${findingId}-E`, verifiedOn: '2024-07-18' },
      24 * 20,
    );
    emit(
      agency,
      unit,
      'FindingClosed',
      { inspectionId, findingId: `${findingId}-E`, closure: 'rectified' },
      1,
    );
  });
  emit(
    'market',
    unit,
    'IntermediaryInvestigated',
    {
      inspectionId: `INT-${unit}`,
      intermediary: { name: `某证书代办工作室${d}` },
      channel: 'wechat',
      investigatedOn: '2024-07-02',
    },
    5,
  );
  emit(
    'market',
    unit,
    'RectificationOrdered',
    {
      inspectionId: `INT-${unit}`,
      subjectKind: 'intermediary',
      subject: { name: `某证书代办工作室${d}` },
      findingIds: [],
      deadline: '2024-07-15',
    },
    1,
  );

  linkage(random, unit, d, emit);
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
    3,
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
    48,
  );
}

/** The two-way linkage, a different path in each district. */
function linkage(random: Random, unit: string, d: number, emit: Emit) {
  const clueId = `CLUE-${unit}-1`;
  const caseId = `CASE-${unit}-1`;
  const suspects = [{ idNumber: residentId(random, unit), name: personName(random) }];
  emit(
    'emergency',
    unit,
    'ClueTransferApproved',
    { clueId, reportedAt: '2024-06-21T10:00:00+08:00' },
    24,
  );
  emit(
    'emergency',
    unit,
    'ClueTransferred',
    {
      clueId,
      origin: 'enforcement',
      subjectKind: 'employer',
      toPoliceUnit: unit,
      suspectedOffence: '刑法第二百八十条 伪造、变造、买卖国家机关证件罪',
      suspects: 1,
      suspectPersons: suspects,
      fakeCertificates: 3 + d,
      relatedInspectionIds: [`INS-${unit}-0`],
    },
    12,
  );
  emit(
    'police',
    unit,
    'ClueReceiptSigned',
    { clueId, transferringAgency: 'emergency', receivedAt: '2024-06-23T09:00:00+08:00' },
    6,
  );
  const path = d % 4;
  if (path === 0 || path === 3) {
    emit(
      'police',
      unit,
      'CaseFiled',
      {
        caseId,
        clueId,
        transferringAgency: 'emergency',
        suspects: 1,
        offence: '伪造、变造、买卖国家机关证件罪',
      },
      48,
    );
    emit('emergency', unit, 'CaseMaterialsHandedOver', { clueId, caseId, items: 12 }, 24);
    emit(
      'procuratorate',
      unit,
      'EarlyInterventionStarted',
      { caseId, clueId, procurator: `P-${unit}-07` },
      24,
    );
    emit(
      'procuratorate',
      unit,
      'ArrestReviewDecided',
      { caseId, approvedPersons: 1, notApprovedPersons: 0 },
      72,
    );
    emit('police', unit, 'CaseSentForProsecution', { caseId, suspects: 1 }, 24 * 30);
    if (path === 0) {
      emit(
        'procuratorate',
        unit,
        'ProsecutionFiled',
        {
          caseId,
          defendants: 2,
          charges: '伪造、变造、买卖国家机关证件罪',
          courtUnit: `${unit}人民法院`,
        },
        24 * 20,
      );
      emit(
        'court',
        unit,
        'CaseAcceptedByCourt',
        { caseId, courtCaseNo: `（2024）沪${unit.slice(4)}刑初${100 + d}号` },
        24 * 3,
      );
      emit(
        'court',
        unit,
        'JudgmentDelivered',
        {
          caseId,
          courtCaseNo: `（2024）沪${unit.slice(4)}刑初${100 + d}号`,
          convictedPersons: 2,
          acquittedPersons: 0,
          deliveredOn: '2024-10-15',
          statute: '刑法第二百八十条',
        },
        24 * 30,
      );
    } else {
      emit(
        'procuratorate',
        unit,
        'NonProsecutionDecided',
        {
          caseId,
          persons: 1,
          kind: 'discretionary',
          opinion: {
            opinionId: `OP-${unit}`,
            addressee: 'emergency',
            recommendation: '建议对持假证人员及用人单位依法给予行政处罚',
          },
        },
        24 * 20,
      );
      emit(
        'emergency',
        unit,
        'ReturnedCasePenaltyDecided',
        {
          caseId,
          trigger: 'non_prosecution',
          outcome: 'penalty_imposed',
          penaltyDecisionNos: [`${unit}罚〔2024〕88号`],
          decidedOn: '2024-10-20',
        },
        24 * 10,
      );
      emit(
        'emergency',
        unit,
        'ProcuratorialOpinionReplied',
        { caseId, opinionId: `OP-${unit}`, summary: '已对当事人作出罚款决定' },
        24 * 2,
      );
    }
  } else if (path === 1) {
    emit(
      'police',
      unit,
      'CaseDeclined',
      { clueId, transferringAgency: 'emergency', reasons: '现有证据不足以证明存在犯罪事实' },
      48,
    );
    emit(
      'emergency',
      unit,
      'ReconsiderationRequested',
      { clueId, grounds: '当事人持有多张假证，数量达到立案标准' },
      48,
    );
    emit(
      'police',
      unit,
      'ReconsiderationDecided',
      { clueId, transferringAgency: 'emergency', outcome: 'refusal_upheld' },
      48,
    );
    emit(
      'emergency',
      unit,
      'FilingSupervisionRequested',
      { clueId, grounds: '复议维持不予立案决定，提请立案监督' },
      48,
    );
    emit(
      'procuratorate',
      unit,
      'FilingSupervisionConcluded',
      { clueId, transferringAgency: 'emergency', outcome: 'refusal_justified' },
      24 * 7,
    );
    emit(
      'emergency',
      unit,
      'ReturnedCasePenaltyDecided',
      {
        clueId,
        trigger: 'case_declined',
        outcome: 'penalty_imposed',
        penaltyDecisionNos: [`${unit}罚〔2024〕66号`],
        decidedOn: '2024-08-01',
      },
      24 * 5,
    );
  } else {
    emit(
      'police',
      unit,
      'ClueForwardedForJurisdiction',
      {
        clueId,
        transferringAgency: 'emergency',
        toPoliceUnit: '310106',
        reason: '制假窝点位于静安区',
      },
      12,
    );
  }
}

function cyberspace(random: Random, emit: Emit) {
  for (let i = 0; i < 3; i++) {
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
      6,
    );
    if (i < 2) emit('cyberspace', '310000', 'FakeWebsiteBlocked', { siteId, action: 'closed' }, 24);
  }
  emit(
    'cyberspace',
    '310000',
    'IllegalInformationCleaned',
    { batchId: 'CLEAN-2024-07', platform: '某社交平台', items: 137, kind: 'posts' },
    24,
  );
  emit(
    'market',
    '310105',
    'IllegalInformationCleaned',
    { batchId: 'LIST-2024-07', platform: '某电商平台', items: 42, kind: 'ecommerce_listings' },
    24,
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
    24,
  );
  emit(
    'cyberspace',
    '310000',
    'ClueTransferred',
    {
      clueId: 'CLUE-CYBER-1',
      origin: 'cyberspace',
      toPoliceUnit: '310000',
      suspectedOffence: '刑法第二百八十条',
      suspects: random.int(2, 4),
      fakeCertificates: 0,
    },
    24,
  );
}
