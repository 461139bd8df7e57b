import {
  certificateNumberProblem,
  certificateTypeChoicesZh,
  certificateTypeOf,
  ISSUER_OF,
  clockAt,
  maskIdNumbersIn,
  validatePublishedEvent,
  type AcceptedEvent,
  type Agency,
  type CertificateType,
  type RecordingClock,
} from '@hub/domain';
import { IdempotencyConflictError, type EventStore } from '@hub/event-store';
import { appendAccepted, type PersonalDataSealing } from '@hub/ingestion';
import { deterministicUuid } from '../deterministic-id.js';
import { CERTIFICATE_COLUMNS, type ColumnAliases, type TableRow } from '../files/table-reader.js';

/** The columns of an issuer's export, under the names issuers use. */
export const EXPORT_COLUMNS: ColumnAliases = {
  ...CERTIFICATE_COLUMNS,
  operationCategory: ['作业类别', '作业种类', '工种', '工种类别', '操作类别', 'operationCategory'],
  operationItem: ['操作项目', '准操项目', '作业项目', '资格项目', 'operationItem'],
  issuedOn: ['发证日期', '初领日期', '领证日期', '初次领证日期', 'issueDate', 'issuedOn'],
  validUntil: ['有效期至', '有效期截止日期', '有效截止日期', '有效期', 'expiryDate', 'validUntil'],
  nextReviewDue: ['应复审日期', '复审日期', '下次复审日期', 'nextReviewDue'],
  issuingAuthority: ['发证机关', '签发机关', '发证单位', 'authority', 'issuingAuthority'],
};
export const EXPORT_REQUIRED = [
  'number',
  'idNumber',
  'name',
  'operationCategory',
  'operationItem',
  'issuedOn',
  'validUntil',
  'issuingAuthority',
];

/** Where in the row a problem of the event lies, by the column it came from. */
const COLUMN_OF_POINTER: Record<string, string> = {
  '/occurredAt': 'issuedOn',
  '/data/certificateType': 'certificateType',
  '/data/number': 'number',
  '/data/holder/idNumber': 'idNumber',
  '/data/holder/name': 'name',
  '/data/operationCategory': 'operationCategory',
  '/data/operationItem': 'operationItem',
  '/data/issuedOn': 'issuedOn',
  '/data/validUntil': 'validUntil',
  '/data/nextReviewDue': 'nextReviewDue',
  '/data/issuingAuthority': 'issuingAuthority',
};

export interface RowProblem {
  line: number;
  /** The canonical column (for machines). */
  column?: string;
  /** The column's header as the file wrote it (for people). */
  header?: string;
  /** Chinese first, then English: what is wrong and what to write instead. */
  message: string;
}

/** What each column should hold, Chinese first: said with every problem found in it. */
const FIX_ZH: Record<string, string> = {
  number: '证书编号应与证面一致',
  idNumber: '身份证号应为 18 位（最后一位可为 X）',
  name: '姓名应与身份证一致，不含空格以外的不可见字符',
  operationCategory: '作业类别应为该证书的作业类别（如 电工作业、建筑电工）',
  operationItem: '操作项目应与证面一致',
  issuedOn: '发证日期应写作 YYYY-MM-DD（如 2021-03-15）',
  validUntil: '有效期至应写作 YYYY-MM-DD（如 2027-03-14）',
  nextReviewDue: '应复审日期应写作 YYYY-MM-DD',
  issuingAuthority: '发证机关应写全称（如 上海市应急管理局）',
};

export interface ImportResult {
  rows: number;
  imported: number;
  alreadyImported: number;
  problems: RowProblem[];
}

export interface ImportOptions {
  agency: Agency;
  /** Type for rows without a type column. */
  certificateType?: CertificateType;
  /** Division code of the issuing authority (the events' reporting unit). */
  reportingUnit: string;
  officerId: string;
  chunkSize?: number;
  onProgress?: (rows: number) => void;
  /** The hub's time and clock-skew tolerance (default: the system clock, 5 min). */
  recordingClock?: () => RecordingClock;
  /** Seals the holders' ID numbers (and numbers that hold one) before the events are stored. */
  sealing: PersonalDataSealing;
}

function toEnvelope(row: TableRow, certificateType: CertificateType, options: ImportOptions) {
  const c = row.cells;
  const data = {
    certificateType,
    number: c.number,
    holder: { idNumber: c.idNumber, name: c.name },
    operationCategory: c.operationCategory,
    operationItem: c.operationItem,
    issuedOn: c.issuedOn,
    validUntil: c.validUntil,
    ...(c.nextReviewDue ? { nextReviewDue: c.nextReviewDue } : {}),
    issuingAuthority: c.issuingAuthority,
  };
  return {
    // The same certificate issued on the same day is the same event, however often it is imported.
    id: deterministicUuid(
      `import|${options.agency}|${certificateType}|${c.number?.toUpperCase()}|${c.issuedOn}`,
    ),
    type: 'CertificateIssued',
    schemaVersion: 1,
    reportingUnit: options.reportingUnit,
    occurredAt: /^\d{4}-\d{2}-\d{2}$/.test(c.issuedOn ?? '')
      ? `${c.issuedOn}T00:00:00+08:00`
      : `${c.issuedOn}`,
    actor: { officerId: options.officerId },
    data,
  };
}

/**
 * Imports an issuer's existing export as CertificateIssued events, streamed in chunks. Each
 * row is validated like a published event; a bad row is reported with its line and column and
 * the others go on. Re-importing changes nothing: event ids are derived from the rows.
 */
export async function importIssuerExport(
  store: EventStore,
  rows: AsyncIterable<TableRow>,
  options: ImportOptions,
): Promise<ImportResult> {
  if (options.certificateType && ISSUER_OF[options.certificateType] !== options.agency)
    throw new Error(
      `${options.certificateType} 由 ${ISSUER_OF[options.certificateType]} 核发，不是 ${options.agency} / ${options.certificateType} certificates are issued by ${ISSUER_OF[options.certificateType]}, not ${options.agency}`,
    );
  const result: ImportResult = { rows: 0, imported: 0, alreadyImported: 0, problems: [] };
  let chunk: Array<{ line: number; header: string; event: AcceptedEvent }> = [];
  const count = (duplicate: boolean) => {
    if (duplicate) result.alreadyImported++;
    else result.imported++;
  };
  const flush = async () => {
    if (chunk.length === 0) return;
    const pending = chunk;
    chunk = [];
    try {
      const appended = await appendAccepted(
        store,
        options.sealing,
        pending.map((p) => p.event),
      );
      for (const a of appended) count(a.duplicate);
    } catch (error) {
      if (!(error instanceof IdempotencyConflictError)) throw error;
      // Some row was imported before with other data: append one by one to name it.
      for (const p of pending) {
        try {
          const [a] = await appendAccepted(store, options.sealing, [p.event]);
          count(a!.duplicate);
        } catch (rowError) {
          if (!(rowError instanceof IdempotencyConflictError)) throw rowError;
          result.problems.push({
            line: p.line,
            column: 'number',
            header: p.header,
            message:
              '此证书已以不同内容导入过；信息变更请发布更正、换证等事件（CertificateHolderDataCorrected、CertificateRenewed …），不要重复导入 / this certificate was imported before with other data; publish CertificateHolderDataCorrected, CertificateRenewed … for changes',
          });
        }
      }
    }
    options.onProgress?.(result.rows);
  };
  const headerOf = (row: TableRow, column: string) =>
    row.headers?.[column] ?? EXPORT_COLUMNS[column]?.[0] ?? column;
  // Masked: a message may echo a cell, and a shifted column puts an ID number anywhere.
  const problem = (row: TableRow, column: string, message: string) =>
    result.problems.push({
      line: row.line,
      column,
      header: headerOf(row, column),
      message: maskIdNumbersIn(message),
    });
  for await (const row of rows) {
    result.rows++;
    const written = row.cells.certificateType;
    const certificateType = written ? certificateTypeOf(written) : options.certificateType;
    if (!certificateType) {
      problem(
        row,
        'certificateType',
        written
          ? `证书类型 "${written}" 无法识别，应为 ${certificateTypeChoicesZh()} 之一 / certificate type "${written}" is not one of the types`
          : `缺少证书类型：请加「证书类型」列，或用 --type 为整个文件指定 / the certificate type is missing: add a column or pass a type for the whole file`,
      );
      continue;
    }
    // Garbage is refused; a number that only misses the issuer's published pattern is the
    // issuer's own record and goes in (verification notes the format).
    const numberProblem = row.cells.number
      ? certificateNumberProblem(certificateType, row.cells.number)
      : { kind: 'invalid', message: '证书编号为空 / the certificate number is empty' };
    if (numberProblem?.kind === 'invalid') {
      problem(row, 'number', numberProblem.message);
      continue;
    }
    const validated = validatePublishedEvent(
      toEnvelope(row, certificateType, options),
      options.agency,
      row.line,
      {
        clock: options.recordingClock?.() ?? clockAt(new Date()),
        sealer: options.sealing,
      },
    );
    if (!validated.ok) {
      for (const p of validated.problems) {
        const column = COLUMN_OF_POINTER[p.pointer.replace(/^\/events\/\d+/, '')];
        if (column) {
          const zh = /[\u4e00-\u9fff]/u.test(p.message) ? '' : `${FIX_ZH[column] ?? ''} / `;
          problem(row, column, `${zh}${p.message}`);
        } else result.problems.push({ line: row.line, message: maskIdNumbersIn(p.message) });
      }
      continue;
    }
    chunk.push({ line: row.line, header: headerOf(row, 'number'), event: validated.event });
    if (chunk.length >= (options.chunkSize ?? 500)) await flush();
  }
  await flush();
  return result;
}
