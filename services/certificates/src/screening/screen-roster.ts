import {
  CERTIFICATE_RULES,
  CERTIFICATE_TYPES,
  holderKeys,
  maskCertificateNumber,
  maskResidentId,
  registryKey,
  residentIdProblem,
  verifyCertificate,
  type CertificateType,
  type PersonalDataProtector,
  type RegistryCertificate,
  type VerificationResult,
} from '@hub/domain';
import { CERTIFICATE_COLUMNS, type ColumnAliases, type TableRow } from '../files/table-reader.js';

export const ROSTER_COLUMNS: ColumnAliases = {
  ...CERTIFICATE_COLUMNS,
  job: ['作业类别', '岗位', '从事作业', 'job'],
  enterprise: ['单位', '用人单位', '统一社会信用代码', 'enterprise'],
  issuedOn: ['发证日期', '初领日期', 'issueDate'],
  validUntil: ['有效期至', 'expiryDate'],
};
export const ROSTER_REQUIRED = ['number', 'idNumber'];

export type Anomaly =
  'certificate_at_two_enterprises' | 'holder_with_several_numbers' | 'number_outside_known_ranges';

export interface ScreenedRow {
  line: number;
  /** Why the row could not be screened; it is reported, not dropped. */
  rejected?: string;
  certificateType?: CertificateType;
  numberMasked?: string;
  registryKey?: string;
  holderMasked?: string;
  result?: VerificationResult;
  findingKind?: string;
  evidence?: string[];
  anomalies?: Array<{ kind: Anomaly; detail: string }>;
}

export interface ScreeningSummary {
  rows: number;
  rejectedRows: number;
  negativeRows: number;
  anomalies: number;
  byResult: Partial<Record<VerificationResult, number>>;
}

export interface ScreeningDeps {
  protector: PersonalDataProtector;
  /** Registry documents by registry key (missing keys are simply absent). */
  lookup: (keys: readonly string[]) => Promise<Map<string, unknown>>;
  /** Asia/Shanghai date, YYYY-MM-DD. */
  today: string;
  /** Type for rows without a type column. */
  certificateType?: CertificateType;
  chunkSize?: number;
}

interface Prepared {
  row: TableRow;
  type: CertificateType;
  key: string;
  keys: { holderKey: string; holderNameKey?: string };
}

/**
 * Screens a roster against the registry (大数据比对), streaming: rows are looked up a chunk at
 * a time and come out in order, each with its result or the reason it was rejected. Across
 * the roster it notices a certificate presented at two enterprises, one person with several
 * numbers of one type, and numbers outside the issuer's known ranges.
 */
export async function* screenRoster(
  rows: AsyncIterable<TableRow>,
  deps: ScreeningDeps,
  summary: ScreeningSummary = {
    rows: 0,
    rejectedRows: 0,
    negativeRows: 0,
    anomalies: 0,
    byResult: {},
  },
): AsyncGenerator<ScreenedRow, ScreeningSummary> {
  const chunkSize = deps.chunkSize ?? 2000;
  const enterpriseOf = new Map<string, { enterprise: string; line: number }>();
  const numberOf = new Map<string, { key: string; line: number }>();
  let pending: Array<Prepared | ScreenedRow> = [];

  const anomaliesOf = (p: Prepared): ScreenedRow['anomalies'] => {
    const found: NonNullable<ScreenedRow['anomalies']> = [];
    const enterprise = p.row.cells.enterprise;
    if (enterprise) {
      const seen = enterpriseOf.get(p.key);
      if (!seen) enterpriseOf.set(p.key, { enterprise, line: p.row.line });
      else if (seen.enterprise !== enterprise)
        found.push({
          kind: 'certificate_at_two_enterprises',
          detail: `同一证书也在第 ${seen.line} 行的单位 ${seen.enterprise} 出现`,
        });
    }
    const holderType = `${p.keys.holderKey}|${p.type}`;
    const other = numberOf.get(holderType);
    if (!other) numberOf.set(holderType, { key: p.key, line: p.row.line });
    else if (other.key !== p.key)
      found.push({
        kind: 'holder_with_several_numbers',
        detail: `同一人在第 ${other.line} 行持另一编号的同类证书`,
      });
    const prefixes = CERTIFICATE_RULES[p.type].knownPrefixes;
    const number = p.row.cells.number!.toUpperCase();
    if (prefixes && !prefixes.some((prefix) => number.startsWith(prefix)))
      found.push({
        kind: 'number_outside_known_ranges',
        detail: `编号不在发证机关已知号段（${prefixes.join('、')}）内`,
      });
    return found.length > 0 ? found : undefined;
  };

  async function* drain(): AsyncGenerator<ScreenedRow> {
    const batch = pending;
    pending = [];
    const keys = batch.filter((p): p is Prepared => 'key' in p).map((p) => p.key);
    const found = await deps.lookup(keys);
    for (const p of batch) {
      if (!('key' in p)) {
        yield p;
        continue;
      }
      const c = p.row.cells;
      const verification = verifyCertificate(
        {
          type: p.type,
          number: c.number!,
          holder: { idNumber: c.idNumber!, ...(c.name ? { name: c.name } : {}) },
          ...(c.job ? { job: c.job } : {}),
          holderKeys: p.keys,
          printed: {
            ...(c.issuedOn ? { issuedOn: c.issuedOn } : {}),
            ...(c.validUntil ? { validUntil: c.validUntil } : {}),
          },
        },
        found.get(p.key) as RegistryCertificate | undefined,
        { protector: deps.protector, today: deps.today },
      );
      const anomalies = anomaliesOf(p);
      summary.byResult[verification.result] = (summary.byResult[verification.result] ?? 0) + 1;
      if (verification.result !== 'valid' && verification.result !== 'pending_registry')
        summary.negativeRows++;
      if (anomalies) summary.anomalies += anomalies.length;
      yield {
        line: p.row.line,
        certificateType: p.type,
        numberMasked: maskCertificateNumber(p.type, c.number!),
        registryKey: p.key,
        holderMasked: maskResidentId(c.idNumber!.toUpperCase()),
        result: verification.result,
        ...(verification.findingKind ? { findingKind: verification.findingKind } : {}),
        evidence: verification.evidence,
        ...(anomalies ? { anomalies } : {}),
      };
    }
  }

  for await (const row of rows) {
    summary.rows++;
    const c = row.cells;
    const type = (c.certificateType || deps.certificateType) as CertificateType | undefined;
    const reject = (reason: string) => {
      summary.rejectedRows++;
      pending.push({ line: row.line, rejected: reason });
    };
    if (!type || !(CERTIFICATE_TYPES as readonly string[]).includes(type))
      reject(`证书类型缺失或无效（应为 ${CERTIFICATE_TYPES.join(', ')}）`);
    else if (!c.number) reject('证书编号为空');
    else if (!c.idNumber) reject('身份证号为空');
    else {
      const problem = residentIdProblem(c.idNumber.toUpperCase());
      if (problem) reject(`身份证号无效：${problem}`);
      else
        pending.push({
          row,
          type,
          key: registryKey(deps.protector, type, c.number),
          keys: holderKeys(deps.protector, c.idNumber, c.name || undefined),
        });
    }
    if (pending.length >= chunkSize) yield* drain();
  }
  yield* drain();
  return summary;
}
