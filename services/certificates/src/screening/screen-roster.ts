import {
  CERTIFICATE_COLUMNS,
  readTableRuns,
  rowsOfRun,
  type ColumnAliases,
  type TableFormat,
  type TableRun,
  type TableSource,
} from '../files/table-reader.js';
import { DEFAULT_XLSX_LIMITS, type XlsxLimits } from '../files/xlsx-zip.js';
import { CrossRowChecks, resultOf } from './cross-row-checks.js';
import {
  screenChunk,
  type ChunkDeps,
  type ScreenedChunk,
  type ScreenedRow,
} from './screen-chunk.js';

/** A roster's columns: who works where in which job, with the certificate each shows. */
export const ROSTER_COLUMNS: ColumnAliases = {
  ...CERTIFICATE_COLUMNS,
  job: ['作业类别', '岗位', '从事作业', '工种', '作业项目', '操作类别', '准操项目', 'job'],
  enterprise: ['单位', '用人单位', '工作单位', '企业名称', '单位名称', 'enterprise'],
  issuedOn: ['发证日期', '初领日期', '领证日期', '初次领证日期', 'issueDate', 'issuedOn'],
  validUntil: ['有效期至', '有效期截止日期', '有效截止日期', '有效期', 'expiryDate', 'validUntil'],
};
export const ROSTER_REQUIRED = ['number', 'idNumber'];

/** A roster file in runs of rows, as screenRoster takes it (a run is screened as one chunk). */
export const rosterRuns = (
  source: TableSource,
  format: TableFormat,
  rowsPerRun = 2000,
  limits: XlsxLimits = DEFAULT_XLSX_LIMITS,
) => readTableRuns(source, format, ROSTER_COLUMNS, ROSTER_REQUIRED, rowsPerRun, limits);

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

/** Screened rows, in roster order: `rows` JSON lines (ScreenedRow), each ending in a newline. */
export interface ScreenedLines {
  text: string;
  rows: number;
}

export interface ScreeningDeps extends ChunkDeps {
  /** Screen chunks on worker threads; without it, on this thread. */
  threads?: ChunkScreener;
}

/**
 * Screens a roster against the registry (大数据比对), streaming: rows are checked a chunk at
 * a time (on worker threads when given) and come out in order, a chunk's worth at a time,
 * each row's result as a JSON line (a ScreenedRow) with its result or the reason it was
 * rejected. The checks across rows (CrossRowChecks) need every row before them, so they
 * happen here, in order.
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
): AsyncGenerator<ScreenedLines, ScreeningSummary> {
  const threads = deps.threads;
  const screen = threads
    ? (run: TableRun) => threads.screen(run, deps)
    : (run: TableRun) => screenChunk(rowsOfRun(run), deps);
  // Enough chunks in flight to keep every thread busy while the oldest is handed out.
  const inFlight = threads ? threads.parallelism * 2 : 1;
  const crossRow = new CrossRowChecks();

  const handOut = ({ text, lineEnds, checks }: ScreenedChunk): ScreenedLines => {
    let withAnomalies = '';
    let copied = 0;
    for (let row = 0; row < lineEnds.length; row++) {
      const result = resultOf(checks, row);
      if (result === undefined) {
        summary.rejectedRows++;
        continue;
      }
      summary.byResult[result] = (summary.byResult[result] ?? 0) + 1;
      if (result !== 'valid' && result !== 'pending_registry') summary.negativeRows++;
      const anomalies = crossRow.anomaliesOf(checks, row);
      if (anomalies.length === 0) continue;
      summary.anomalies += anomalies.length;
      // The line is a JSON object: the anomalies go in as its last member, before its `}\n`.
      const objectEnd = lineEnds[row]! - 2;
      withAnomalies += `${text.slice(copied, objectEnd)},"anomalies":${JSON.stringify(anomalies)}`;
      copied = objectEnd;
    }
    summary.rows += lineEnds.length;
    return { text: withAnomalies + text.slice(copied), rows: lineEnds.length };
  };

  const queue: Array<Promise<ScreenedChunk>> = [];
  for await (const run of runs) {
    const screened = screen(run);
    // Awaited in order below; observed now so a failure is not reported as unhandled.
    screened.catch(() => {});
    queue.push(screened);
    while (queue.length >= inFlight) yield handOut(await queue.shift()!);
  }
  for (const pending of queue.splice(0)) yield handOut(await pending);
  return summary;
}
