import { divisionLevel, type DivisionCode } from '../shared/value-objects/division-code.js';
import { childDivisions, divisionName } from '../shared/value-objects/division-names.js';
import { formatFen } from '../shared/value-objects/money.js';
import { dayString, shanghaiDateTime, type DayNumber } from '../shared/time.js';
import { exceptMeasureOf, STATISTIC_MEASURES, type MeasureRegistry } from './facts.js';
import type { FormTemplate } from './forms.js';
import type { Figure } from './measures.js';
import {
  PeriodError,
  reportingPeriod,
  type BimonthlyReading,
  type DayRange,
  type PeriodSelection,
  type ReportingPeriod,
} from './periods.js';

/**
 * One aggregate over the statistics facts: a measure over a range of units and days. The
 * read-model store answers it (sum of values, or count of distinct keys, optionally leaving
 * out keys that another measure has in the same days).
 */
export interface CellQuery {
  measureId: number;
  aggregate: 'sum' | 'distinct';
  unitFrom: number;
  unitTo: number;
  dayFrom: DayNumber;
  dayTo: DayNumber;
  exceptMeasureId?: number;
  exceptDays?: DayRange;
  /** Only events the store recorded up to this instant (epoch ms): the form "as of" then. */
  recordedUpToMs?: number;
  /**
   * Group by the first N digits of the unit code (4: cities, 6: districts); 0 for one total.
   * Distinct counts cannot be summed across units, so grouping happens in the query.
   */
  groupDigits: 0 | 2 | 4 | 6;
}

/** Units inside a division as an integer range of division codes. */
export function unitRange(unit: DivisionCode): { unitFrom: number; unitTo: number } {
  const code = Number(unit);
  switch (divisionLevel(unit)) {
    case 'province':
      return { unitFrom: code, unitTo: code + 9999 };
    case 'city':
      return { unitFrom: code, unitTo: code + 99 };
    case 'district':
      return { unitFrom: code, unitTo: code };
  }
}

/** The division code a grouped row stands for (group 3101 of 4 digits → 310100). */
export function groupUnit(group: number): string {
  return String(group).padEnd(6, '0');
}

export interface FormCell {
  figureId: string;
  column: number;
  /**
   * Integer as decimal digits: a count, or fen for money. A string, because a total may pass
   * 2^53, where a JSON number (and a JavaScript one) stops being exact.
   */
  value: string;
  /** As printed, in the figure's unit (money exact in 元 or 万元, the form's decimals). */
  display: string;
  /** The figure's header exactly as printed on the form. */
  headerZh: string;
  /** The sub-column under a header that holds two figures (公诉: 件 and 人). */
  subHeaderZh?: string;
  /** The group headers above it, outermost first. */
  groupZh: readonly string[];
  /** The value column's header on an item-rows form (本月数据, 累计数据, 汇总数据). */
  columnZh?: string;
  unit: Figure['unit'];
}

export interface FormRow {
  /** Division code of the row's unit; the reporting unit itself for the total row. */
  unit: string;
  labelZh: string;
  /**
   * `unit`: a unit below the reporting unit, listed whether or not anything happened there;
   * `own`: what was reported under the reporting unit's own code (its city- or province-level
   * departments, 本级); `other`: a code under it that is not in the division table (an old code);
   * `total`: the reporting unit as a whole.
   */
  kind: 'unit' | 'own' | 'other' | 'total';
  /** The row's number in the 序号 column (unit-rows forms). */
  serial?: number;
  cells: FormCell[];
}

/** One value column of the form and the days it covers. */
export interface FormColumn {
  column: number;
  headerZh: string;
  from: string;
  to: string;
}

export interface ComputedForm {
  template: FormTemplate;
  unit: string;
  /** The named period asked for, if one was. */
  period: string | undefined;
  /** The range of days asked for instead, if one was. */
  from: string | undefined;
  to: string | undefined;
  /** The form's title with the period filled in (2024年7-8月份工作情况统计表). */
  titleZh: string;
  periodLabelZh: string;
  /** What the period covers and how it was read, printed under the form. */
  periodNoteZh: string | undefined;
  columns: FormColumn[];
  /** When the form is due (YYYY-MM-DD); none for a range of days. */
  dueOn: string | undefined;
  asOf: string | undefined;
  /**
   * How events are counted, for the reader: by the Asia/Shanghai day they happened (occurred
   * time); with `asOf`, only those the hub had recorded by then (recorded time).
   */
  basisZh: string;
  rows: FormRow[];
}

export interface FormRequest extends PeriodSelection {
  template: FormTemplate;
  unit: DivisionCode;
  /** ISO instant: only events recorded by then. */
  asOf?: string;
  /** How the bimonthly form's note is read (configuration). */
  bimonthlyReading?: BimonthlyReading;
}

export interface PlannedCell {
  figure: Figure;
  column: number;
  /** `rows`: grouped by unit below the reporting unit; `total`: the reporting unit's total. */
  scope: 'rows' | 'total';
  query: CellQuery;
}

export interface FormPlan {
  cells: PlannedCell[];
  period: ReportingPeriod;
  /** The units listed as rows, from the division table (empty for a district or an item-rows form). */
  rowUnits: string[];
  /** Grouped results at these units' level of digits are shown only through finer groups. */
  finerGroups: ReadonlyArray<{ unitFrom: number; unitTo: number }>;
}

/**
 * How the rows of a unit-rows form are grouped: by city (4 digits) for a province, by county
 * (6 digits) for a city and under the province's grouping entries (a municipality's 市辖区 and
 * 县, 省直辖县级行政区划), so that every listed unit gets its own figure.
 */
function rowGroupings(unit: DivisionCode): {
  groupings: Array<{ unitFrom: number; unitTo: number; groupDigits: 4 | 6 }>;
  finer: Array<{ unitFrom: number; unitTo: number }>;
} {
  const level = divisionLevel(unit);
  if (level === 'district') return { groupings: [], finer: [] };
  if (level === 'city') return { groupings: [{ ...unitRange(unit), groupDigits: 6 }], finer: [] };
  const children = childDivisions(unit);
  const finer = children
    .filter((c) => divisionLevel(c) === 'district')
    .map((c) => unitRange(`${c.slice(0, 4)}00`))
    .filter((r, i, all) => all.findIndex((o) => o.unitFrom === r.unitFrom) === i);
  // A municipality has no cities of its own: its districts are the only grouping it needs. A
  // province unknown to the table is grouped by the cities its data names.
  const byCity = children.some((c) => divisionLevel(c) === 'city') || children.length === 0;
  if (!byCity) return { groupings: [{ ...unitRange(unit), groupDigits: 6 }], finer: [] };
  return {
    groupings: [
      { ...unitRange(unit), groupDigits: 4 },
      ...finer.map((r) => ({ ...r, groupDigits: 6 as const })),
    ],
    finer,
  };
}

/** The aggregates a form needs. Pure: the caller runs them against a read-model store. */
export function planForm(
  request: FormRequest,
  registry: MeasureRegistry = STATISTIC_MEASURES,
): FormPlan {
  const { template } = request;
  const period = reportingPeriod(
    template,
    { period: request.period, from: request.from, to: request.to },
    request.bimonthlyReading ? { bimonthlyReading: request.bimonthlyReading } : {},
  );
  const { groupings, finer } =
    template.layout === 'unit-rows' ? rowGroupings(request.unit) : { groupings: [], finer: [] };
  const recordedUpToMs = request.asOf === undefined ? undefined : Date.parse(request.asOf);
  if (recordedUpToMs !== undefined && Number.isNaN(recordedUpToMs))
    throw new PeriodError(
      `asOf 应为带时区的 ISO 8601 时刻，收到 "${request.asOf}" / asOf must be an ISO 8601 instant, got "${request.asOf}"`,
    );
  const cells: PlannedCell[] = [];
  for (const line of template.lines) {
    for (const figure of line.figures) {
      period.columns.forEach((range, column) => {
        const measure = figure.measure;
        const except = exceptMeasureOf(measure);
        const query: CellQuery = {
          measureId: registry.idOf(measure),
          aggregate: measure.kind === 'count' && measure.distinct ? 'distinct' : 'sum',
          ...unitRange(request.unit),
          // A stock figure (e.g. enterprises in the area) counts everything up to the period's end.
          dayFrom: figure.accumulation === 'stock' ? 0 : range.from,
          dayTo: range.to,
          groupDigits: 0,
          ...(except ? { exceptMeasureId: registry.idOf(except), exceptDays: range } : {}),
          ...(recordedUpToMs === undefined ? {} : { recordedUpToMs }),
        };
        for (const grouping of groupings)
          cells.push({ figure, column, scope: 'rows', query: { ...query, ...grouping } });
        cells.push({ figure, column, scope: 'total', query });
      });
    }
  }
  const rowUnits =
    template.layout === 'unit-rows' && divisionLevel(request.unit) !== 'district'
      ? childDivisions(request.unit)
      : [];
  return { cells, period, rowUnits, finerGroups: finer };
}

/** A figure as printed: counts as digits, money exact in its unit with the form's decimals. */
export function displayValue(figure: Figure, value: bigint): string {
  return figure.unit === '元' || figure.unit === '万元'
    ? formatFen(value, figure.unit, figure.decimals)
    : String(value);
}

/**
 * The form's title with its period: the Shanghai form prints "2024年 x月份", filled in with the
 * months (2024年7-8月份); a period of days, or a title without a blank, gets it in brackets.
 */
export function formTitle(template: FormTemplate, periodLabelZh: string): string {
  const blank = /\d{4}年\s*x月份/;
  if (blank.test(template.titleZh) && periodLabelZh.endsWith('月'))
    return template.titleZh.replace(blank, `${periodLabelZh}份`);
  if (blank.test(template.titleZh)) return template.titleZh.replace(blank, periodLabelZh);
  return `${template.titleZh}（${periodLabelZh}）`;
}

function basisZh(asOf: string | undefined): string {
  const counted = '按事件发生的日期（北京时间）计入报告期';
  return asOf === undefined
    ? `${counted}，含平台截至生成时已记录的全部事件`
    : `${counted}，只含平台在 ${shanghaiDateTime(asOf)}（北京时间）前已记录的事件（按记录时间截取）`;
}

/**
 * Puts aggregate results (one map per planned cell: group unit → exact value, '' for a total) into
 * the rows of the form: for a unit-rows form one row per unit below the reporting unit, from
 * the division table, zeros where nothing happened, then rows for anything reported under the
 * unit's own code or an unknown code, and the total; for an item-rows form the total alone.
 */
export function assembleForm(
  request: FormRequest,
  plan: FormPlan,
  results: ReadonlyArray<ReadonlyMap<string, bigint>>,
  unitNames: (unit: string) => string = divisionName,
): ComputedForm {
  const template = request.template;
  const listed = new Set(plan.rowUnits);
  const shownFiner = (unit: string) =>
    plan.finerGroups.some((g) => Number(unit) >= g.unitFrom && Number(unit) <= g.unitTo);
  // Rows cells of several groupings each hold a slice of the units: one lookup per unit.
  const values = new Map<string, bigint>();
  const extra = new Set<string>();
  plan.cells.forEach((cell, i) => {
    if (cell.scope !== 'rows') return;
    for (const [unit, value] of results[i]!) {
      // A 4-digit group under a grouping entry (3101 under 上海市) is shown by its districts.
      if (cell.query.groupDigits === 4 && shownFiner(unit)) continue;
      values.set(`${unit}|${cell.figure.id}|${cell.column}`, value);
      if (!listed.has(unit)) extra.add(unit);
    }
  });
  const headers = new Map<string, { groupZh: readonly string[]; sub?: string }>();
  for (const line of template.lines)
    for (const figure of line.figures)
      headers.set(figure.id, {
        groupZh: line.groupZh,
        ...(line.figures.length > 1 ? { sub: figure.unit } : {}),
      });
  const columnHeader = (column: number) =>
    plan.period.columnHeadersZh?.[column] ?? template.valueColumnsZh[column];
  // Each total cell stands for one figure and column; a unit's row reads the grouped values.
  const cellsOf = (row: 'unit' | 'total', unit: string): FormCell[] =>
    plan.cells.flatMap((cell, i) => {
      if (cell.scope !== 'total') return [];
      const value =
        row === 'total'
          ? (results[i]!.get('') ?? 0n)
          : (values.get(`${unit}|${cell.figure.id}|${cell.column}`) ?? 0n);
      const header = headers.get(cell.figure.id)!;
      const columnZh = template.layout === 'item-rows' ? columnHeader(cell.column) : undefined;
      return [
        {
          figureId: cell.figure.id,
          column: cell.column,
          value: value.toString(),
          display: displayValue(cell.figure, value),
          headerZh: cell.figure.headerZh,
          ...(header.sub ? { subHeaderZh: header.sub } : {}),
          groupZh: header.groupZh,
          ...(columnZh ? { columnZh } : {}),
          unit: cell.figure.unit,
        },
      ];
    });
  const unitRows: FormRow[] = [...plan.rowUnits, ...[...extra].sort()].map((unit) => ({
    unit,
    labelZh: unit === request.unit ? `${unitNames(unit)}本级` : unitNames(unit),
    kind: listed.has(unit) ? 'unit' : unit === request.unit ? 'own' : 'other',
    cells: cellsOf('unit', unit),
  }));
  const total: FormRow = {
    unit: request.unit,
    labelZh: unitRows.length > 0 ? '合计' : unitNames(request.unit),
    kind: 'total',
    cells: cellsOf('total', request.unit),
  };
  const rows =
    template.layout === 'unit-rows'
      ? [
          ...unitRows.map((row, i) => ({ ...row, serial: i + 1 })),
          unitRows.length > 0 ? total : { ...total, serial: 1 },
        ]
      : [total];
  const periodLabelZh = plan.period.labelZh;
  return {
    template,
    unit: request.unit,
    period: request.period,
    from: request.from,
    to: request.to,
    titleZh: formTitle(template, periodLabelZh),
    periodLabelZh,
    periodNoteZh: plan.period.noteZh,
    columns: plan.period.columns.map((range, column) => ({
      column,
      headerZh: columnHeader(column) ?? '',
      from: dayString(range.from),
      to: dayString(range.to),
    })),
    dueOn: plan.period.dueOn,
    asOf: request.asOf,
    basisZh: basisZh(request.asOf),
    rows,
  };
}
