import { CERTIFICATE_RULES } from '@hub/domain';
import { CERTIFICATE_COLUMNS, type ColumnAliases, type TableRow } from '../files/table-reader.js';
import {
  screenChunk,
  type ChunkDeps,
  type ScreenedChunk,
  type ScreenedRow,
} from './screen-chunk.js';

export const ROSTER_COLUMNS: ColumnAliases = {
  ...CERTIFICATE_COLUMNS,
  job: ['作业类别', '岗位', '从事作业', 'job'],
  enterprise: ['单位', '用人单位', '统一社会信用代码', 'enterprise'],
  issuedOn: ['发证日期', '初领日期', 'issueDate'],
  validUntil: ['有效期至', 'expiryDate'],
};
export const ROSTER_REQUIRED = ['number', 'idNumber'];

export interface ScreeningSummary {
  rows: number;
  rejectedRows: number;
  negativeRows: number;
  anomalies: number;
  byResult: Partial<Record<NonNullable<ScreenedRow['result']>, number>>;
}

/** Where chunks are screened when not on this thread (see ScreeningThreads). */
export interface ChunkScreener {
  /** How many chunks it works on at once. */
  readonly parallelism: number;
  screen(
    rows: readonly TableRow[],
    deps: Pick<ChunkDeps, 'today' | 'certificateType'>,
  ): Promise<ScreenedChunk>;
}

export interface ScreeningDeps extends ChunkDeps {
  chunkSize?: number;
  /** Screen chunks on worker threads; without it, on this thread. */
  threads?: ChunkScreener;
}

/**
 * Screens a roster against the registry (大数据比对), streaming: rows are checked a chunk at
 * a time (on worker threads when given) and come out in order, each with its result or the
 * reason it was rejected. Across the roster it notices a certificate presented at two
 * enterprises, one person with several numbers of one type, and numbers outside the
 * issuer's known ranges: that needs every row before it, so it happens here, in order.
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
  const threads = deps.threads;
  const screen = threads
    ? (chunk: readonly TableRow[]) => threads.screen(chunk, deps)
    : (chunk: readonly TableRow[]) => screenChunk(chunk, deps);
  // Enough chunks in flight to keep every thread busy while the oldest is handed out.
  const inFlight = threads ? threads.parallelism * 2 : 1;
  const enterpriseOf = new Map<string, { enterprise: string; line: number }>();
  const numberOf = new Map<string, { key: string; line: number }>();

  const anomaliesOf = (row: TableRow, screened: ScreenedRow, holderKey: string) => {
    const found: NonNullable<ScreenedRow['anomalies']> = [];
    const key = screened.registryKey!;
    const enterprise = row.cells.enterprise;
    if (enterprise) {
      const seen = enterpriseOf.get(key);
      if (!seen) enterpriseOf.set(key, { enterprise, line: row.line });
      else if (seen.enterprise !== enterprise)
        found.push({
          kind: 'certificate_at_two_enterprises',
          detail: `同一证书也在第 ${seen.line} 行的单位 ${seen.enterprise} 出现`,
        });
    }
    const holderType = `${holderKey}|${screened.certificateType}`;
    const other = numberOf.get(holderType);
    if (!other) numberOf.set(holderType, { key, line: row.line });
    else if (other.key !== key)
      found.push({
        kind: 'holder_with_several_numbers',
        detail: `同一人在第 ${other.line} 行持另一编号的同类证书`,
      });
    const prefixes = CERTIFICATE_RULES[screened.certificateType!].knownPrefixes;
    const number = row.cells.number!.toUpperCase();
    if (prefixes && !prefixes.some((prefix) => number.startsWith(prefix)))
      found.push({
        kind: 'number_outside_known_ranges',
        detail: `编号不在发证机关已知号段（${prefixes.join('、')}）内`,
      });
    return found.length > 0 ? found : undefined;
  };

  function* handOut(rows: readonly TableRow[], chunk: ScreenedChunk): Generator<ScreenedRow> {
    for (let i = 0; i < rows.length; i++) {
      const screened = chunk.rows[i]!;
      const holderKey = chunk.holderKeys[i];
      if (holderKey === undefined) {
        summary.rejectedRows++;
        yield screened;
        continue;
      }
      const result = screened.result!;
      summary.byResult[result] = (summary.byResult[result] ?? 0) + 1;
      if (result !== 'valid' && result !== 'pending_registry') summary.negativeRows++;
      const anomalies = anomaliesOf(rows[i]!, screened, holderKey);
      if (!anomalies) {
        yield screened;
        continue;
      }
      summary.anomalies += anomalies.length;
      yield { ...screened, anomalies };
    }
  }

  const queue: Array<{ rows: TableRow[]; screened: Promise<ScreenedChunk> }> = [];
  const send = (chunk: TableRow[]) => {
    const screened = screen(chunk);
    // Awaited in order below; observed now so a failure is not reported as unhandled.
    screened.catch(() => {});
    queue.push({ rows: chunk, screened });
  };
  let chunk: TableRow[] = [];
  for await (const row of rows) {
    summary.rows++;
    chunk.push(row);
    if (chunk.length < chunkSize) continue;
    send(chunk);
    chunk = [];
    while (queue.length >= inFlight) {
      const oldest = queue.shift()!;
      yield* handOut(oldest.rows, await oldest.screened);
    }
  }
  if (chunk.length > 0) send(chunk);
  for (const pending of queue.splice(0)) yield* handOut(pending.rows, await pending.screened);
  return summary;
}
