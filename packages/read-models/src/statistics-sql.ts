import { groupUnit, type CellQuery, type ExceptPair } from '@hub/domain';

/** SQL of a statistics query, shared by the SQLite and PostgreSQL stores (`$n` → `?` for SQLite). */
export function statisticsSql(
  query: CellQuery,
  select: 'aggregate' | 'trace',
): { sql: string; params: Array<number | bigint> } {
  const params: number[] = [];
  const p = (value: number) => {
    params.push(value);
    return `$${params.length}`;
  };
  const range = (measure: number, dayFrom: number, dayTo: number) =>
    `measure = ${p(measure)} AND unit BETWEEN ${p(query.unitFrom)} AND ${p(query.unitTo)}` +
    ` AND day BETWEEN ${p(dayFrom)} AND ${p(dayTo)}` +
    (query.recordedUpToMs === undefined ? '' : ` AND recorded_ms <= ${p(query.recordedUpToMs)}`);
  let where = range(query.measureId, query.dayFrom, query.dayTo);
  if (query.exceptMeasureId !== undefined) {
    const days = query.exceptDays ?? { from: query.dayFrom, to: query.dayTo };
    where += ` AND dkey NOT IN (SELECT dkey FROM rm_facts WHERE ${range(query.exceptMeasureId, days.from, days.to)})`;
  }
  if (select === 'trace')
    return {
      sql: `SELECT event_id, day, recorded_ms, position FROM rm_facts WHERE ${where} ORDER BY position`,
      params,
    };
  const group = query.groupDigits ? `unit / ${10 ** (6 - query.groupDigits)}` : '0';
  // A 64-bit SUM overflows (SQLite then fails the query; a JavaScript number would round):
  // sum the high and low 32 bits apart, each safe for 2^31 rows, and join them exactly.
  const value =
    query.aggregate === 'distinct'
      ? '0 AS hi, COUNT(DISTINCT dkey) AS lo'
      : 'SUM(value >> 32) AS hi, SUM(value & 4294967295) AS lo';
  return {
    sql: `SELECT ${group} AS g, ${value} FROM rm_facts WHERE ${where} GROUP BY 1`,
    params,
  };
}

/**
 * SQL of a statistics query answered from the aggregates the stores keep beside the facts
 * (rm_fact_sums, rm_distinct_days): its cost grows with units × days, not with events. The
 * caller uses it only when the answer is exact: without an "as of", or with one at or after
 * the latest recorded fact. Undefined where only the facts can answer: a distinct count over
 * units that are not whole divisions, and an `except` of a pair the store does not keep in
 * rm_except_days (`exceptPairs`; PostgreSQL keeps none).
 */
export function aggregatesSql(
  query: CellQuery,
  exceptPairs: readonly ExceptPair[] = [],
): { sql: string; params: Array<number | bigint> } | undefined {
  if (query.exceptMeasureId !== undefined) return exceptSql(query, exceptPairs);
  const params: number[] = [];
  const p = (value: number) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (query.aggregate === 'sum') {
    const group = query.groupDigits ? `unit / ${10 ** (6 - query.groupDigits)}` : '0';
    return {
      sql:
        `SELECT ${group} AS g, SUM(hi) AS hi, SUM(lo) AS lo FROM rm_fact_sums` +
        ` WHERE measure = ${p(query.measureId)} AND unit BETWEEN ${p(query.unitFrom)} AND ${p(query.unitTo)}` +
        ` AND day BETWEEN ${p(query.dayFrom)} AND ${p(query.dayTo)} GROUP BY 1`,
      params,
    };
  }
  const digits = query.groupDigits || divisionDigits(query.unitFrom, query.unitTo);
  if (digits === undefined) return undefined;
  const size = 10 ** (6 - digits);
  if (query.unitFrom % size !== 0 || (query.unitTo + 1) % size !== 0) return undefined;
  return {
    sql:
      `SELECT ${query.groupDigits ? 'scope' : '0'} AS g, 0 AS hi, SUM(n) AS lo FROM rm_distinct_days` +
      ` WHERE measure = ${p(query.measureId)} AND digits = ${p(digits)}` +
      ` AND scope BETWEEN ${p(query.unitFrom / size)} AND ${p((query.unitTo + 1) / size - 1)}` +
      ` AND day BETWEEN ${p(query.dayFrom)} AND ${p(query.dayTo)} AND prev < ${p(query.dayFrom)}` +
      // A group whose keys all lie outside the days has rows that add up to nothing.
      ` GROUP BY 1 HAVING SUM(n) > 0`,
    params,
  };
}

/**
 * An `except` count from the aggregates: the keys of the measure in the days (as a distinct
 * count does) less those of them the except measure has in its days anywhere in the range,
 * which rm_except_days counts once per key (its first day in each range, as rm_distinct_days).
 */
function exceptSql(
  query: CellQuery,
  exceptPairs: readonly ExceptPair[],
): { sql: string; params: Array<number | bigint> } | undefined {
  const kept = exceptPairs.some(
    (p) => p.measureId === query.measureId && p.exceptMeasureId === query.exceptMeasureId,
  );
  const within = divisionDigits(query.unitFrom, query.unitTo);
  if (!kept || query.aggregate !== 'distinct' || within === undefined) return undefined;
  // Rows finer than the range, or one total over it; a grouping coarser than the range is
  // left to the facts (no form asks for it).
  const digits = query.groupDigits || within;
  if (digits < within) return undefined;
  const size = 10 ** (6 - digits);
  const params: number[] = [];
  const p = (value: number) => {
    params.push(value);
    return `$${params.length}`;
  };
  const exceptDays = query.exceptDays ?? { from: query.dayFrom, to: query.dayTo };
  const group = query.groupDigits ? 'scope' : '0';
  const cells = (measureId: number) =>
    `measure = ${p(measureId)} AND digits = ${p(digits)}` +
    ` AND scope BETWEEN ${p(query.unitFrom / size)} AND ${p((query.unitTo + 1) / size - 1)}` +
    ` AND day BETWEEN ${p(query.dayFrom)} AND ${p(query.dayTo)} AND prev < ${p(query.dayFrom)}`;
  return {
    sql:
      `SELECT g, 0 AS hi, SUM(n) AS lo FROM (` +
      `SELECT ${group} AS g, n FROM rm_distinct_days WHERE ${cells(query.measureId)}` +
      ` UNION ALL SELECT ${group} AS g, -n AS n FROM rm_except_days` +
      ` WHERE ${cells(query.measureId)} AND except_measure = ${p(query.exceptMeasureId!)} AND within = ${p(within)}` +
      ` AND eday BETWEEN ${p(exceptDays.from)} AND ${p(exceptDays.to)} AND eprev < ${p(exceptDays.from)}` +
      `) AS counted GROUP BY 1 HAVING SUM(n) > 0`,
    params,
  };
}

/** The digits (2, 4, 6) of the one division whose units a range covers exactly, if any. */
function divisionDigits(unitFrom: number, unitTo: number): 2 | 4 | 6 | undefined {
  for (const digits of [2, 4, 6] as const) {
    const size = 10 ** (6 - digits);
    if (unitFrom % size === 0 && unitTo === unitFrom + size - 1) return digits;
  }
  return undefined;
}

/** Whether aggregates can answer a query "as of" an instant, given the latest recorded fact. */
export function aggregatesInclude(query: CellQuery, latestRecordedMs: number | undefined): boolean {
  return (
    query.recordedUpToMs === undefined ||
    latestRecordedMs === undefined ||
    query.recordedUpToMs >= latestRecordedMs
  );
}

type SqlInteger = number | string | bigint | null;

/** Rows of (group, high and low halves) to the exact totals a form is assembled from. */
export function groupedResult(
  query: CellQuery,
  rows: ReadonlyArray<{ g: SqlInteger; hi: SqlInteger; lo: SqlInteger }>,
): Map<string, bigint> {
  const result = new Map<string, bigint>();
  for (const row of rows) {
    const key = query.groupDigits ? groupUnit(Number(row.g)) : '';
    result.set(key, (BigInt(row.hi ?? 0) << 32n) + BigInt(row.lo ?? 0));
  }
  return result;
}

/** A fact's value as the drivers bind it exactly: beyond 2^53 a number's own digits would round. */
export const exactInteger = (value: number): number | bigint =>
  Number.isSafeInteger(value) ? value : BigInt(value);
