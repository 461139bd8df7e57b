import {
  CERTIFICATE_TYPES,
  ISSUER_OF,
  clockAt,
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
  operationCategory: ['作业类别', '作业种类'],
  operationItem: ['操作项目', '准操项目'],
  issuedOn: ['初领日期', '发证日期', 'issueDate'],
  validUntil: ['有效期至', '有效期截止日期', 'expiryDate'],
  nextReviewDue: ['应复审日期', '复审日期'],
  issuingAuthority: ['发证机关', 'authority'],
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
  column?: string;
  message: string;
}

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

function toEnvelope(row: TableRow, options: ImportOptions) {
  const c = row.cells;
  const certificateType = c.certificateType || options.certificateType;
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
      `${options.certificateType} certificates are issued by ${ISSUER_OF[options.certificateType]}, not ${options.agency}`,
    );
  const result: ImportResult = { rows: 0, imported: 0, alreadyImported: 0, problems: [] };
  let chunk: Array<{ line: number; event: AcceptedEvent }> = [];
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
            message:
              'this certificate was imported before with other data; publish CertificateHolderDataCorrected, CertificateRenewed … for changes',
          });
        }
      }
    }
    options.onProgress?.(result.rows);
  };
  for await (const row of rows) {
    result.rows++;
    const certificateType = row.cells.certificateType || options.certificateType;
    if (!certificateType || !(CERTIFICATE_TYPES as readonly string[]).includes(certificateType)) {
      result.problems.push({
        line: row.line,
        column: 'certificateType',
        message: `certificate type must be one of ${CERTIFICATE_TYPES.join(', ')}${options.certificateType ? '' : ' (or pass a type for the whole file)'}`,
      });
      continue;
    }
    const validated = validatePublishedEvent(toEnvelope(row, options), options.agency, row.line, {
      clock: options.recordingClock?.() ?? clockAt(new Date()),
      sealer: options.sealing,
    });
    if (!validated.ok) {
      for (const p of validated.problems) {
        const column = COLUMN_OF_POINTER[p.pointer.replace(/^\/events\/\d+/, '')];
        result.problems.push({ line: row.line, ...(column ? { column } : {}), message: p.message });
      }
      continue;
    }
    chunk.push({ line: row.line, event: validated.event });
    if (chunk.length >= (options.chunkSize ?? 500)) await flush();
  }
  await flush();
  return result;
}
