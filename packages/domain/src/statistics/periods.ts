import { dayNumber, dayString, lastDayOfMonth, type DayNumber } from '../shared/time.js';
import type { FormTemplate } from './forms.js';

/** A closed range of Asia/Shanghai days. */
export interface DayRange {
  from: DayNumber;
  to: DayNumber;
}

/**
 * How the Shanghai note "8月、10月、12月底前报送上2个月的进展情况" is read:
 * - `ending`: the two months ending with the due month (due end of August: July–August);
 * - `preceding`: the two months before the due month (due end of August: June–July).
 */
export type BimonthlyReading = 'ending' | 'preceding';

export const BIMONTHLY_READINGS: readonly BimonthlyReading[] = ['ending', 'preceding'];

/** The hub's default reading; README (Reports) gives the reasoning, configuration the other. */
export const DEFAULT_BIMONTHLY_READING: BimonthlyReading = 'ending';

/** Which period a form is for: a named period (the form's own terms) or any range of days. */
export interface PeriodSelection {
  /** The form's named period: the due month (bimonthly), the month (monthly), none (campaign). */
  period?: string;
  /** First and last Asia/Shanghai day, YYYY-MM-DD, inclusive: any range instead of a named period. */
  from?: string;
  to?: string;
}

export interface PeriodOptions {
  bimonthlyReading?: BimonthlyReading;
}

/** The value columns a form has for one reporting period. */
export interface ReportingPeriod {
  /** The period as people name it: 2024年7-8月, 2024年7月1日至9月15日. */
  labelZh: string;
  /** One range per value column of the form (a unit-rows form has one). */
  columns: readonly DayRange[];
  /** Headers of the value columns where the period changes them (本期数据 for a range). */
  columnHeadersZh?: readonly string[];
  /** When the form is due, as YYYY-MM-DD; none for a range of days chosen freely. */
  dueOn: string | undefined;
  /** What the period covers and why, printed under the form (the bimonthly reading). */
  noteZh?: string;
}

export class PeriodError extends Error {
  readonly code = 'INVALID_PERIOD';
}

const pad = (n: number) => String(n).padStart(2, '0');
const year = (day: DayNumber) => Math.floor(day / 10_000);
const month = (day: DayNumber) => Math.floor(day / 100) % 100;
const date = (day: DayNumber) => day % 100;

function parseMonth(period: string | undefined, template: FormTemplate): [number, number] {
  const match = period ? /^(\d{4})-(\d{2})$/.exec(period) : null;
  const m = match ? Number(match[2]) : 0;
  if (!match || m < 1 || m > 12)
    throw new PeriodError(
      `报表 ${template.id} 的报告期应为 YYYY-MM 格式的月份，收到 "${period ?? ''}" / form ${template.id} needs a period written YYYY-MM, got "${period ?? ''}"`,
    );
  return [Number(match[1]), m];
}

function parseDay(text: string, name: 'from' | 'to'): DayNumber {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const day = match ? dayNumber(text) : 0;
  if (!match || month(day) < 1 || month(day) > 12 || date(day) < 1)
    throw new PeriodError(
      `${name} 应为 YYYY-MM-DD 格式的日期，收到 "${text}" / ${name} must be a date YYYY-MM-DD, got "${text}"`,
    );
  if (day > lastDayOfMonth(year(day), month(day)))
    throw new PeriodError(`没有这一天：${text} / no such day: ${text}`);
  return day;
}

/**
 * A range of days as people name it: whole months as months (2024年7-8月, 2024年9月,
 * 2024年11月-2025年2月), anything else as days (2024年7月1日至9月15日).
 */
export function rangeLabelZh(range: DayRange): string {
  const { from, to } = range;
  const wholeMonths = date(from) === 1 && to === lastDayOfMonth(year(to), month(to));
  if (wholeMonths) {
    if (year(from) !== year(to))
      return `${year(from)}年${month(from)}月-${year(to)}年${month(to)}月`;
    return month(from) === month(to)
      ? `${year(from)}年${month(from)}月`
      : `${year(from)}年${month(from)}-${month(to)}月`;
  }
  const start = `${year(from)}年${month(from)}月${date(from)}日`;
  if (from === to) return start;
  const end =
    year(from) === year(to)
      ? `${month(to)}月${date(to)}日`
      : `${year(to)}年${month(to)}月${date(to)}日`;
  return `${start}至${end}`;
}

const isOneMonth = (range: DayRange) =>
  date(range.from) === 1 &&
  month(range.from) === month(range.to) &&
  range.to === lastDayOfMonth(year(range.to), month(range.to));

/** Any range of days for any form: each value column over the range (a cumulative one from its start). */
function freeRange(template: FormTemplate, fromText: string, toText: string): ReportingPeriod {
  const range = { from: parseDay(fromText, 'from'), to: parseDay(toText, 'to') };
  if (range.from > range.to)
    throw new PeriodError(
      `起始日 ${fromText} 晚于截止日 ${toText} / from ${fromText} is after to ${toText}`,
    );
  const rule = template.periodRule;
  const label = rangeLabelZh(range);
  if (rule.kind === 'monthly-with-cumulative') {
    const start = Math.min(range.from, dayNumber(rule.cumulativeFrom));
    return {
      labelZh: label,
      columns: [range, { from: start, to: range.to }],
      // The printed header says 本月数据; a range that is not one month is 本期.
      ...(isOneMonth(range) ? {} : { columnHeadersZh: ['本期数据', '累计数据'] }),
      dueOn: undefined,
      noteZh: `统计期间：${dayString(range.from)} 至 ${dayString(range.to)}（北京时间，含首尾两日）；累计数据自 ${dayString(start)} 起。`,
    };
  }
  return {
    labelZh: label,
    columns: [range],
    dueOn: undefined,
    noteZh: `统计期间：${dayString(range.from)} 至 ${dayString(range.to)}（北京时间，含首尾两日）。`,
  };
}

/**
 * The reporting period of a form, named the way its users name it, or any range of days:
 * - bimonthly forms: the due month (`2024-08`), read as configured (`ending`: July–August;
 *   `preceding`: June–July), the reading stated in the period's note;
 * - monthly forms with a cumulative column: the month (`2018-09`), cumulated from the start;
 * - campaign forms: no period, the campaign's dates;
 * - any form: `from`/`to` (YYYY-MM-DD, Asia/Shanghai days, inclusive) instead of a period.
 */
export function reportingPeriod(
  template: FormTemplate,
  selection: PeriodSelection | string | undefined,
  options: PeriodOptions = {},
): ReportingPeriod {
  const chosen: PeriodSelection =
    typeof selection === 'string' ? { period: selection } : (selection ?? {});
  if (chosen.from !== undefined || chosen.to !== undefined) {
    if (chosen.period !== undefined)
      throw new PeriodError(
        '报告期与起止日期只能给一种 / give either a period or from and to, not both',
      );
    if (chosen.from === undefined || chosen.to === undefined)
      throw new PeriodError('起止日期须同时给出 / from and to go together');
    return freeRange(template, chosen.from, chosen.to);
  }
  const period = chosen.period;
  const rule = template.periodRule;
  switch (rule.kind) {
    case 'bimonthly': {
      const [y, m] = parseMonth(period, template);
      if (!rule.dueMonths.includes(m))
        throw new PeriodError(
          `报表 ${template.id} 按两个月报送，报送月为 ${rule.dueMonths.join('、')} 月；${period} 不是报送月（任意期间请用起止日期） / form ${template.id} is reported for two-month windows due in months ${rule.dueMonths.join(', ')}; ${period} is not one (use from and to for any range)`,
        );
      const reading = options.bimonthlyReading ?? DEFAULT_BIMONTHLY_READING;
      // Due in January under `preceding` would reach back into the year before.
      const last = reading === 'ending' ? y * 12 + m - 1 : y * 12 + m - 2;
      const first = last - 1;
      const from = Math.floor(first / 12) * 10_000 + ((first % 12) + 1) * 100 + 1;
      const to = lastDayOfMonth(Math.floor(last / 12), (last % 12) + 1);
      const due = lastDayOfMonth(y, m);
      const range = { from, to };
      const months = `${month(from)}-${month(to)}月`;
      const readingZh =
        reading === 'ending'
          ? `备注“上2个月”按截至报送月的两个月理解：${m}月底报送${months}`
          : `备注“上2个月”按报送月之前的两个月理解：${m}月底报送${months}`;
      return {
        labelZh: rangeLabelZh(range),
        columns: [range],
        dueOn: dayString(due),
        noteZh: `统计期间：${dayString(from)} 至 ${dayString(to)}（北京时间）；${readingZh}。`,
      };
    }
    case 'monthly-with-cumulative': {
      const [y, m] = parseMonth(period, template);
      const to = lastDayOfMonth(y, m);
      const dueMonth = m === 12 ? [y + 1, 1] : [y, m + 1];
      return {
        labelZh: `${y}年${m}月`,
        columns: [
          { from: y * 10_000 + m * 100 + 1, to },
          { from: dayNumber(rule.cumulativeFrom), to },
        ],
        dueOn: `${dueMonth[0]}-${pad(dueMonth[1]!)}-${pad(rule.dueDayOfMonth)}`,
      };
    }
    case 'campaign':
      if (period)
        throw new PeriodError(
          `报表 ${template.id} 统计整个专项行动期间，不用报告期（任意期间请用起止日期） / form ${template.id} covers the whole campaign; give no period (or from and to)`,
        );
      return {
        labelZh: rangeLabelZh({ from: dayNumber(rule.from), to: dayNumber(rule.to) }),
        columns: [{ from: dayNumber(rule.from), to: dayNumber(rule.to) }],
        dueOn: rule.dueOn,
      };
  }
}
