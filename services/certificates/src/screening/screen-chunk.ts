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
  type VerificationResult,
  type VerifiedRecord,
} from '@hub/domain';
import type { TableRow } from '../files/table-reader.js';

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

export interface ChunkDeps {
  protector: PersonalDataProtector;
  /** Registry documents by registry key (missing keys are simply absent). */
  lookup: (keys: readonly string[]) => Promise<Map<string, unknown>>;
  /** Asia/Shanghai date, YYYY-MM-DD. */
  today: string;
  /** Type for rows without a type column. */
  certificateType?: CertificateType;
}

/** What the checks across rows (ScreenedRow.anomalies) need of a row that was screened. */
export interface RowCheck {
  line: number;
  enterprise?: string;
  registryKey: string;
  /** The holder's key and the certificate type: one person, one number per type. */
  holderType: string;
  result: VerificationResult;
  /** Why the number is outside the issuer's known ranges, when it is. */
  outsideRanges?: string;
}

/**
 * A chunk's rows checked against the registry: each row's result already as its JSON line
 * (made where the row was screened, off the thread that hands results out), and for each
 * screened row what the cross-row checks need (undefined for a rejected row).
 */
export interface ScreenedChunk {
  lines: string[];
  checks: Array<RowCheck | undefined>;
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
    return {
      type,
      key: registryKey(deps.protector, type, c.number),
      keys: holderKeys(deps.protector, c.idNumber, c.name || undefined),
    };
  });
  const found = await deps.lookup(prepared.flatMap((p) => (typeof p === 'string' ? [] : [p.key])));
  const screened: ScreenedChunk = { lines: [], checks: [] };
  prepared.forEach((p, i) => {
    const { line, cells: c } = rows[i]!;
    if (typeof p === 'string') {
      screened.lines.push(JSON.stringify({ line, rejected: p } satisfies ScreenedRow));
      screened.checks.push(undefined);
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
    screened.lines.push(
      JSON.stringify({
        line,
        certificateType: p.type,
        numberMasked: maskCertificateNumber(p.type, c.number!),
        registryKey: p.key,
        holderMasked: maskResidentId(c.idNumber!.toUpperCase()),
        result: verification.result,
        ...(verification.findingKind ? { findingKind: verification.findingKind } : {}),
        evidence: verification.evidence,
      } satisfies ScreenedRow),
    );
    const prefixes = CERTIFICATE_RULES[p.type].knownPrefixes;
    const number = c.number!.toUpperCase();
    screened.checks.push({
      line,
      ...(c.enterprise ? { enterprise: c.enterprise } : {}),
      registryKey: p.key,
      holderType: `${p.keys.holderKey}|${p.type}`,
      result: verification.result,
      ...(prefixes && !prefixes.some((prefix) => number.startsWith(prefix))
        ? { outsideRanges: `编号不在发证机关已知号段（${prefixes.join('、')}）内` }
        : {}),
    });
  });
  return screened;
}
