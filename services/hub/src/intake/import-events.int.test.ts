/**
 * Spreadsheet intake (issue 19.5): the sample sheets are recorded through the publishing path,
 * a second upload records nothing twice, ID numbers are sealed, and a sheet with mistakes gets
 * a problem per row and column in Chinese while its good rows are recorded.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bufferSource, fileSource, formatOf, readTable } from '@hub/certificates';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { PersonalDataVault } from '@hub/personal-data';
import { importEventSheet } from './import-events.js';
import { SHEETS, type SheetKind } from './sheets.js';

const SAMPLES = resolve(__dirname, '../../../../samples');
const ID_NUMBERS = ['310105198503120079', '310105199001010034'];

let dir: string;
let store: SqliteEventStore;
let vault: PersonalDataVault;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hub-intake-'));
  store = new SqliteEventStore({ filename: join(dir, 'events.db') });
  vault = new PersonalDataVault({ id: 'k1', secret: randomBytes(32) });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const rowsOf = (sheet: SheetKind, file: string) =>
  readTable(fileSource(file), formatOf(file), SHEETS[sheet].columns, SHEETS[sheet].required);
const importFile = (sheet: SheetKind, file: string, agency: 'emergency' | 'police' = 'emergency') =>
  importEventSheet(store, rowsOf(sheet, file), { agency, sheet, sealing: vault });
const importCsv = (sheet: SheetKind, text: string) =>
  importEventSheet(
    store,
    readTable(
      bufferSource(Buffer.from(text)),
      'csv',
      SHEETS[sheet].columns,
      SHEETS[sheet].required,
    ),
    { agency: 'emergency', sheet, sealing: vault },
  );

const SAMPLE_FILES: Array<[SheetKind, string, number]> = [
  ['inspections', 'events-inspections.csv', 3],
  ['findings', 'events-findings.csv', 3],
  ['fines', 'events-fines.csv', 2],
  ['rectifications', 'events-rectifications.csv', 3],
  ['clues', 'events-clues.csv', 1],
];

describe('hub import events', () => {
  it('records every sample sheet, and the same files again record nothing twice', async () => {
    for (const [sheet, file, events] of SAMPLE_FILES) {
      const first = await importFile(sheet, join(SAMPLES, file));
      expect({ file, ...first }).toEqual({
        file,
        rows: expect.any(Number) as number,
        recorded: events,
        alreadyRecorded: 0,
        problems: [],
      });
    }
    const stored = await store.readAll({ maxCount: 1000 });
    expect(stored.map((e) => e.type).sort()).toEqual(
      [
        'ClueTransferred',
        'FindingRecorded',
        'FindingRecorded',
        'FindingRecorded',
        'FineImposed',
        'FineImposed',
        'InspectionConducted',
        'InspectionConducted',
        'InspectionConducted',
        'ProblemRectified',
        'RectificationOrdered',
        'RectificationOrdered',
      ].sort(),
    );
    const fine = stored.find(
      (e) => e.type === 'FineImposed' && JSON.stringify(e.data).includes('31号'),
    );
    expect((fine!.data as { amountFen: number }).amountFen).toBe(3_000_000);

    for (const [sheet, file, events] of SAMPLE_FILES) {
      const again = await importFile(sheet, join(SAMPLES, file));
      expect({ file, recorded: again.recorded, alreadyRecorded: again.alreadyRecorded }).toEqual({
        file,
        recorded: 0,
        alreadyRecorded: events,
      });
    }
    // The XLSX template holds the same rows as the CSV one (a date typed as an Excel date):
    // the same events, so nothing new.
    const xlsx = await importFile('inspections', join(SAMPLES, 'events-inspections.xlsx'));
    expect(xlsx).toMatchObject({ recorded: 0, alreadyRecorded: 3, problems: [] });
    expect(await store.readAll({ maxCount: 1000 })).toHaveLength(stored.length);
  });

  it('seals every ID number the sheets hold: none is stored in clear', async () => {
    await importFile('findings', join(SAMPLES, 'events-findings.csv'));
    await importFile('fines', join(SAMPLES, 'events-fines.csv'));
    const raw = JSON.stringify(await store.readAll({ maxCount: 1000 }), (_k, v: unknown) =>
      typeof v === 'bigint' ? String(v) : v,
    );
    expect(raw).toContain('pii1:');
    for (const id of ID_NUMBERS) expect(raw).not.toContain(id);
  });

  it('reports each bad row by line and column in Chinese, and records the good rows', async () => {
    const result = await importCsv(
      'inspections',
      [
        '检查编号,行政区划代码,检查日期,检查对象类型,单位名称,统一社会信用代码,检查方式,检查特种作业人员数',
        'OK-1,310105,2024-06-20,生产经营单位,示例机械有限公司,91310105MA1FL3LH36,专项检查,12',
        'BAD-1,310105,2024-13-45,生产经营单位,示例机械有限公司,91310105MA1FL3LH36,专项检查,12',
        'BAD-2,310105,2024-06-20,菜市场,示例机械有限公司,91310105MA1FL3LH36,专项检查,12',
        'BAD-3,310105,2024-06-20,生产经营单位,示例机械有限公司,913101050000000000,专项检查,12',
        'BAD-4,310105,2099-06-20,生产经营单位,示例机械有限公司,91310105MA1FL3LH36,专项检查,12',
        'OK-2,310105,2024-06-21,生产经营单位,示例机械有限公司,91310105MA1FL3LH36,日常检查,3',
      ].join('\n'),
    );
    expect(result.recorded).toBe(2);
    expect(result.problems.map((p) => [p.line, p.header])).toEqual([
      [3, '检查日期'],
      [4, '检查对象类型'],
      [5, '统一社会信用代码'],
      [6, '检查日期'],
    ]);
    for (const p of result.problems) expect(p.message).toMatch(/^“?\p{Script=Han}/u);
    expect(result.problems[1]!.message).toContain('生产经营单位、用人单位、培训机构');
  });

  it('takes a copied row as the same row: recorded once, the rest of the file too', async () => {
    const row =
      'COPY-1,310105,2024-06-20,生产经营单位,示例机械有限公司,91310105MA1FL3LH36,专项检查,12';
    const result = await importCsv(
      'inspections',
      [
        '检查编号,行政区划代码,检查日期,检查对象类型,单位名称,统一社会信用代码,检查方式,检查特种作业人员数',
        row,
        row,
        'AFTER-1,310105,2024-06-21,生产经营单位,示例机械有限公司,91310105MA1FL3LH36,日常检查,3',
      ].join('\n'),
    );
    expect(result).toMatchObject({ rows: 3, recorded: 2, alreadyRecorded: 1, problems: [] });
    expect(await store.readAll({ maxCount: 10 })).toHaveLength(2);
  });

  it('never repeats an ID number in a problem, whatever column it was typed in', async () => {
    const id = ID_NUMBERS[0]!;
    const result = await importCsv(
      'fines',
      [
        '检查编号,处罚决定书文号,行政区划代码,决定日期,检查对象类型,单位名称,统一社会信用代码,处罚对象,姓名,身份证号,人员身份,罚款金额（元）,法律依据',
        // Columns shifted: the ID number lands under 人员身份 (a choice) and 罚款金额.
        `CN-9,沪长应急罚〔2024〕91号,310105,2024-07-05,生产经营单位,示例机械有限公司,91310105MA1FL3LH36,个人,王伟,${id},${id},${id},《安全生产法》`,
        // Typed full-width, as a Chinese input method writes it.
        `CN-9,沪长应急罚〔2024〕92号,310105,2024-07-05,生产经营单位,示例机械有限公司,91310105MA1FL3LH36,个人,王伟,${id.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)))},作业人员,100,《安全生产法》`,
      ].join('\n'),
    );
    expect(result.recorded).toBe(0);
    expect(result.problems.length).toBeGreaterThanOrEqual(2);
    const text = JSON.stringify(result.problems);
    // Positive control: the problems do name the cells (masked), so the test reads real text.
    expect(text).toContain(id.slice(0, 6));
    expect(text).not.toContain(id);
    expect(text).not.toMatch(/[０-９]{17}/u);
  });

  it('refuses rows of a type the agency may not publish, as HTTP publishing does', async () => {
    const result = await importFile('fines', join(SAMPLES, 'events-fines.csv'), 'police');
    expect(result.recorded).toBe(0);
    expect(result.problems).toHaveLength(2);
    expect(await store.readAll({ maxCount: 10 })).toEqual([]);
    // Control: the same file from an agency that may publish fines is recorded.
    expect((await importFile('fines', join(SAMPLES, 'events-fines.csv'))).recorded).toBe(2);
  });

  it('reports progress on a large sheet and records its rows in chunks', async () => {
    const header =
      '检查编号,行政区划代码,检查日期,检查对象类型,单位名称,统一社会信用代码,检查方式,检查特种作业人员数';
    const lines = Array.from(
      { length: 1200 },
      (_, i) =>
        `BIG-${i},310105,2024-06-20,生产经营单位,示例机械有限公司,91310105MA1FL3LH36,专项检查,${i % 50}`,
    );
    const seen: number[] = [];
    const result = await importEventSheet(
      store,
      readTable(
        bufferSource(Buffer.from([header, ...lines].join('\n'))),
        'csv',
        SHEETS.inspections.columns,
        SHEETS.inspections.required,
      ),
      {
        agency: 'emergency',
        sheet: 'inspections',
        sealing: vault,
        onProgress: (n) => seen.push(n),
      },
    );
    expect(result).toMatchObject({ rows: 1200, recorded: 1200, problems: [] });
    expect(seen).toEqual([500, 1000, 1200]);
  });

  it("refuses, row by row, the rows outside the uploader's units and records the others", async () => {
    const header =
      '检查编号,行政区划代码,检查日期,检查对象类型,单位名称,统一社会信用代码,检查方式,检查特种作业人员数';
    const text = [
      header,
      'U-1,310105,2024-06-20,生产经营单位,示例机械有限公司,91310105MA1FL3LH36,专项检查,3',
      'U-2,310104,2024-06-20,生产经营单位,示例机械有限公司,91310105MA1FL3LH36,专项检查,3',
    ].join('\n');
    const result = await importEventSheet(
      store,
      readTable(
        bufferSource(Buffer.from(text)),
        'csv',
        SHEETS.inspections.columns,
        SHEETS.inspections.required,
      ),
      { agency: 'emergency', sheet: 'inspections', sealing: vault, units: ['310105'] },
    );
    expect(result).toMatchObject({ rows: 2, recorded: 1, alreadyRecorded: 0 });
    expect(result.problems).toEqual([
      expect.objectContaining({ line: 3, column: 'reportingUnit', header: '行政区划代码' }),
    ]);
    expect(result.problems[0]!.message).toContain('不在您的辖区');
  });
});
