import { groupUnit, type CellQuery } from '@hub/domain';

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
