import { dayNumber, lastDayOfMonth, type DayNumber } from '../shared/time.js';
import type { FormTemplate } from './forms.js';

/** A closed range of Asia/Shanghai days. */
export interface DayRange {
  from: DayNumber;
  to: DayNumber;
}

/** The value columns a form has for one reporting period. */
export interface ReportingPeriod {
  labelZh: string;
  /** One range per value column of the form (a unit-rows form has one). */
  columns: readonly DayRange[];
  /** When the form is due, as YYYY-MM-DD. */
  dueOn: string;
}

export class PeriodError extends Error {
  readonly code = 'INVALID_PERIOD';
}

function parseMonth(period: string | undefined, template: FormTemplate): [number, number] {
  const match = period ? /^(\d{4})-(\d{2})$/.exec(period) : null;
  const month = match ? Number(match[2]) : 0;
  if (!match || month < 1 || month > 12)
    throw new PeriodError(`form ${template.id} needs a period written YYYY-MM, got "${period}"`);
  return [Number(match[1]), month];
}

/**
 * The reporting period of a form named the way its users name it:
 * - bimonthly forms: the due month (`2024-08` is July–August, due by the end of August;
 *   the form's note "8月、10月、12月底前报送上2个月的进展情况" read as the two months then ending);
 * - monthly forms with a cumulative column: the month (`2018-09`), cumulated from the start;
 * - campaign forms: no period, the campaign's dates.
 */
export function reportingPeriod(template: FormTemplate, period?: string): ReportingPeriod {
  const rule = template.periodRule;
  switch (rule.kind) {
    case 'bimonthly': {
      const [year, month] = parseMonth(period, template);
      if (!rule.dueMonths.includes(month))
        throw new PeriodError(
          `form ${template.id} is reported for two-month windows due in months ${rule.dueMonths.join(', ')}; ${period} is not one`,
        );
      const to = lastDayOfMonth(year, month);
      return {
        labelZh: `${year}年${month - 1}-${month}月`,
        columns: [{ from: year * 10_000 + (month - 1) * 100 + 1, to }],
        dueOn: `${year}-${String(month).padStart(2, '0')}-${String(to % 100).padStart(2, '0')}`,
      };
    }
    case 'monthly-with-cumulative': {
      const [year, month] = parseMonth(period, template);
      const to = lastDayOfMonth(year, month);
      const dueMonth = month === 12 ? [year + 1, 1] : [year, month + 1];
      return {
        labelZh: `${year}年${month}月`,
        columns: [
          { from: year * 10_000 + month * 100 + 1, to },
          { from: dayNumber(rule.cumulativeFrom), to },
        ],
        dueOn: `${dueMonth[0]}-${String(dueMonth[1]).padStart(2, '0')}-${String(rule.dueDayOfMonth).padStart(2, '0')}`,
      };
    }
    case 'campaign':
      if (period)
        throw new PeriodError(`form ${template.id} covers the whole campaign; give no period`);
      return {
        labelZh: `${rule.from} 至 ${rule.to}`,
        columns: [{ from: dayNumber(rule.from), to: dayNumber(rule.to) }],
        dueOn: rule.dueOn,
      };
  }
}
