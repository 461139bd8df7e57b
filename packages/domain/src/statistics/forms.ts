import { FAKE_CERTIFICATE_FINDINGS } from '../inspections/events.js';
import { count, sum, when, type Figure } from './measures.js';

export * from './measures.js';

/**
 * One line of a form: the group labels above it (merged cells on the printed form) and its
 * figures. A line has two figures where the form asks for "件、人" in one cell.
 */
export interface FormLine {
  groupZh: readonly string[];
  figures: readonly Figure[];
}

export type PeriodRule =
  /** Two-month windows, reported by the end of the listed months for the two months before. */
  | { kind: 'bimonthly'; dueMonths: readonly number[] }
  /** A month's figures next to the figures accumulated since the campaign started. */
  | { kind: 'monthly-with-cumulative'; cumulativeFrom: string; dueDayOfMonth: number }
  /** One summary over the whole campaign. */
  | { kind: 'campaign'; from: string; to: string; dueOn: string };

export interface FormTemplate {
  id: string;
  titleZh: string;
  /** The document that prescribes the form. */
  sourceDocument: string;
  /**
   * `unit-rows`: one row per reporting unit, the lines are columns (Shanghai form).
   * `item-rows`: the lines are rows, with one value column per period measure.
   */
  layout: 'unit-rows' | 'item-rows';
  /** The first column of a unit-rows form, numbering its rows (序号). */
  serialColumnZh?: string;
  unitColumnZh?: string;
  /**
   * The headers over the label columns of an item-rows form: the category (类别) over the
   * outermost group, the item (项目) over the rest of the group labels and the item itself.
   */
  categoryColumnZh?: string;
  itemColumnZh?: string;
  valueColumnsZh: readonly string[];
  headerFieldsZh: readonly string[];
  footerFieldsZh: readonly string[];
  noteZh?: string;
  periodRule: PeriodRule;
  lines: readonly FormLine[];
}

/**
 * Decimals a money column prints. The forms leave them open; 万元 columns of these tables are
 * filled to two decimals (100 元), so two are always printed and more only where an amount
 * needs them to stay exact (12.01, 2.005); 元 columns print whole yuan, and fen where there are.
 */
const MONEY_DECIMALS = { 万元: 2, 元: 0 } as const;

const fig = (
  id: string,
  headerZh: string,
  unit: Figure['unit'],
  measure: Figure['measure'],
  accumulation?: Figure['accumulation'],
): Figure => ({
  id,
  headerZh,
  unit,
  measure,
  ...(accumulation ? { accumulation } : {}),
  ...(unit === '万元' || unit === '元' ? { decimals: MONEY_DECIMALS[unit] } : {}),
});

const employer = when('subjectKind', 'employer');
const training = when('subjectKind', 'training_institution');
const intermediary = when('subjectKind', 'intermediary');
const fake = when('kind', ...FAKE_CERTIFICATE_FINDINGS);
const notCyberspace = when(
  'origin',
  'enforcement',
  'self_inspection',
  'tip_off',
  'intermediary',
  'training_or_exam',
);

/** 长宁区安全生产资格证书涉假专项治理工作方案 附表 (2024). */
export const SHANGHAI_2024: FormTemplate = {
  id: 'shanghai-2024',
  titleZh: '2024年 x月份工作情况统计表',
  sourceDocument: '沪应急执法〔2024〕70号; 长宁区安全生产资格证书涉假专项治理工作方案 附表',
  layout: 'unit-rows',
  serialColumnZh: '序号',
  unitColumnZh: '省份',
  valueColumnsZh: [],
  headerFieldsZh: ['填报单位：', '填报人：', '联系方式：', '填报时间：'],
  footerFieldsZh: [],
  noteZh: '备注：8月、10月、12月底前报送上2个月的进展情况。',
  periodRule: { kind: 'bimonthly', dueMonths: [8, 10, 12] },
  lines: [
    ...[
      fig(
        'inspectedEnterprises',
        '开展执法检查的企业数量(家)',
        '家',
        count('InspectionConducted', { where: [employer], distinct: 'subject.creditCode' }),
      ),
      fig(
        'uncertifiedOrFakePersons',
        '查出无证、假证人员数量(人)',
        '人',
        count('FindingRecorded', {
          where: [when('kind', 'no_certificate', ...FAKE_CERTIFICATE_FINDINGS)],
          distinct: 'worker.idNumber',
        }),
      ),
      fig(
        'enterpriseProblems',
        '查出企业问题总数(项)',
        '项',
        count('FindingRecorded', { where: [employer] }),
      ),
      fig(
        'enterprisesOrderedToRectify',
        '限期整改的企业数量(家)',
        '家',
        count('RectificationOrdered', {
          where: [employer],
          distinct: 'subject.creditCode|subject.name',
        }),
      ),
      fig(
        'enterprisesSuspended',
        '停业整顿的企业数量(家)',
        '家',
        count('SuspensionOrdered', {
          where: [employer],
          distinct: 'subject.creditCode|subject.name',
        }),
      ),
      fig('fines', '罚款金额(万元)', '万元', sum('FineImposed', 'amountFen', [employer])),
      fig('problemsRectified', '完成整改的问题数量(项)', '项', count('ProblemRectified')),
      fig(
        'enforcementCluesTransferred',
        '涉嫌犯罪的问题线索移交数量(项)',
        '项',
        count('ClueTransferred', { where: [notCyberspace] }),
      ),
    ].map((f) => ({ groupZh: ['对企业执法检查情况'], figures: [f] })),
    ...[
      fig('fakeWebsitesFound', '查出假冒政府网站平台数量(项)', '项', count('FakeWebsiteFound')),
      fig(
        'illegalInformationCleaned',
        '清理涉安全生产资格证书违规信息数量(项)',
        '项',
        sum('IllegalInformationCleaned', 'items'),
      ),
      fig(
        'cyberspaceCluesTransferred',
        '涉嫌犯罪的问题线索移交数量(项)',
        '项',
        count('ClueTransferred', { where: [when('origin', 'cyberspace')] }),
      ),
    ].map((f) => ({ groupZh: ['网络空间治理情况'], figures: [f] })),
    ...[
      [fig('policeCases', '公安机关查处的涉假证案件数量(件)', '件', count('CaseFiled'))],
      [
        fig(
          'earlyInterventionCases',
          '检察机关提前介入的涉假证案件数量(件)',
          '件',
          count('EarlyInterventionStarted', { distinct: 'caseId' }),
        ),
      ],
      [
        fig(
          'prosecutedCases',
          '检察机关提起公诉的涉假证案件数量(件、人)',
          '件',
          count('ProsecutionFiled', { distinct: 'caseId' }),
        ),
        fig(
          'prosecutedPersons',
          '检察机关提起公诉的涉假证案件数量(件、人)',
          '人',
          sum('ProsecutionFiled', 'defendants'),
        ),
      ],
      [
        fig(
          'courtCases',
          '人民法院审判假证案件数量(件)',
          '件',
          count('JudgmentDelivered', { distinct: 'caseId' }),
        ),
      ],
    ].map((figures) => ({ groupZh: ['立案查处情况'], figures })),
  ],
};

/** 粤安办〔2018〕108号 附件: 广东省打击假冒特种作业操作证专项治理情况统计表. */
export const GUANGDONG_2018: FormTemplate = {
  id: 'guangdong-2018',
  titleZh: '广东省打击假冒特种作业操作证专项治理情况统计表',
  sourceDocument: '粤安办〔2018〕108号 附件',
  layout: 'item-rows',
  categoryColumnZh: '类别',
  itemColumnZh: '项目',
  valueColumnsZh: ['本月数据', '累计数据'],
  headerFieldsZh: ['单位'],
  footerFieldsZh: ['填表人', '联系电话'],
  noteZh:
    '本表请按照地级以上市为单位报送，并请于2018年 8月起每月25日前将盖章pdf扫描件及电子版发送至省安委办。',
  periodRule: { kind: 'monthly-with-cumulative', cumulativeFrom: '2018-07-10', dueDayOfMonth: 25 },
  lines: [
    {
      groupZh: ['自纠自查情况', '用人单位'],
      figures: [
        fig(
          'selfInspectedEmployers',
          '用人单位（家）',
          '家',
          count('SelfInspectionReported', { distinct: 'enterprise.creditCode' }),
        ),
      ],
    },
    {
      groupZh: ['自纠自查情况', '用人单位'],
      figures: [
        fig(
          'selfInspectionFakes',
          '发现假冒证件（人）',
          '人',
          sum('SelfInspectionReported', 'fakeCertificatesFound'),
        ),
      ],
    },
    {
      groupZh: ['自纠自查情况', '用人单位'],
      figures: [
        fig(
          'selfInspectionReported',
          '上报处理（人）',
          '人',
          sum('SelfInspectionReported', 'reportedForHandling'),
        ),
      ],
    },
    {
      groupZh: ['自纠自查情况', '安全培训机构'],
      figures: [
        fig(
          'selfInspectedTraining',
          '安全培训机构（家）',
          '家',
          count('InstitutionSelfInspectionReported', {
            where: [when('institutionKind', 'training_institution')],
            distinct: 'institution.name',
          }),
        ),
      ],
    },
    {
      groupZh: ['自纠自查情况', '安全培训机构'],
      figures: [
        fig(
          'trainingLetThrough',
          '默许或协助复审或换发假冒证件（人）',
          '人',
          sum('InstitutionSelfInspectionReported', 'fakeCertificatesLetThrough', [
            when('institutionKind', 'training_institution'),
          ]),
        ),
      ],
    },
    {
      groupZh: ['自纠自查情况', '安全培训机构'],
      figures: [
        fig(
          'trainingReported',
          '上报处理（人）',
          '人',
          sum('InstitutionSelfInspectionReported', 'reportedForHandling', [
            when('institutionKind', 'training_institution'),
          ]),
        ),
      ],
    },
    {
      groupZh: ['自纠自查情况', '考核发证机构'],
      figures: [
        fig(
          'issuerProblems',
          '发现问题（条）',
          '条',
          sum('InstitutionSelfInspectionReported', 'problemsFound', [
            when('institutionKind', 'exam_or_issuing_body'),
          ]),
        ),
      ],
    },
    {
      groupZh: ['自纠自查情况', '考核发证机构'],
      figures: [
        fig(
          'issuerProceduresImproved',
          '优化办事程序（条）',
          '条',
          sum('InstitutionSelfInspectionReported', 'proceduresImproved', [
            when('institutionKind', 'exam_or_issuing_body'),
          ]),
        ),
      ],
    },
    ...enforcementLines('用人单位', employer, 'employer'),
    ...enforcementLines('安全培训机构', training, 'training'),
    {
      groupZh: ['执法情况', '假冒网站'],
      figures: [
        fig(
          'fakeWebsitesFound',
          '发现假冒网站（家）',
          '家',
          count('FakeWebsiteFound', { distinct: 'siteId' }),
        ),
      ],
    },
    {
      groupZh: ['执法情况', '假冒网站'],
      figures: [
        fig(
          'fakeWebsitesBlocked',
          '封堵网站（家）',
          '家',
          count('FakeWebsiteBlocked', { distinct: 'siteId' }),
        ),
      ],
    },
    {
      groupZh: ['执法情况', '违法中介'],
      figures: [
        fig(
          'intermediariesInvestigated',
          '查处违法中介（家）',
          '家',
          count('IntermediaryInvestigated', { distinct: 'inspectionId' }),
        ),
      ],
    },
    {
      groupZh: ['执法情况', '违法中介'],
      figures: [
        fig(
          'intermediariesOrderedToRectify',
          '责令整改（家）',
          '家',
          count('RectificationOrdered', { where: [intermediary], distinct: 'inspectionId' }),
        ),
      ],
    },
    {
      groupZh: ['执法情况', '违法中介'],
      figures: [
        fig(
          'intermediaryFines',
          '行政罚款（元）',
          '元',
          sum('FineImposed', 'amountFen', [intermediary]),
        ),
      ],
    },
    {
      groupZh: ['执法情况', '违法中介'],
      figures: [
        fig(
          'intermediaryTransferredPersons',
          '移送公安（人）',
          '人',
          sum('ClueTransferred', 'suspects', [intermediary]),
        ),
      ],
    },
  ],
};

function enforcementLines(
  labelZh: string,
  subject: ReturnType<typeof when>,
  prefix: string,
): FormLine[] {
  const group = ['执法情况', labelZh];
  return [
    fig(
      `${prefix}FakesFound`,
      '发现假冒证件（人）',
      '人',
      count('FindingRecorded', { where: [subject, fake], distinct: 'worker.idNumber' }),
    ),
    fig(
      `${prefix}OrderedToRectify`,
      '责令整改（家）',
      '家',
      count('RectificationOrdered', {
        where: [subject],
        distinct: 'subject.creditCode|subject.name',
      }),
    ),
    fig(
      `${prefix}Suspended`,
      '停产整顿（家）',
      '家',
      count('SuspensionOrdered', { where: [subject], distinct: 'subject.creditCode|subject.name' }),
    ),
    fig(`${prefix}Fines`, '行政罚款（元）', '元', sum('FineImposed', 'amountFen', [subject])),
    fig(
      `${prefix}TransferredPersons`,
      '移送公安（人）',
      '人',
      sum('ClueTransferred', 'suspects', [subject]),
    ),
  ].map((f) => ({ groupZh: group, figures: [f] }));
}

/** 津安委办发〔2023〕57号 附件1: 特种作业人员持假证和无证上岗专项治理行动情况汇总表. */
export const JIANGJIN_2023: FormTemplate = {
  id: 'jiangjin-2023',
  titleZh: '特种作业人员持假证和无证上岗专项治理行动情况汇总表',
  sourceDocument: '津安委办发〔2023〕57号 附件1',
  layout: 'item-rows',
  categoryColumnZh: '类别',
  itemColumnZh: '项目',
  valueColumnsZh: ['汇总数据'],
  headerFieldsZh: ['填报单位：'],
  footerFieldsZh: ['填表人', '联系电话'],
  periodRule: { kind: 'campaign', from: '2023-07-20', to: '2023-12-10', dueOn: '2023-10-20' },
  lines: [
    ...[
      fig(
        'enterprisesInArea',
        '辖区内生产经营单位（含央企子公司、分公司）数量（家）',
        '家',
        count('EnterpriseListedInArea', { distinct: 'enterprise.creditCode' }),
        'stock',
      ),
      fig(
        'selfInspected',
        '开展自查（家）',
        '家',
        count('SelfInspectionReported', { distinct: 'enterprise.creditCode' }),
      ),
      fig(
        'notSelfInspected',
        '未开展自查（家）',
        '家',
        count('EnterpriseListedInArea', {
          distinct: 'enterprise.creditCode',
          except: { event: 'SelfInspectionReported', field: 'enterprise.creditCode' },
        }),
        'stock',
      ),
      fig(
        'selfInspectionFakes',
        '假冒特种作业操作证（个）',
        '个',
        sum('SelfInspectionReported', 'fakeCertificatesFound'),
      ),
      fig(
        'selfInspectionUncertified',
        '无特种作业操作证上岗数（个）',
        '个',
        sum('SelfInspectionReported', 'uncertifiedWorkers'),
      ),
    ].map((f) => ({ groupZh: ['生产经营单位全面自查情况'], figures: [f] })),
    ...[
      fig(
        'inspected',
        '执法检查（家）',
        '家',
        count('InspectionConducted', { where: [employer], distinct: 'subject.creditCode' }),
      ),
      fig(
        'orderedToRectify',
        '责令整改（家）',
        '家',
        count('RectificationOrdered', {
          where: [employer],
          distinct: 'subject.creditCode|subject.name',
        }),
      ),
      fig(
        'suspended',
        '停产整顿（家）',
        '家',
        count('SuspensionOrdered', {
          where: [employer],
          distinct: 'subject.creditCode|subject.name',
        }),
      ),
      fig(
        'fakesFound',
        '发现假证（个）',
        '个',
        count('FindingRecorded', { where: [employer, fake] }),
      ),
      fig(
        'expired',
        '逾期证件（个）',
        '个',
        count('FindingRecorded', { where: [employer, when('kind', 'expired', 'review_overdue')] }),
      ),
      fig(
        'uncertified',
        '未持证（个）',
        '个',
        count('FindingRecorded', { where: [employer, when('kind', 'no_certificate')] }),
      ),
      fig('fines', '行政罚款（万元）', '万元', sum('FineImposed', 'amountFen', [employer])),
    ].map((f) => ({ groupZh: ['开展专项执法检查', '生产经营单位'], figures: [f] })),
  ],
};

export const FORM_TEMPLATES: readonly FormTemplate[] = [
  SHANGHAI_2024,
  GUANGDONG_2018,
  JIANGJIN_2023,
];

/** The "two 100%" of 粤应急函〔2020〕357号: numerator and denominator of each rate. */
export const TWO_HUNDRED_PERCENT_RATES = [
  {
    id: 'selfInspectionRate',
    labelZh: '企业自查率',
    numerator: count('SelfInspectionReported', { distinct: 'enterprise.creditCode' }),
    denominator: count('EnterpriseListedInArea', { distinct: 'enterprise.creditCode' }),
  },
  {
    id: 'certificateHoldingRate',
    labelZh: '特种作业人员持证率',
    numerator: sum('SelfInspectionReported', 'certifiedWorkers'),
    denominator: sum('SelfInspectionReported', 'specialOperationsWorkers'),
  },
] as const;
