import {
  CERTIFICATE_RULES,
  CERTIFICATE_TYPES,
  holderKeys,
  maskCertificateNumber,
  maskResidentId,
  nameProblem,
  normaliseName,
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
    const type = (c.certificateType || deps.certificateType) as CertificateType | undefined;
    if (!type || !(CERTIFICATE_TYPES as readonly string[]).includes(type))
      return `证书类型缺失或无效（应为 ${CERTIFICATE_TYPES.join(', ')}）`;
    if (!c.number) return '证书编号为空';
    if (!c.idNumber) return '身份证号为空';
    const problem = residentIdProblem(c.idNumber.toUpperCase());
    if (problem) return `身份证号无效：${problem}`;
    // The same name checks as every event and request: a hidden character would make a
    // false 疑似涂改 or a false "one certificate at two enterprises".
    const invalid =
      observationProblem({
        ...(c.name ? { holder: { idNumber: c.idNumber, name: c.name } } : {}),
        ...(c.job ? { job: c.job } : {}),
      })?.problem ?? (c.enterprise ? nameProblem(c.enterprise, 'organisation') : undefined);
    if (invalid) return invalid.message;
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
