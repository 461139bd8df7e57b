import { randomBytes } from 'node:crypto';
import type { CertificateType, VerificationResult } from '@hub/domain';
import { CrossRowChecks, resultOf, RowChecksWriter } from './cross-row-checks.js';

const matchKey = () => randomBytes(24).toString('base64url');
const TYPE: CertificateType = 'construction_special_operations';

interface Row {
  line: number;
  registryKey?: string;
  holderKey?: string;
  type?: CertificateType;
  result?: VerificationResult;
  enterprise?: string;
  outsideRanges?: string;
}

/** Rows packed as a screening thread packs them (no registryKey: a rejected row). */
function chunk(rows: Row[]) {
  const writer = new RowChecksWriter(rows.length);
  rows.forEach((r, i) => {
    if (!r.registryKey) writer.rejected(i, r.line);
    else
      writer.screened(i, r.line, {
        type: r.type ?? TYPE,
        registryKey: r.registryKey,
        holderKey: r.holderKey ?? matchKey(),
        result: r.result ?? 'valid',
        ...(r.enterprise ? { enterprise: r.enterprise } : {}),
        ...(r.outsideRanges ? { outsideRanges: r.outsideRanges } : {}),
      });
  });
  return writer.checks;
}

/** Given chunks of rows, in order: each screened row's anomaly kinds, by line. */
function anomalies(...chunks: Row[][]) {
  const crossRow = new CrossRowChecks();
  const found: Record<number, string[]> = {};
  for (const rows of chunks) {
    const checks = chunk(rows);
    rows.forEach((r, i) => {
      if (resultOf(checks, i) === undefined) return;
      const kinds = crossRow.anomaliesOf(checks, i).map((a) => `${a.kind}: ${a.detail}`);
      if (kinds.length > 0) found[r.line] = kinds;
    });
  }
  return found;
}

describe('checks across a roster', () => {
  const card = matchKey();
  const person = matchKey();

  it('notices a certificate at a second enterprise, naming the first sighting, across chunks', () => {
    expect(
      anomalies(
        [
          { line: 2, registryKey: card, enterprise: '甲公司' },
          { line: 3, registryKey: card, enterprise: '甲公司' },
          { line: 4, registryKey: card }, // no enterprise given: nothing to compare
        ],
        [{ line: 5, registryKey: card, enterprise: '乙公司' }],
      ),
    ).toEqual({
      5: ['certificate_at_two_enterprises: 同一证书也在第 2 行的单位 甲公司 出现'],
    });
  });

  it('notices one person with two numbers of one type, but not with numbers of two types', () => {
    expect(
      anomalies([
        { line: 2, registryKey: card, holderKey: person },
        { line: 3, registryKey: card, holderKey: person }, // the same card again
        { line: 4, registryKey: matchKey(), holderKey: person, type: 'special_equipment' },
        { line: 5, registryKey: matchKey(), holderKey: person },
      ]),
    ).toEqual({ 5: ['holder_with_several_numbers: 同一人在第 2 行持另一编号的同类证书'] });
  });

  it('passes on why a number is outside the known ranges, and skips rejected rows', () => {
    const checks = chunk([
      { line: 2 },
      { line: 3, registryKey: card, outsideRanges: '编号不在已知号段内', result: 'unknown_number' },
    ]);
    expect(resultOf(checks, 0)).toBeUndefined();
    expect(resultOf(checks, 1)).toBe('unknown_number');
    expect(Array.from(checks.lines)).toEqual([2, 3]);
    expect(new CrossRowChecks().anomaliesOf(checks, 1)).toEqual([
      { kind: 'number_outside_known_ranges', detail: '编号不在已知号段内' },
    ]);
  });

  it('compares keys that are not match keys by their hash, still exactly', () => {
    expect(
      anomalies([
        { line: 2, registryKey: 'h(A1)', holderKey: 'h(p1)', enterprise: '甲' },
        { line: 3, registryKey: 'h(A1)', holderKey: 'h(p1)', enterprise: '甲' },
        { line: 4, registryKey: 'h(A2)', holderKey: 'h(p1)' },
        { line: 5, registryKey: 'h(A1)', holderKey: 'h(p2)', enterprise: '乙' },
      ]),
    ).toEqual({
      4: ['holder_with_several_numbers: 同一人在第 2 行持另一编号的同类证书'],
      5: ['certificate_at_two_enterprises: 同一证书也在第 2 行的单位 甲 出现'],
    });
  });
});
