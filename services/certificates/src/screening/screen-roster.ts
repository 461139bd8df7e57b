import type { Readable } from 'node:stream';
import {
  CERTIFICATE_COLUMNS,
  readTableRuns,
  rowsOfRun,
  type ColumnAliases,
  type TableFormat,
  type TableRun,
} from '../files/table-reader.js';
import {
  screenChunk,
  type ChunkDeps,
  type RowCheck,
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

/** A roster file in runs of rows, as screenRoster takes it (a run is screened as one chunk). */
export const rosterRuns = (source: Readable, format: TableFormat, rowsPerRun = 2000) =>
  readTableRuns(source, format, ROSTER_COLUMNS, ROSTER_REQUIRED, rowsPerRun);

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
  screen(run: TableRun, deps: Pick<ChunkDeps, 'today' | 'certificateType'>): Promise<ScreenedChunk>;
}

export interface ScreeningDeps extends ChunkDeps {
  /** Screen chunks on worker threads; without it, on this thread. */
  threads?: ChunkScreener;
}

/**
 * Screens a roster against the registry (大数据比对), streaming: rows are checked a chunk at
 * a time (on worker threads when given) and come out in order, each row's result as a JSON
 * line (a ScreenedRow) with its result or the reason it was rejected. Across the roster it
 * notices a certificate presented at two enterprises, one person with several numbers of one
 * type, and numbers outside the issuer's known ranges: that needs every row before it, so it
 * happens here, in order.
 */
export async function* screenRoster(
  runs: AsyncIterable<TableRun>,
  deps: ScreeningDeps,
  summary: ScreeningSummary = {
    rows: 0,
    rejectedRows: 0,
    negativeRows: 0,
    anomalies: 0,
    byResult: {},
  },
): AsyncGenerator<string, ScreeningSummary> {
  const threads = deps.threads;
  const screen = threads
    ? (run: TableRun) => threads.screen(run, deps)
    : (run: TableRun) => screenChunk(rowsOfRun(run), deps);
  // Enough chunks in flight to keep every thread busy while the oldest is handed out.
  const inFlight = threads ? threads.parallelism * 2 : 1;
  // First sightings as line numbers (a million-row roster makes a million of each), with
  // what the detail needs kept by line.
  const firstWithEnterprise = new Map<string, number>();
  const firstOfHolder = new Map<string, number>();
  const enterpriseAt: string[] = [];
  const registryKeyAt: string[] = [];

  const anomaliesOf = (check: RowCheck) => {
    const found: NonNullable<ScreenedRow['anomalies']> = [];
    const { registryKey, enterprise, line } = check;
    if (enterprise) {
      const first = firstWithEnterprise.get(registryKey);
      if (first === undefined) {
        firstWithEnterprise.set(registryKey, line);
        enterpriseAt[line] = enterprise;
      } else if (enterpriseAt[first] !== enterprise)
        found.push({
          kind: 'certificate_at_two_enterprises',
          detail: `同一证书也在第 ${first} 行的单位 ${enterpriseAt[first]} 出现`,
        });
    }
    const other = firstOfHolder.get(check.holderType);
    if (other === undefined) {
      firstOfHolder.set(check.holderType, line);
      registryKeyAt[line] = registryKey;
    } else if (registryKeyAt[other] !== registryKey)
      found.push({
        kind: 'holder_with_several_numbers',
        detail: `同一人在第 ${other} 行持另一编号的同类证书`,
      });
    if (check.outsideRanges)
      found.push({ kind: 'number_outside_known_ranges', detail: check.outsideRanges });
    return found;
  };

  function* handOut(chunk: ScreenedChunk): Generator<string> {
    summary.rows += chunk.lines.length;
    for (let i = 0; i < chunk.lines.length; i++) {
      const line = chunk.lines[i]!;
      const check = chunk.checks[i];
      if (check === undefined) {
        summary.rejectedRows++;
        yield line;
        continue;
      }
      const result = check.result;
      summary.byResult[result] = (summary.byResult[result] ?? 0) + 1;
      if (result !== 'valid' && result !== 'pending_registry') summary.negativeRows++;
      const anomalies = anomaliesOf(check);
      if (anomalies.length === 0) {
        yield line;
        continue;
      }
      summary.anomalies += anomalies.length;
      // The line is a JSON object: the anomalies go in as its last member.
      yield `${line.slice(0, -1)},"anomalies":${JSON.stringify(anomalies)}}`;
    }
  }

  const queue: Array<Promise<ScreenedChunk>> = [];
  for await (const run of runs) {
    const screened = screen(run);
    // Awaited in order below; observed now so a failure is not reported as unhandled.
    screened.catch(() => {});
    queue.push(screened);
    while (queue.length >= inFlight) yield* handOut(await queue.shift()!);
  }
  for (const pending of queue.splice(0)) yield* handOut(await pending);
  return summary;
}
