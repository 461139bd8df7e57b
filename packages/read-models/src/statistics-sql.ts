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
    return { sql: `SELECT event_id FROM rm_facts WHERE ${where} ORDER BY position`, params };
  const group = query.groupDigits ? `unit / ${10 ** (6 - query.groupDigits)}` : '0';
  const value = query.aggregate === 'distinct' ? 'COUNT(DISTINCT dkey)' : 'SUM(value)';
  return {
    sql: `SELECT ${group} AS g, ${value} AS v FROM rm_facts WHERE ${where} GROUP BY 1`,
    params,
  };
}

/** Rows of (group, value) to the map a form is assembled from. */
export function groupedResult(
  query: CellQuery,
  rows: ReadonlyArray<{ g: number | string; v: number | string | bigint | null }>,
): Map<string, number> {
  const result = new Map<string, number>();
  for (const row of rows) {
    const key = query.groupDigits ? groupUnit(Number(row.g)) : '';
    result.set(key, Number(row.v ?? 0));
  }
  return result;
}
