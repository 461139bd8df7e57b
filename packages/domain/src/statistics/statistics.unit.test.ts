import { finding, published, recorded, VALID_CREDIT_CODE, VALID_ID } from '../testing/index.js';
import { shanghaiDay } from '../shared/time.js';
import { STATISTIC_MEASURES, statisticFactsOf, statisticWarningsOf } from './facts.js';
import { FORM_TEMPLATES, GUANGDONG_2018, JIANGJIN_2023, SHANGHAI_2024 } from './forms.js';
import { PeriodError, rangeLabelZh, reportingPeriod } from './periods.js';
import { assembleForm, formTitle, planForm, unitRange } from './report.js';
import {
  childDivisions,
  divisionName,
  hasDivisionName,
} from '../shared/value-objects/division-names.js';
import { GB_T_2260 } from '../shared/value-objects/division-table.js';

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
  describe('given the Shanghai bimonthly form and its due month', () => {
    it('reads 2024-08 as July–August by default (the two months ending with the due month), and says so', () => {
      expect(reportingPeriod(SHANGHAI_2024, '2024-08')).toEqual({
        labelZh: '2024年7-8月',
        columns: [{ from: 20240701, to: 20240831 }],
        dueOn: '2024-08-31',
        noteZh:
          '统计期间：2024-07-01 至 2024-08-31（北京时间）；备注“上2个月”按截至报送月的两个月理解：8月底报送7-8月。',
      });
    });

    it('reads it as June–July when configured to take the two months before the due month', () => {
      const period = reportingPeriod(SHANGHAI_2024, '2024-08', { bimonthlyReading: 'preceding' });
      expect(period).toMatchObject({
        labelZh: '2024年6-7月',
        columns: [{ from: 20240601, to: 20240731 }],
        dueOn: '2024-08-31',
      });
      expect(period.noteZh).toContain('按报送月之前的两个月理解：8月底报送6-7月');
    });

    it('refuses a month that is not a due month, and a missing period, in Chinese first', () => {
      expect(() => reportingPeriod(SHANGHAI_2024, '2024-09')).toThrow(PeriodError);
      expect(() => reportingPeriod(SHANGHAI_2024, '2024-09')).toThrow(/^报表 shanghai-2024/);
      expect(() => reportingPeriod(SHANGHAI_2024, undefined)).toThrow(/YYYY-MM/);
    });
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
    expect(reportingPeriod(JIANGJIN_2023, undefined).columns).toEqual([
      { from: 20230720, to: 20231210 },
    ]);
  });

  describe('given any range of days instead of a named period', () => {
    it('covers exactly those Asia/Shanghai days on every form, with no due date', () => {
      for (const template of FORM_TEMPLATES) {
        const period = reportingPeriod(template, { from: '2024-07-01', to: '2024-09-15' });
        expect(period.columns[0]).toEqual({ from: 20240701, to: 20240915 });
        expect(period.dueOn).toBeUndefined();
        expect(period.labelZh).toBe('2024年7月1日至9月15日');
      }
    });

    it('keeps a cumulative column from the campaign start, and calls the first 本期数据 unless it is one month', () => {
      const range = reportingPeriod(GUANGDONG_2018, { from: '2024-09-01', to: '2024-09-15' });
      expect(range.columns[1]).toEqual({ from: 20180710, to: 20240915 });
      expect(range.columnHeadersZh).toEqual(['本期数据', '累计数据']);
      const month = reportingPeriod(GUANGDONG_2018, { from: '2024-09-01', to: '2024-09-30' });
      expect(month.columnHeadersZh).toBeUndefined();
      expect(month.labelZh).toBe('2024年9月');
    });

    it('names whole months as months, across a year end too', () => {
      expect(rangeLabelZh({ from: 20240701, to: 20240930 })).toBe('2024年7-9月');
      expect(rangeLabelZh({ from: 20241101, to: 20250228 })).toBe('2024年11月-2025年2月');
      expect(rangeLabelZh({ from: 20241215, to: 20250110 })).toBe('2024年12月15日至2025年1月10日');
    });

    it('refuses a range that ends before it starts, a day that does not exist, and half a range', () => {
      expect(() =>
        reportingPeriod(JIANGJIN_2023, { from: '2024-09-02', to: '2024-09-01' }),
      ).toThrow(/晚于截止日/);
      expect(() =>
        reportingPeriod(JIANGJIN_2023, { from: '2024-02-30', to: '2024-03-01' }),
      ).toThrow(/没有这一天/);
      expect(() => reportingPeriod(JIANGJIN_2023, { from: '2024-02-01' })).toThrow(/同时给出/);
      expect(() =>
        reportingPeriod(SHANGHAI_2024, { period: '2024-08', from: '2024-07-01', to: '2024-07-02' }),
      ).toThrow(PeriodError);
    });
  });

  it('titles a form by its actual months, and a range of days in brackets', () => {
    expect(formTitle(SHANGHAI_2024, '2024年7-8月')).toBe('2024年7-8月份工作情况统计表');
    expect(formTitle(SHANGHAI_2024, '2024年7月1日至9月15日')).toBe(
      '2024年7月1日至9月15日工作情况统计表',
    );
    expect(formTitle(JIANGJIN_2023, '2023年7月20日至12月10日')).toBe(
      '特种作业人员持假证和无证上岗专项治理行动情况汇总表（2023年7月20日至12月10日）',
    );
  });
});

describe('form plans', () => {
  const noResults = (plan: ReturnType<typeof planForm>) =>
    plan.cells.map(() => new Map<string, bigint>());

  describe('given the Shanghai form for the city of Shanghai', () => {
    const request = { template: SHANGHAI_2024, unit: '310000', period: '2024-08' };
    const plan = planForm(request);

    it('groups by district (the municipality has no cities of its own)', () => {
      expect(unitRange('310000')).toEqual({ unitFrom: 310000, unitTo: 319999 });
      expect(plan.rowUnits).toHaveLength(16);
      // One query per figure, grouped by the six digits of the district (310000 itself, too).
      const rows = plan.cells.filter((c) => c.scope === 'rows');
      expect(new Set(rows.map((c) => c.query.groupDigits))).toEqual(new Set([6]));
      expect(rows).toHaveLength(plan.cells.length / 2);
    });

    it('lists its 16 districts with zeros where nothing happened, numbered, then the total', () => {
      const form = assembleForm(request, plan, noResults(plan));
      expect(form.rows.map((r) => r.labelZh)).toEqual([
        '黄浦区',
        '徐汇区',
        '长宁区',
        '静安区',
        '普陀区',
        '虹口区',
        '杨浦区',
        '闵行区',
        '宝山区',
        '嘉定区',
        '浦东新区',
        '金山区',
        '松江区',
        '青浦区',
        '奉贤区',
        '崇明区',
        '合计',
      ]);
      expect(form.rows.map((r) => r.serial)).toEqual([
        ...Array.from({ length: 16 }, (_, i) => i + 1),
        undefined,
      ]);
      expect(form.rows[1]!.cells.every((c) => c.value === '0')).toBe(true);
      expect(form.titleZh).toBe('2024年7-8月份工作情况统计表');
    });

    it('gives what the city-level departments reported under 310000 a row of its own (本级)', () => {
      const results = plan.cells.map((c) =>
        c.figure.id === 'fakeWebsitesFound'
          ? new Map(c.scope === 'rows' ? [['310000', 3n]] : [['', 3n]])
          : new Map<string, bigint>(),
      );
      const form = assembleForm(request, plan, results);
      const own = form.rows.find((r) => r.kind === 'own')!;
      expect(own.labelZh).toBe('上海市本级');
      expect(own.cells.find((c) => c.figureId === 'fakeWebsitesFound')?.value).toBe('3');
    });

    it('carries each figure’s printed header, and 件/人 under the prosecution header', () => {
      const form = assembleForm(request, plan, noResults(plan));
      const cells = form.rows[0]!.cells;
      expect(cells.find((c) => c.figureId === 'fines')).toMatchObject({
        headerZh: '罚款金额(万元)',
        groupZh: ['对企业执法检查情况'],
        unit: '万元',
      });
      expect(
        cells
          .filter((c) => c.headerZh === '检察机关提起公诉的涉假证案件数量(件、人)')
          .map((c) => c.subHeaderZh),
      ).toEqual(['件', '人']);
    });
  });

  it('rolls a province up by its cities, and its directly administered counties one by one', () => {
    const gd = planForm({ template: SHANGHAI_2024, unit: '440000', period: '2024-08' });
    expect(gd.rowUnits).toContain('440700');
    expect(gd.rowUnits).toHaveLength(21);
    const hubei = planForm({ template: SHANGHAI_2024, unit: '420000', period: '2024-08' });
    expect(hubei.rowUnits).toEqual(expect.arrayContaining(['420100', '429004']));
    expect(hubei.rowUnits).not.toContain('429000');
  });

  it('counts a stock figure from the start, and leaves out the excepted keys', () => {
    const jj = planForm({ template: JIANGJIN_2023, unit: '500116' });
    const stock = jj.cells.find((c) => c.figure.id === 'enterprisesInArea')!;
    expect(stock.query).toMatchObject({ dayFrom: 0, dayTo: 20231210 });
    expect(
      jj.cells.find((c) => c.figure.id === 'notSelfInspected')!.query.exceptMeasureId,
    ).toBeDefined();
  });

  it('prints 万元 with the form’s two decimals and no trailing zeros beyond them, exactly', () => {
    const request = { template: SHANGHAI_2024, unit: '310105', period: '2024-08' };
    const plan = planForm(request);
    const fines = (fen: bigint) =>
      assembleForm(
        request,
        plan,
        plan.cells.map((c) => (c.figure.id === 'fines' ? new Map([['', fen]]) : new Map())),
      ).rows[0]!.cells.find((c) => c.figureId === 'fines')!.display;
    expect(fines(120_100_00n)).toBe('12.01');
    expect(fines(3_000_000n)).toBe('3.00');
    expect(fines(2_005_000n)).toBe('2.005');
    expect(fines(1n)).toBe('0.000001');
  });

  it('keeps a total beyond 2^53 fen exact, in the value and as printed', () => {
    const request = { template: SHANGHAI_2024, unit: '310105', period: '2024-08' };
    const plan = planForm(request);
    const total = 2n ** 53n * 100n + 1n; // 900719925474099201 fen
    const results = plan.cells.map((c) =>
      c.figure.id === 'fines' ? new Map([['', total]]) : new Map<string, bigint>(),
    );
    const form = assembleForm(request, plan, results);
    expect(form.rows).toHaveLength(1);
    expect(form.rows[0]).toMatchObject({ labelZh: '长宁区', serial: 1 });
    expect(form.rows[0]!.cells.find((c) => c.figureId === 'fines')).toMatchObject({
      value: '900719925474099201',
      display: '900719925474.099201',
    });
  });

  it('documents what it counts: occurred day, and with asOf only what was recorded by then', () => {
    const request = { template: JIANGJIN_2023, unit: '500116', asOf: '2023-10-20T00:00:00+08:00' };
    const plan = planForm(request);
    expect(assembleForm(request, plan, noResults(plan)).basisZh).toBe(
      '按事件发生的日期（北京时间）计入报告期，只含平台在 2023-10-20 00:00（北京时间）前已记录的事件（按记录时间截取）',
    );
  });
});

describe('GB/T 2260 divisions', () => {
  it('knows every province, city and county, and names a grouping entry with its province', () => {
    expect(divisionName('310105')).toBe('长宁区');
    expect(divisionName('500116')).toBe('江津区');
    expect(divisionName('440700')).toBe('江门市');
    expect(divisionName('310100')).toBe('上海市市辖区');
    expect(divisionName('310199')).toBe('310199');
    expect(hasDivisionName('120116')).toBe(true);
  });

  it('lists the children a form shows: cities of a province, counties of a city, districts of a municipality', () => {
    expect(childDivisions('440700')).toEqual([
      '440703',
      '440704',
      '440705',
      '440781',
      '440783',
      '440784',
      '440785',
    ]);
    expect(childDivisions('120000')).toHaveLength(16);
    expect(childDivisions('500000')).toContain('500116');
    expect(childDivisions('500000')).toContain('500230');
    expect(childDivisions('310105')).toEqual([]);
  });

  it('holds the table in its shape: six digits then a name, every county under a known city', () => {
    for (const line of GB_T_2260.trim().split('\n'))
      expect(line).toMatch(/^[1-8]\d{5}\p{Script=Han}+$/u);
    const codes = GB_T_2260.trim()
      .split('\n')
      .map((l) => l.slice(0, 6));
    for (const code of codes) {
      if (code.endsWith('00')) continue;
      expect(codes).toContain(`${code.slice(0, 4)}00`);
    }
  });
});
