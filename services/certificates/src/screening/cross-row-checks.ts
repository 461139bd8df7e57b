/**
 * The checks across a roster's rows (ScreenedRow.anomalies): a certificate presented at two
 * enterprises, one person with several numbers of one type, a number outside the issuer's
 * known ranges. Rows are screened a chunk at a time, maybe on other threads; what these
 * checks need of each row travels as RowChecks (typed arrays, transferred, not copied) and
 * is checked in roster order by CrossRowChecks, which keeps first sightings as bytes.
 */
import { createHash } from 'node:crypto';
import {
  CERTIFICATE_TYPES,
  VERIFICATION_RESULTS,
  type CertificateType,
  type VerificationResult,
} from '@hub/domain';
import { MATCH_KEY_BYTES, matchKeyBytes } from '@hub/personal-data';
import { ByteKeyTable } from './byte-key-table.js';

export type Anomaly =
  'certificate_at_two_enterprises' | 'holder_with_several_numbers' | 'number_outside_known_ranges';
export type AnomalyFound = { kind: Anomaly; detail: string };

// Each row's keys: holder key, certificate type, registry key. A person's first sighting is
// keyed by holder key + type (one number per type), a certificate's by its registry key.
const HOLDER_AT = 0;
const TYPE_AT = MATCH_KEY_BYTES;
const CERTIFICATE_AT = TYPE_AT + 1;
const ROW_KEY_BYTES = CERTIFICATE_AT + MATCH_KEY_BYTES;

/** What the cross-row checks need of a chunk's rows. */
export interface RowChecks {
  /** The roster line of each row. */
  lines: Int32Array<ArrayBuffer>;
  /** Each row's result as its index in VERIFICATION_RESULTS + 1; 0 for a rejected row. */
  results: Uint8Array<ArrayBuffer>;
  /** ROW_KEY_BYTES per row (none of it for a rejected row). */
  keys: Uint8Array<ArrayBuffer>;
  /** The enterprise each row was presented at, where the roster says. */
  enterprises: Array<string | null>;
  /** Why each row's number is outside the issuer's known ranges, where it is. */
  outsideRanges: Array<string | null>;
}

/** A match key's bytes; any other key (a protector of another kind) by its SHA-256. */
function writeKey(key: string, out: Uint8Array, at: number): void {
  if (!matchKeyBytes(key, out, at))
    out.set(createHash('sha256').update(key).digest().subarray(0, MATCH_KEY_BYTES), at);
}

/** Fills a chunk's RowChecks, row by row, where the chunk is screened. */
export class RowChecksWriter {
  readonly checks: RowChecks;

  constructor(rows: number) {
    this.checks = {
      lines: new Int32Array(rows),
      results: new Uint8Array(rows),
      keys: new Uint8Array(rows * ROW_KEY_BYTES),
      enterprises: new Array<string | null>(rows).fill(null),
      outsideRanges: new Array<string | null>(rows).fill(null),
    };
  }

  rejected(row: number, line: number): void {
    this.checks.lines[row] = line;
  }

  screened(
    row: number,
    line: number,
    screened: {
      type: CertificateType;
      registryKey: string;
      holderKey: string;
      result: VerificationResult;
      enterprise?: string;
      outsideRanges?: string;
    },
  ): void {
    const { checks } = this;
    checks.lines[row] = line;
    checks.results[row] = VERIFICATION_RESULTS.indexOf(screened.result) + 1;
    const at = row * ROW_KEY_BYTES;
    writeKey(screened.holderKey, checks.keys, at + HOLDER_AT);
    checks.keys[at + TYPE_AT] = CERTIFICATE_TYPES.indexOf(screened.type);
    writeKey(screened.registryKey, checks.keys, at + CERTIFICATE_AT);
    if (screened.enterprise) checks.enterprises[row] = screened.enterprise;
    if (screened.outsideRanges) checks.outsideRanges[row] = screened.outsideRanges;
  }
}

/** A row's result, or undefined for a rejected row. */
export const resultOf = (checks: RowChecks, row: number): VerificationResult | undefined =>
  checks.results[row] === 0 ? undefined : VERIFICATION_RESULTS[checks.results[row]! - 1];

/** First sightings across one roster, checked in roster order. */
export class CrossRowChecks {
  /** A certificate's first row with an enterprise: its registry key, and the line as value. */
  private readonly certificates = new ByteKeyTable(MATCH_KEY_BYTES, MATCH_KEY_BYTES);
  /** That row's enterprise, by certificates entry. */
  private readonly enterpriseOf: string[] = [];
  /** A person's first row for a type: the row's keys, and the line as value. */
  private readonly holders = new ByteKeyTable(CERTIFICATE_AT, ROW_KEY_BYTES);

  /** The anomalies of a screened row (not of a rejected one): none is an empty array. */
  anomaliesOf(checks: RowChecks, row: number): AnomalyFound[] {
    const found: AnomalyFound[] = [];
    const { keys } = checks;
    const at = row * ROW_KEY_BYTES;
    const enterprise = checks.enterprises[row];
    if (enterprise) {
      const first = this.certificates.findOrAdd(keys, at + CERTIFICATE_AT, checks.lines[row]!);
      if (first < 0) this.enterpriseOf.push(enterprise);
      else if (this.enterpriseOf[first] !== enterprise)
        found.push({
          kind: 'certificate_at_two_enterprises',
          detail: `同一证书也在第 ${this.certificates.value(first)} 行的单位 ${this.enterpriseOf[first]} 出现`,
        });
    }
    const other = this.holders.findOrAdd(keys, at + HOLDER_AT, checks.lines[row]!);
    if (
      other >= 0 &&
      !this.holders.sameBytes(other, CERTIFICATE_AT, keys, at + CERTIFICATE_AT, MATCH_KEY_BYTES)
    )
      found.push({
        kind: 'holder_with_several_numbers',
        detail: `同一人在第 ${this.holders.value(other)} 行持另一编号的同类证书`,
      });
    const outsideRanges = checks.outsideRanges[row];
    if (outsideRanges) found.push({ kind: 'number_outside_known_ranges', detail: outsideRanges });
    return found;
  }
}
