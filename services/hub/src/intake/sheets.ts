/**
 * The spreadsheets district offices keep today, one template per sheet: the columns under the
 * Chinese names they write (English names accepted too), and how a row becomes events. Each
 * event's id is derived from the agency, the sheet and the row's own numbers (检查编号, 问题编号,
 * 处罚决定书文号, 线索编号), never from the row's position: uploading the same rows again, or
 * a month's file that repeats last month's rows, records nothing twice.
 */
import { deterministicUuid, type ColumnAliases } from '@hub/certificates';

export type Cells = Readonly<Record<string, string>>;

/** A value the sheet's words give, or a problem in Chinese for the row and column. */
export class CellProblem extends Error {
  constructor(
    readonly column: string,
    message: string,
  ) {
    super(message);
  }
}

export interface SheetTemplate {
  /** The sheet's name in the workbook and in messages. */
  titleZh: string;
  /** Canonical column → its headers, Chinese first (the template's header is the first). */
  columns: ColumnAliases;
  required: readonly string[];
  /** The column saying on which day the row's events happened (their occurredAt). */
  occurredOn: string;
  /** What each column should hold, in Chinese: shown in the template and with every problem. */
  hintsZh: Readonly<Record<string, string>>;
  /** The envelopes a row publishes (ids deterministic), or a CellProblem. */
  events(cells: Cells, agency: string): SheetEnvelope[];
}

const choice =
  (column: string, options: Readonly<Record<string, string>>) =>
  (cells: Cells): string => {
    const value = (cells[column] ?? '').trim();
    const found = options[value] ?? (Object.values(options).includes(value) ? value : undefined);
    if (!found)
      throw new CellProblem(
        column,
        `“${value}”不是可选值，应为 ${Object.keys(options).join('、')} 之一`,
      );
    return found;
  };

const SUBJECT_KIND = {
  生产经营单位: 'employer',
  用人单位: 'employer',
  培训机构: 'training_institution',
  考试机构: 'exam_institution',
  中介机构: 'intermediary',
};
const METHOD = {
  日常检查: 'routine',
  专项检查: 'special',
  联合检查: 'joint',
  暗查暗访: 'unannounced',
  交叉检查: 'cross_area',
};
const FINDING_KIND = {
  无证上岗: 'no_certificate',
  伪造证书: 'forged',
  变造证书: 'altered',
  买卖证书: 'bought',
  出借转让冒用: 'lent_transferred_or_impersonated',
  证书过期: 'expired',
  逾期未复审: 'review_overdue',
  持其他部门证书: 'other_department_certificate',
  未核验证书: 'employer_failed_to_verify',
  台账不全: 'records_deficient',
  培训不规范: 'training_irregularity',
  考试不规范: 'exam_irregularity',
  其他: 'other',
};
const CERTIFICATE_TYPE = {
  特种作业操作证: 'special_operations',
  安全生产知识和管理能力考核合格证: 'safety_management',
  建筑施工特种作业操作资格证: 'construction_special_operations',
  特种设备安全管理和作业人员证: 'special_equipment',
};
const FINE_ROLE = {
  主要负责人: 'principal',
  安全管理人员: 'safety_manager',
  作业人员: 'worker',
  其他: 'other',
};
const CLUE_ORIGIN = {
  执法检查: 'enforcement',
  企业自查: 'self_inspection',
  网络巡查: 'cyberspace',
  群众举报: 'tip_off',
  中介查处: 'intermediary',
  培训考试: 'training_or_exam',
};

/**
 * A date as offices write it (2024-06-20, 2024/6/20, 2024.6.20, 2024年6月20日, or an Excel date
 * cell) as YYYY-MM-DD.
 */
export function dateCell(cells: Cells, column: string): string {
  const value = (cells[column] ?? '').trim();
  // A date cell of a workbook read without its styles is Excel's serial day number.
  if (/^\d{5}$/.test(value))
    return new Date(Date.UTC(1899, 11, 30) + Number(value) * 86_400_000).toISOString().slice(0, 10);
  const match = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/u.exec(value);
  if (!match)
    throw new CellProblem(column, `日期“${value}”无法识别，应写作 2024-06-20 或 2024年6月20日`);
  const [, y, m, d] = match;
  const day = `${y}-${m!.padStart(2, '0')}-${d!.padStart(2, '0')}`;
  const parsed = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== day)
    throw new CellProblem(column, `日期“${value}”不存在，请核对年、月、日`);
  return day;
}

/** A day's events happen in Asia/Shanghai: the start of that day, +08:00. */
const startOfDay = (day: string) => `${day}T00:00:00+08:00`;

/** Yuan as written (1234.5, 1,234.50, 1234.50元) to integer fen, exactly, or a problem. */
export function fenCell(cells: Cells, column: string): number {
  const value = (cells[column] ?? '').trim().replace(/[,，]/g, '').replace(/元$/u, '');
  const match = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(value);
  if (!match)
    throw new CellProblem(
      column,
      `金额“${value}”无法识别，应为以元计的数字，最多两位小数（如 5000 或 1234.50）`,
    );
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

const countCell = (cells: Cells, column: string): number => {
  const value = (cells[column] ?? '').trim();
  if (!/^\d{1,9}$/.test(value)) throw new CellProblem(column, `“${value}”不是非负整数`);
  return Number(value);
};
const optional = (cells: Cells, column: string) => {
  const value = (cells[column] ?? '').trim();
  return value === '' ? undefined : value;
};

/** What a row publishes: the envelope an agency system would send to POST /v1/events. */
export interface SheetEnvelope {
  id: string;
  type: string;
  schemaVersion: number;
  reportingUnit: string;
  occurredAt: string;
  actor: { officerId: string };
  data: object;
}

const envelope = (
  agency: string,
  key: string,
  cells: Cells,
  type: string,
  occurredOn: string,
  data: object,
  schemaVersion = 1,
): SheetEnvelope => ({
  id: deterministicUuid(`${agency}|sheet|${key}`),
  type,
  schemaVersion,
  reportingUnit: cells.reportingUnit ?? '',
  occurredAt: startOfDay(occurredOn),
  actor: { officerId: optional(cells, 'officerId') ?? 'hub-import' },
  data,
});

const COMMON_COLUMNS: ColumnAliases = {
  reportingUnit: ['行政区划代码', '区划代码', '填报单位代码', 'reportingUnit'],
  officerId: ['执法人员编号', '经办人编号', 'officerId'],
};
const COMMON_HINTS = {
  reportingUnit: '填 6 位行政区划代码，如 310105（长宁区）',
  officerId: '可空；填本单位执法人员编号，如 E-042',
};
const SUBJECT_COLUMNS: ColumnAliases = {
  subjectKind: ['检查对象类型', '对象类型', 'subjectKind'],
  subjectName: ['单位名称', '被检查单位', '对象名称', 'subjectName'],
  creditCode: ['统一社会信用代码', '信用代码', 'creditCode'],
};
const SUBJECT_HINTS = {
  subjectKind: `${Object.keys(SUBJECT_KIND).join('、')} 之一`,
  subjectName: '单位全称',
  creditCode: '18 位统一社会信用代码',
};
const subjectRef = (cells: Cells) => ({
  ...(optional(cells, 'creditCode') ? { creditCode: optional(cells, 'creditCode') } : {}),
  name: cells.subjectName ?? '',
});

export const SHEETS = {
  inspections: {
    occurredOn: 'inspectedOn',
    titleZh: '执法检查',
    columns: {
      inspectionId: ['检查编号', 'inspectionId'],
      ...COMMON_COLUMNS,
      inspectedOn: ['检查日期', 'inspectedOn'],
      ...SUBJECT_COLUMNS,
      method: ['检查方式', 'method'],
      workersChecked: ['检查特种作业人员数', '检查人数', 'workersChecked'],
    },
    required: [
      'inspectionId',
      'reportingUnit',
      'inspectedOn',
      'subjectKind',
      'subjectName',
      'creditCode',
      'method',
      'workersChecked',
    ],
    hintsZh: {
      inspectionId:
        '检查编号须全国唯一：以本单位区划代码开头，如 310104-INS-2024-0001（字母、数字、-）',
      ...COMMON_HINTS,
      inspectedOn: '如 2024-06-20',
      ...SUBJECT_HINTS,
      method: `${Object.keys(METHOD).join('、')} 之一`,
      workersChecked: '核查证件的特种作业人员人数',
    },
    events: (cells, agency) => {
      const inspectedOn = dateCell(cells, 'inspectedOn');
      return [
        envelope(
          agency,
          `inspection|${cells.inspectionId}`,
          cells,
          'InspectionConducted',
          inspectedOn,
          {
            inspectionId: cells.inspectionId,
            subjectKind: choice('subjectKind', SUBJECT_KIND)(cells),
            subject: { creditCode: cells.creditCode, name: cells.subjectName },
            method: choice('method', METHOD)(cells),
            inspectedOn,
            workersChecked: countCell(cells, 'workersChecked'),
          },
        ),
      ];
    },
  },
  findings: {
    occurredOn: 'foundOn',
    titleZh: '查出问题',
    columns: {
      inspectionId: ['检查编号', 'inspectionId'],
      findingId: ['问题编号', 'findingId'],
      ...COMMON_COLUMNS,
      foundOn: ['发现日期', '检查日期', 'foundOn'],
      subjectKind: SUBJECT_COLUMNS.subjectKind!,
      kind: ['问题类型', 'kind'],
      name: ['姓名', '人员姓名', 'name'],
      idNumber: ['身份证号', '身份证号码', 'idNumber'],
      certificateType: ['证书类型', 'certificateType'],
      certificateNumber: ['证书编号', 'certificateNumber'],
      description: ['问题描述', '情况说明', 'description'],
    },
    required: ['inspectionId', 'findingId', 'reportingUnit', 'foundOn', 'subjectKind', 'kind'],
    hintsZh: {
      inspectionId: '与「执法检查」表的检查编号相同',
      findingId: '问题编号须全国唯一：以本单位区划代码开头，如 310104-F-0001',
      ...COMMON_HINTS,
      foundOn: '如 2024-06-20',
      subjectKind: SUBJECT_HINTS.subjectKind,
      kind: `${Object.keys(FINDING_KIND).join('、')} 之一`,
      name: '涉及作业人员时必填，与身份证一致',
      idNumber: '涉及作业人员时必填，18 位（平台加密保存，不以明文存储）',
      certificateType: `可空；${Object.keys(CERTIFICATE_TYPE).join('、')} 之一`,
      certificateNumber: '可空；与证面一致',
      description: '可空；不超过 1000 字，勿写身份证号',
    },
    events: (cells, agency) => {
      const worker =
        optional(cells, 'name') || optional(cells, 'idNumber')
          ? { worker: { idNumber: cells.idNumber ?? '', name: cells.name ?? '' } }
          : {};
      const certificate = optional(cells, 'certificateNumber')
        ? {
            certificate: {
              type: choice('certificateType', CERTIFICATE_TYPE)(cells),
              number: cells.certificateNumber,
            },
          }
        : {};
      return [
        envelope(
          agency,
          `finding|${cells.inspectionId}|${cells.findingId}`,
          cells,
          'FindingRecorded',
          dateCell(cells, 'foundOn'),
          {
            inspectionId: cells.inspectionId,
            findingId: cells.findingId,
            subjectKind: choice('subjectKind', SUBJECT_KIND)(cells),
            kind: choice('kind', FINDING_KIND)(cells),
            ...worker,
            ...certificate,
            ...(optional(cells, 'description') ? { description: cells.description } : {}),
          },
        ),
      ];
    },
  },
  fines: {
    occurredOn: 'decidedOn',
    titleZh: '行政处罚',
    columns: {
      inspectionId: ['检查编号', 'inspectionId'],
      decisionNo: ['处罚决定书文号', '决定书文号', 'decisionNo'],
      ...COMMON_COLUMNS,
      decidedOn: ['决定日期', '处罚日期', 'decidedOn'],
      ...SUBJECT_COLUMNS,
      target: ['处罚对象', 'target'],
      name: ['姓名', '被处罚人姓名', 'name'],
      idNumber: ['身份证号', '身份证号码', 'idNumber'],
      role: ['人员身份', 'role'],
      amountYuan: ['罚款金额（元）', '罚款金额', '罚款金额(元)', 'amountYuan'],
      legalBasis: ['法律依据', '处罚依据', 'legalBasis'],
    },
    required: [
      'inspectionId',
      'decisionNo',
      'reportingUnit',
      'decidedOn',
      'subjectKind',
      'subjectName',
      'target',
      'amountYuan',
    ],
    hintsZh: {
      inspectionId: '与「执法检查」表的检查编号相同',
      decisionNo: '行政处罚决定书文号，一案多罚时每份决定书一行',
      ...COMMON_HINTS,
      decidedOn: '如 2024-07-05',
      ...SUBJECT_HINTS,
      creditCode: '处罚单位时必填；18 位统一社会信用代码',
      target: '单位 或 个人',
      name: '处罚个人时必填',
      idNumber: '处罚个人时必填（平台加密保存）',
      role: `处罚个人时必填：${Object.keys(FINE_ROLE).join('、')} 之一`,
      amountYuan: '以元计，最多两位小数，如 5000 或 1234.50',
      legalBasis: '可空；如 《安全生产法》第九十七条',
    },
    events: (cells, agency) => {
      const target = choice('target', { 单位: 'enterprise', 个人: 'responsible_person' })(cells);
      return [
        envelope(
          agency,
          `fine|${cells.inspectionId}|${cells.decisionNo}`,
          cells,
          'FineImposed',
          dateCell(cells, 'decidedOn'),
          {
            inspectionId: cells.inspectionId,
            decisionNo: cells.decisionNo,
            subjectKind: choice('subjectKind', SUBJECT_KIND)(cells),
            target:
              target === 'enterprise'
                ? { kind: 'enterprise', enterprise: subjectRef(cells) }
                : {
                    kind: 'responsible_person',
                    person: { idNumber: cells.idNumber ?? '', name: cells.name ?? '' },
                    role: choice('role', FINE_ROLE)(cells),
                    ...(optional(cells, 'creditCode') ? { employer: cells.creditCode } : {}),
                  },
            amountFen: fenCell(cells, 'amountYuan'),
            ...(optional(cells, 'legalBasis') ? { legalBasis: cells.legalBasis } : {}),
          },
          2,
        ),
      ];
    },
  },
  rectifications: {
    occurredOn: 'orderedOn',
    titleZh: '责令整改',
    columns: {
      inspectionId: ['检查编号', 'inspectionId'],
      findingId: ['问题编号', 'findingId'],
      ...COMMON_COLUMNS,
      orderedOn: ['责令日期', '下达日期', 'orderedOn'],
      ...SUBJECT_COLUMNS,
      deadline: ['整改期限', '限期', 'deadline'],
      rectifiedOn: ['整改完成日期', '复查日期', 'rectifiedOn'],
    },
    required: [
      'inspectionId',
      'findingId',
      'reportingUnit',
      'orderedOn',
      'subjectKind',
      'subjectName',
      'deadline',
    ],
    hintsZh: {
      inspectionId: '与「执法检查」表的检查编号相同',
      findingId: '与「查出问题」表的问题编号相同，每个问题一行',
      ...COMMON_HINTS,
      orderedOn: '下达责令限期整改的日期',
      ...SUBJECT_HINTS,
      creditCode: '可空；18 位统一社会信用代码',
      deadline: '整改期限，如 2024-07-20',
      rectifiedOn: '可空；复查确认整改完成的日期，填后记为完成整改',
    },
    events: (cells, agency) => {
      const key = `${cells.inspectionId}|${cells.findingId}`;
      const ordered = envelope(
        agency,
        `rectification|${key}`,
        cells,
        'RectificationOrdered',
        dateCell(cells, 'orderedOn'),
        {
          inspectionId: cells.inspectionId,
          subjectKind: choice('subjectKind', SUBJECT_KIND)(cells),
          subject: subjectRef(cells),
          findingIds: [cells.findingId],
          deadline: dateCell(cells, 'deadline'),
        },
      );
      if (!optional(cells, 'rectifiedOn')) return [ordered];
      const rectifiedOn = dateCell(cells, 'rectifiedOn');
      return [
        ordered,
        envelope(agency, `rectified|${key}`, cells, 'ProblemRectified', rectifiedOn, {
          inspectionId: cells.inspectionId,
          findingId: cells.findingId,
          verifiedOn: rectifiedOn,
        }),
      ];
    },
  },
  clues: {
    occurredOn: 'transferredOn',
    titleZh: '移送线索',
    columns: {
      clueId: ['线索编号', 'clueId'],
      ...COMMON_COLUMNS,
      transferredOn: ['移送日期', 'transferredOn'],
      origin: ['线索来源', 'origin'],
      subjectKind: SUBJECT_COLUMNS.subjectKind!,
      toPoliceUnit: ['接收公安机关区划代码', '公安机关区划代码', 'toPoliceUnit'],
      suspectedOffence: ['涉嫌罪名', 'suspectedOffence'],
      suspects: ['涉嫌人数', 'suspects'],
      fakeCertificates: ['涉及假证数', '假证数量', 'fakeCertificates'],
      relatedInspectionId: ['关联检查编号', 'relatedInspectionId'],
    },
    required: [
      'clueId',
      'reportingUnit',
      'transferredOn',
      'origin',
      'toPoliceUnit',
      'suspectedOffence',
      'suspects',
      'fakeCertificates',
    ],
    hintsZh: {
      clueId: '线索编号须全国唯一：以本单位区划代码开头，如 310104-CLUE-2024-001',
      ...COMMON_HINTS,
      transferredOn: '移送公安机关的日期',
      origin: `${Object.keys(CLUE_ORIGIN).join('、')} 之一`,
      subjectKind: `可空；${SUBJECT_HINTS.subjectKind}`,
      toPoliceUnit: '接收线索的公安机关的 6 位行政区划代码',
      suspectedOffence: '如 伪造、变造、买卖国家机关证件罪',
      suspects: '涉嫌人数（人）',
      fakeCertificates: '涉及假证数量（本）',
      relatedInspectionId: '可空；发现线索的检查编号',
    },
    events: (cells, agency) => [
      envelope(
        agency,
        `clue|${cells.clueId}`,
        cells,
        'ClueTransferred',
        dateCell(cells, 'transferredOn'),
        {
          clueId: cells.clueId,
          origin: choice('origin', CLUE_ORIGIN)(cells),
          ...(optional(cells, 'subjectKind')
            ? { subjectKind: choice('subjectKind', SUBJECT_KIND)(cells) }
            : {}),
          toPoliceUnit: cells.toPoliceUnit,
          suspectedOffence: cells.suspectedOffence,
          suspects: countCell(cells, 'suspects'),
          fakeCertificates: countCell(cells, 'fakeCertificates'),
          ...(optional(cells, 'relatedInspectionId')
            ? { relatedInspectionIds: [cells.relatedInspectionId] }
            : {}),
        },
      ),
    ],
  },
} satisfies Record<string, SheetTemplate>;

export type SheetKind = keyof typeof SHEETS;
export const SHEET_KINDS = Object.keys(SHEETS) as SheetKind[];

/** A sheet named by its key or its Chinese title (执法检查 …). */
export function sheetKindOf(name: string): SheetKind | undefined {
  const wanted = name.trim();
  return SHEET_KINDS.find((k) => k === wanted || SHEETS[k].titleZh === wanted);
}
