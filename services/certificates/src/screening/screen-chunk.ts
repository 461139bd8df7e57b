import {
  CERTIFICATE_RULES,
  certificateNumberProblem,
  certificateTypeChoicesZh,
  certificateTypeOf,
  holderKeys,
  maskCertificateNumber,
  maskResidentId,
  nameProblem,
  normaliseName,
  maskIdNumbersIn,
  observationProblem,
  registryKey,
  residentIdProblem,
  verifyCertificate,
  type CertificateType,
  type PersonalDataProtector,
  type VerificationResult,
  type VerifiedRecord,
} from '@hub/domain';
import type { TableRow } from '../files/table-reader.js';

/** Column names for messages when the roster's own header is not known. */
const ROSTER_HEADERS_ZH: Record<string, string> = {
  certificateType: '证书类型',
  number: '证书编号',
  idNumber: '身份证号',
  name: '姓名',
  job: '作业类别',
  enterprise: '单位',
};
import { RowChecksWriter, type AnomalyFound, type RowChecks } from './cross-row-checks.js';

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
  anomalies?: AnomalyFound[];
}

export interface ChunkDeps {
  protector: PersonalDataProtector;
  /** Registry documents by registry key (missing keys are simply absent). */
  lookup: (keys: readonly string[]) => Promise<Map<string, unknown>>;
  /** Asia/Shanghai date, YYYY-MM-DD. */
  today: string;
  /** Type for rows without a type column. */
  certificateType?: CertificateType;
}

/**
 * A chunk's rows checked against the registry: each row's result already as its JSON line
 * (made where the row was screened, off the thread that hands results out), and what the
 * checks across rows need of each row.
 */
export interface ScreenedChunk {
  /** The rows' JSON lines (ScreenedRow), each ending in a newline. */
  text: string;
  /** Where each row's line ends in `text` (just after its newline). */
  lineEnds: Int32Array<ArrayBuffer>;
  checks: RowChecks;
}

/**
 * Checks one chunk of roster rows against the registry: rows that cannot be screened are
 * rejected with the reason, the rest looked up together and verified. Rows are independent
 * of each other here, so chunks may be screened on several threads at once.
 */
export async function screenChunk(
  rows: readonly TableRow[],
  deps: ChunkDeps,
): Promise<ScreenedChunk> {
  const prepared = rows.map((row) => {
    const c = row.cells;
    // A rejection names the column as the roster wrote it, and what to write instead.
    // Masked: a message may echo a cell, and a shifted column puts an ID number anywhere.
    const at = (column: string, message: string) =>
      `第 ${row.line} 行「${row.headers?.[column] ?? ROSTER_HEADERS_ZH[column] ?? column}」列：${maskIdNumbersIn(message)}`;
    const type = c.certificateType ? certificateTypeOf(c.certificateType) : deps.certificateType;
    if (!type)
      return at(
        'certificateType',
        c.certificateType
          ? `证书类型 "${c.certificateType}" 无法识别，应为 ${certificateTypeChoicesZh()} 之一 / unknown certificate type "${c.certificateType}"`
          : '缺少证书类型：请加「证书类型」列，或为整个名单指定类型 / the certificate type is missing',
      );
    if (!c.number)
      return at('number', '证书编号为空，请填写证面编号 / the certificate number is empty');
    const numberProblem = certificateNumberProblem(type, c.number);
    if (numberProblem?.kind === 'invalid') return at('number', numberProblem.message);
    if (!c.idNumber)
      return at('idNumber', '身份证号为空，请填写持证人身份证号 / the ID number is empty');
    const problem = residentIdProblem(c.idNumber.toUpperCase());
    if (problem) return at('idNumber', problem);
    // The same name checks as every event and request: a hidden character would make a
    // false 疑似涂改 or a false "one certificate at two enterprises".
    const invalid = observationProblem({
      ...(c.name ? { holder: { idNumber: c.idNumber, name: c.name } } : {}),
      ...(c.job ? { job: c.job } : {}),
    });
    if (invalid) return at(invalid.field === 'job' ? 'job' : 'name', invalid.problem.message);
    const enterprise = c.enterprise ? nameProblem(c.enterprise, 'organisation') : undefined;
    if (enterprise) return at('enterprise', enterprise.message);
    return {
      type,
      key: registryKey(deps.protector, type, c.number),
      keys: holderKeys(deps.protector, c.idNumber, c.name || undefined),
    };
  });
  const found = await deps.lookup(prepared.flatMap((p) => (typeof p === 'string' ? [] : [p.key])));
  const checks = new RowChecksWriter(rows.length);
  const lineEnds = new Int32Array(rows.length);
  let text = '';
  prepared.forEach((p, i) => {
    const { line, cells: c } = rows[i]!;
    if (typeof p === 'string') {
      text += `${JSON.stringify({ line, rejected: p } satisfies ScreenedRow)}\n`;
      lineEnds[i] = text.length;
      checks.rejected(i, line);
      return;
    }
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
      found.get(p.key) as VerifiedRecord | undefined,
      { protector: deps.protector, today: deps.today },
    );
    text += `${JSON.stringify({
      line,
      certificateType: p.type,
      numberMasked: maskCertificateNumber(p.type, c.number!),
      registryKey: p.key,
      holderMasked: maskResidentId(c.idNumber!.toUpperCase()),
      result: verification.result,
      ...(verification.findingKind ? { findingKind: verification.findingKind } : {}),
      evidence: verification.evidence,
    } satisfies ScreenedRow)}\n`;
    lineEnds[i] = text.length;
    const prefixes = CERTIFICATE_RULES[p.type].knownPrefixes;
    const number = c.number!.toUpperCase();
    checks.screened(i, line, {
      type: p.type,
      registryKey: p.key,
      holderKey: p.keys.holderKey,
      result: verification.result,
      ...(c.enterprise ? { enterprise: normaliseName(c.enterprise) } : {}),
      ...(prefixes && !prefixes.some((prefix) => number.startsWith(prefix))
        ? { outsideRanges: `编号不在发证机关已知号段（${prefixes.join('、')}）内` }
        : {}),
    });
  });
  return { text, lineEnds, checks: checks.checks };
}
