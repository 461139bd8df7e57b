import { finding, published, recorded, VALID_CREDIT_CODE, VALID_ID } from '../testing/index.js';
import { shanghaiDay } from '../shared/time.js';
import { STATISTIC_MEASURES, statisticFactsOf, statisticWarningsOf } from './facts.js';
import { FORM_TEMPLATES, GUANGDONG_2018, JIANGJIN_2023, SHANGHAI_2024 } from './forms.js';
import { PeriodError, reportingPeriod } from './periods.js';
import { assembleForm, planForm, unitRange } from './report.js';

const figure = (template: typeof SHANGHAI_2024, id: string) =>
  template.lines.flatMap((l) => l.figures).find((f) => f.id === id)!;

describe('statistic facts', () => {
  it('reads the reporting day in Asia/Shanghai, not UTC', () => {
    expect(shanghaiDay('2024-06-30T16:30:00Z')).toBe(20240701);
    expect(shanghaiDay('2024-07-01T00:10:00+08:00')).toBe(20240701);
    expect(shanghaiDay('2024-06-30T23:59:00+08:00')).toBe(20240630);
  });

  it('given a forged certificate found at an employer, feeds each measure that counts it', () => {
    const event = recorded(
      finding({ kind: 'forged', worker: { idNumber: VALID_ID, name: '张三' } }),
      'emergency',
    );
    const facts = statisticFactsOf(event);
    const idOf = (id: string) => STATISTIC_MEASURES.idOf(figure(SHANGHAI_2024, id).measure);
    expect(facts).toContainEqual({
      measureId: idOf('uncertifiedOrFakePersons'),
      unit: '310105',
      day: 20240620,
      value: 1,
      distinctKey: VALID_ID,
    });
    expect(facts).toContainEqual({
      measureId: idOf('enterpriseProblems'),
      unit: '310105',
      day: 20240620,
      value: 1,
    });
    // A training-institution line does not count an employer's finding.
    const training = STATISTIC_MEASURES.idOf(figure(GUANGDONG_2018, 'trainingFakesFound').measure);
    expect(facts.map((f) => f.measureId)).not.toContain(training);
  });

  it('sums money in fen and skips events a measure does not select', () => {
    const fine = (subjectKind: string, amountFen: number) =>
      recorded(
        published('FineImposed', {
          inspectionId: 'I',
          subjectKind,
          target: { kind: 'enterprise', enterprise: { creditCode: VALID_CREDIT_CODE, name: '甲' } },
          amountFen,
        }),
        'emergency',
      );
    const fines = STATISTIC_MEASURES.idOf(figure(SHANGHAI_2024, 'fines').measure);
    expect(
      statisticFactsOf(fine('employer', 123_450)).find((f) => f.measureId === fines)?.value,
    ).toBe(123_450);
    expect(
      statisticFactsOf(fine('intermediary', 99)).find((f) => f.measureId === fines),
    ).toBeUndefined();
  });

  describe('given a v1 fine recorded before amounts were bounded (2^53 - 1 yuan)', () => {
    const legacy = recorded(
      published('FineImposed', {
        inspectionId: 'I',
        decisionNo: 'D',
        subjectKind: 'employer',
        target: { kind: 'enterprise', enterprise: { creditCode: VALID_CREDIT_CODE, name: '甲' } },
        amountFen: Number.MAX_SAFE_INTEGER * 100, // what the v1 upcaster made of it
      }),
      'emergency',
    );
    const fines = STATISTIC_MEASURES.idOf(figure(SHANGHAI_2024, 'fines').measure);

    it('adds nothing to the sums: the amount is past the range where it is exact', () => {
      expect(statisticFactsOf(legacy).find((f) => f.measureId === fines)).toBeUndefined();
    });

    it('says so, for the runner to log', () => {
      expect(statisticWarningsOf(legacy)).toEqual([
        expect.stringMatching(/^FineImposed\.amountFen = .* left out of the sums$/),
      ]);
    });
  });

  it('registers every figure of every form, and the counted side of an except', () => {
    for (const t of FORM_TEMPLATES)
      for (const l of t.lines)
        for (const f of l.figures) expect(() => STATISTIC_MEASURES.idOf(f.measure)).not.toThrow();
    expect(STATISTIC_MEASURES.measuresOf('SelfInspectionReported').length).toBeGreaterThan(3);
  });
});

describe('reporting periods', () => {
  it('reads a bimonthly form by its due month: July–August, due at the end of August', () => {
    expect(reportingPeriod(SHANGHAI_2024, '2024-08')).toEqual({
      labelZh: '2024年7-8月',
      columns: [{ from: 20240701, to: 20240831 }],
      dueOn: '2024-08-31',
    });
    expect(() => reportingPeriod(SHANGHAI_2024, '2024-09')).toThrow(PeriodError);
    expect(() => reportingPeriod(SHANGHAI_2024, undefined)).toThrow(/YYYY-MM/);
  });

  it('gives a monthly form its month and the cumulative column since the campaign start', () => {
    expect(reportingPeriod(GUANGDONG_2018, '2018-09')).toEqual({
      labelZh: '2018年9月',
      columns: [
        { from: 20180901, to: 20180930 },
        { from: 20180710, to: 20180930 },
      ],
      dueOn: '2018-10-25',
    });
  });

  it('covers the whole campaign for a campaign form', () => {
    expect(reportingPeriod(JIANGJIN_2023).columns).toEqual([{ from: 20230720, to: 20231210 }]);
  });
});

describe('form plans', () => {
  it('rolls a province up by city rows and a total; a stock figure counts from the start', () => {
    expect(unitRange('310000')).toEqual({ unitFrom: 310000, unitTo: 319999 });
    expect(unitRange('440700')).toEqual({ unitFrom: 440700, unitTo: 440799 });
    const plan = planForm({ template: SHANGHAI_2024, unit: '310000', period: '2024-08' });
    expect(
      plan.cells.filter((c) => c.scope === 'rows').every((c) => c.query.groupDigits === 4),
    ).toBe(true);
    const jj = planForm({ template: JIANGJIN_2023, unit: '120000' });
    const stock = jj.cells.find((c) => c.figure.id === 'enterprisesInArea')!;
    expect(stock.query).toMatchObject({ dayFrom: 0, dayTo: 20231210 });
    expect(
      jj.cells.find((c) => c.figure.id === 'notSelfInspected')!.query.exceptMeasureId,
    ).toBeDefined();
  });

  it('assembles rows per child unit plus a total, and prints money exactly in 万元', () => {
    const request = { template: SHANGHAI_2024, unit: '310000', period: '2024-08' };
    const plan = planForm(request);
    const results = plan.cells.map((c) =>
      c.figure.id === 'fines'
        ? new Map(c.scope === 'rows' ? [['310100', 1_234_500n]] : [['', 1_234_500n]])
        : new Map<string, bigint>(),
    );
    const form = assembleForm(request, plan, results, (u) =>
      u === '310000' ? '上海市' : '市辖区',
    );
    expect(form.rows.map((r) => r.labelZh)).toEqual(['市辖区', '上海市']);
    expect(form.rows[1]!.cells.find((c) => c.figureId === 'fines')).toMatchObject({
      value: '1234500',
      display: '1.234500',
    });
  });

  it('keeps a total beyond 2^53 fen exact, in the value and as printed', () => {
    const request = { template: SHANGHAI_2024, unit: '310105', period: '2024-08' };
    const plan = planForm(request);
    const total = 2n ** 53n * 100n + 1n; // 900719925474099201 fen
    const results = plan.cells.map((c) =>
      c.figure.id === 'fines' ? new Map([['', total]]) : new Map<string, bigint>(),
    );
    expect(
      assembleForm(request, plan, results).rows[0]!.cells.find((c) => c.figureId === 'fines'),
    ).toMatchObject({ value: '900719925474099201', display: '900719925474.099201' });
  });
});
