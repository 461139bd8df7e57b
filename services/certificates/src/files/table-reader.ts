import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { readCsvRecords } from './csv.js';

export type TableFormat = 'csv' | 'xlsx';

/** A row keyed by the canonical column names, with the line (CSV) or row number (XLSX) it came from. */
export interface TableRow {
  line: number;
  cells: Record<string, string>;
}

/** Canonical column name → the headers agencies write for it (English or Chinese). */
export type ColumnAliases = Record<string, readonly string[]>;

/** The columns every certificate table has, under the names agencies write. */
export const CERTIFICATE_COLUMNS: ColumnAliases = {
  certificateType: ['证书类型', 'type'],
  number: ['证书编号', '编号', '证号', 'certificateNumber'],
  idNumber: ['身份证号', '身份证号码', '证件号码', 'holderIdNumber'],
  name: ['姓名', 'holderName'],
};

export class TableError extends Error {
  readonly code = 'TABLE_INVALID';
}

export function formatOf(name: string): TableFormat {
  return /\.xlsx$/i.test(name) ? 'xlsx' : 'csv';
}

async function* csvRows(source: Readable) {
  for await (const record of readCsvRecords(source))
    yield { line: record.line, values: record.fields };
}

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'object') {
    if ('text' in value && typeof value.text === 'string') return value.text;
    if ('result' in value) return cellText(value.result);
    if ('richText' in value) return value.richText.map((r) => r.text).join('');
    return ''; // errors, formulas without a result, hyperlinks without text
  }
  return String(value);
}

async function* xlsxRows(source: Readable) {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(source, {
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    worksheets: 'emit',
  });
  for await (const sheet of reader) {
    for await (const row of sheet as AsyncIterable<ExcelJS.Row>) {
      const values = (row.values as ExcelJS.CellValue[]).slice(1).map(cellText);
      yield { line: row.number, values };
    }
    return; // the first sheet only
  }
}

/**
 * Reads a CSV or XLSX table as a stream of rows under canonical column names. The header row
 * must name every required column (under any alias); unknown columns are ignored.
 */
export async function* readTable(
  source: Readable,
  format: TableFormat,
  aliases: ColumnAliases,
  required: readonly string[],
): AsyncGenerator<TableRow> {
  let columns: Array<string | undefined> | undefined;
  for await (const { line, values } of format === 'xlsx' ? xlsxRows(source) : csvRows(source)) {
    if (!columns) {
      const headers = values.map((h) => h.trim());
      columns = headers.map((h) =>
        Object.keys(aliases).find((c) => c === h || aliases[c]!.includes(h)),
      );
      const missing = required.filter((c) => !columns!.includes(c));
      if (missing.length > 0)
        throw new TableError(
          `line ${line}: the header row lacks ${missing.map((m) => `"${m}" (or ${aliases[m]!.join(' / ')})`).join(', ')}`,
        );
      continue;
    }
    if (values.every((v) => v.trim() === '')) continue;
    const cells: Record<string, string> = {};
    columns.forEach((c, i) => {
      if (c) cells[c] = (values[i] ?? '').trim();
    });
    yield { line, cells };
  }
  if (!columns) throw new TableError('the file is empty: no header row');
}

export const fileSource = (path: string): Readable => createReadStream(path);
export const bufferSource = (buffer: Buffer): Readable => Readable.from([buffer]);
