import { dayString as day } from '../shared/time.js';
import type { FormTemplate } from './forms.js';
import {
  DEFAULT_BIMONTHLY_READING,
  reportingPeriod,
  type BimonthlyReading,
  type ReportingPeriod,
} from './periods.js';

/** A form template as a client lists it: its lines with their printed headers, and its periods. */
export interface FormTemplateSummary {
  id: string;
  titleZh: string;
  sourceDocument: string;
  layout: FormTemplate['layout'];
  valueColumnsZh: readonly string[];
  lines: Array<{
    groupZh: readonly string[];
    figures: Array<{
      id: string;
      headerZh: string;
      /** 件 or 人 where one header holds two figures. */
      subHeaderZh?: string;
      unit: string;
      decimals?: number;
    }>;
  }>;
  periods: {
    rule: FormTemplate['periodRule'];
    /** How a named period is written, in the form's own terms. */
    namedZh: string;
    /** An example of a named period and the days it covers. */
    example: { period: string | null; from: string; to: string };
    /** Any range of days is accepted too. */
    rangeZh: string;
    bimonthlyReading?: BimonthlyReading;
  };
}

function example(template: FormTemplate, reading: BimonthlyReading) {
  const rule = template.periodRule;
  const period =
    rule.kind === 'bimonthly'
      ? `2024-${String(rule.dueMonths[0]).padStart(2, '0')}`
      : rule.kind === 'monthly-with-cumulative'
        ? `${rule.cumulativeFrom.slice(0, 4)}-09`
        : undefined;
  const computed: ReportingPeriod = reportingPeriod(template, period, {
    bimonthlyReading: reading,
  });
  return {
    period: period ?? null,
    from: day(computed.columns[0]!.from),
    to: day(computed.columns[0]!.to),
  };
}

const NAMED: Record<FormTemplate['periodRule']['kind'], string> = {
  bimonthly:
    'period=YYYY-MM：报送月（8、10、12 月），统计两个月 / the due month; covers two months',
  'monthly-with-cumulative':
    'period=YYYY-MM：月份，第二列自专项行动开始累计 / the month; the second column cumulates from the campaign start',
  campaign: '无报告期：整个专项行动期间 / no period: the whole campaign',
};

export function formTemplateSummary(
  template: FormTemplate,
  reading: BimonthlyReading = DEFAULT_BIMONTHLY_READING,
): FormTemplateSummary {
  return {
    id: template.id,
    titleZh: template.titleZh,
    sourceDocument: template.sourceDocument,
    layout: template.layout,
    valueColumnsZh: template.valueColumnsZh,
    lines: template.lines.map((line) => ({
      groupZh: line.groupZh,
      figures: line.figures.map((f) => ({
        id: f.id,
        headerZh: f.headerZh,
        ...(line.figures.length > 1 ? { subHeaderZh: f.unit } : {}),
        unit: f.unit,
        ...(f.decimals === undefined ? {} : { decimals: f.decimals }),
      })),
    })),
    periods: {
      rule: template.periodRule,
      namedZh: NAMED[template.periodRule.kind],
      example: example(template, reading),
      rangeZh:
        'from=YYYY-MM-DD&to=YYYY-MM-DD：任意起止日期（北京时间，含首尾） / any range of Asia/Shanghai days, inclusive',
      ...(template.periodRule.kind === 'bimonthly' ? { bimonthlyReading: reading } : {}),
    },
  };
}
