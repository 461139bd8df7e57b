import ExcelJS from 'exceljs';
import {
  bufferSource,
  readTable,
  readTableRuns,
  rowsOfRun,
  TableError,
  type TableFormat,
  type TableRow,
} from './table-reader.js';

const ALIASES = { number: ['证书编号'], name: ['姓名'], note: ['备注'] };
const REQUIRED = ['number', 'name'];
const CSV =
  '证书编号,姓名,备注,其他\n' +
  'T1, 张三 ,"多\n行",x\n' +
  ',,,\n' +
  'T2,李四,,y\n' +
  'T3,"王,五",,z\n' +
  'T4,赵六,末行,\n';

async function xlsxOf(csv: string): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('名单');
  for (const line of csv.trim().split('\n')) sheet.addRow(line.split(','));
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

async function rowsThroughRuns(body: Buffer, format: TableFormat, rowsPerRun: number) {
  const rows: TableRow[] = [];
  for await (const run of readTableRuns(bufferSource(body), format, ALIASES, REQUIRED, rowsPerRun))
    rows.push(...rowsOfRun(run));
  return rows;
}
async function rowsRead(body: Buffer, format: TableFormat) {
  const rows: TableRow[] = [];
  for await (const row of readTable(bufferSource(body), format, ALIASES, REQUIRED)) rows.push(row);
  return rows;
}

describe('a table read in runs', () => {
  it('gives the rows, lines and cells that reading it row by row gives (CSV and XLSX)', async () => {
    const csv = Buffer.from(CSV);
    const expected = await rowsRead(csv, 'csv');
    expect(expected.map((r) => r.line)).toEqual([2, 5, 6, 7]);
    expect(expected[0]!.cells).toEqual({ number: 'T1', name: '张三', note: '多\n行' });
    for (const perRun of [1, 2, 100])
      expect(await rowsThroughRuns(csv, 'csv', perRun)).toEqual(expected);
    const xlsx = await xlsxOf('证书编号,姓名\nT1,张三\nT2,李四\nT3,王五');
    expect(await rowsThroughRuns(xlsx, 'xlsx', 2)).toEqual(await rowsRead(xlsx, 'xlsx'));
  });

  it('refuses a header without a required column before any row, naming its aliases', async () => {
    const runs = readTableRuns(
      bufferSource(Buffer.from('证书编号,备注\nT1,x\n')),
      'csv',
      ALIASES,
      REQUIRED,
      1,
    );
    await expect(runs.next()).rejects.toThrow(TableError);
    const empty = readTableRuns(bufferSource(Buffer.from('\n\n')), 'csv', ALIASES, REQUIRED, 1);
    await expect(empty.next()).rejects.toThrow(/the file is empty/);
    const missing = readTableRuns(
      bufferSource(Buffer.from('证书编号\nT1\n')),
      'csv',
      ALIASES,
      REQUIRED,
      1,
    );
    await expect(missing.next()).rejects.toThrow('line 1: the header row lacks "name" (or 姓名)');
  });
});
