import { divisionLevel, type DivisionCode } from '../shared/value-objects/division-code.js';
import { formatFen } from '../shared/value-objects/money.js';
import type { DayNumber } from '../shared/time.js';
import { exceptMeasureOf, STATISTIC_MEASURES, type MeasureRegistry } from './facts.js';
import type { FormTemplate } from './forms.js';
import type { Figure } from './measures.js';
import { PeriodError, reportingPeriod, type DayRange } from './periods.js';

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
  /** As printed, in the figure's unit (money exact in 元 or 万元). */
  display: string;
}

export interface FormRow {
  /** Division code of the row's unit; the reporting unit itself for the total row. */
  unit: string;
  labelZh: string;
  cells: FormCell[];
}

export interface ComputedForm {
  template: FormTemplate;
  unit: string;
  period: string | undefined;
  periodLabelZh: string;
  dueOn: string;
  asOf: string | undefined;
  rows: FormRow[];
}

export interface FormRequest {
  template: FormTemplate;
  unit: DivisionCode;
  period?: string;
  /** ISO instant: only events recorded by then. */
  asOf?: string;
}

export interface PlannedCell {
  figure: Figure;
  column: number;
  /** `rows`: grouped by child unit, one value per row; `total`: the reporting unit's total. */
  scope: 'rows' | 'total';
  query: CellQuery;
}

/** The aggregates a form needs. Pure: the caller runs them against a read-model store. */
export function planForm(
  request: FormRequest,
  registry: MeasureRegistry = STATISTIC_MEASURES,
): { cells: PlannedCell[]; periodLabelZh: string; dueOn: string } {
  const { template } = request;
  const period = reportingPeriod(template, request.period);
  const level = divisionLevel(request.unit);
  const rowDigits =
    template.layout === 'unit-rows' ? (level === 'province' ? 4 : level === 'city' ? 6 : 0) : 0;
  const recordedUpToMs = request.asOf === undefined ? undefined : Date.parse(request.asOf);
  if (recordedUpToMs !== undefined && Number.isNaN(recordedUpToMs))
    throw new PeriodError(`asOf must be an ISO 8601 instant, got "${request.asOf}"`);
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
        if (rowDigits)
          cells.push({
            figure,
            column,
            scope: 'rows',
            query: { ...query, groupDigits: rowDigits },
          });
        cells.push({ figure, column, scope: 'total', query });
      });
    }
  }
  return { cells, periodLabelZh: period.labelZh, dueOn: period.dueOn };
}

export function displayValue(figure: Figure, value: bigint): string {
  return figure.unit === '元' || figure.unit === '万元'
    ? formatFen(value, figure.unit)
    : String(value);
}

/**
 * Puts aggregate results (one map per planned cell: group unit → exact value, '' for a total) into
 * the rows of the form: for a unit-rows form one row per child unit with data and a total
 * row; for an item-rows form the total row alone.
 */
export function assembleForm(
  request: FormRequest,
  plan: ReturnType<typeof planForm>,
  results: ReadonlyArray<ReadonlyMap<string, bigint>>,
  unitNames: (unit: string) => string = (u) => u,
): ComputedForm {
  const units = new Set<string>();
  plan.cells.forEach((cell, i) => {
    if (cell.scope === 'rows') for (const key of results[i]!.keys()) units.add(key);
  });
  const row = (scope: PlannedCell['scope'], unit: string): FormRow => ({
    unit,
    labelZh: unitNames(unit),
    cells: plan.cells.flatMap((cell, i) => {
      if (cell.scope !== scope) return [];
      const value = results[i]!.get(scope === 'rows' ? unit : '') ?? 0n;
      return [
        {
          figureId: cell.figure.id,
          column: cell.column,
          value: value.toString(),
          display: displayValue(cell.figure, value),
        },
      ];
    }),
  });
  return {
    template: request.template,
    unit: request.unit,
    period: request.period,
    periodLabelZh: plan.periodLabelZh,
    dueOn: plan.dueOn,
    asOf: request.asOf,
    rows: [...[...units].sort().map((u) => row('rows', u)), row('total', request.unit)],
  };
}
