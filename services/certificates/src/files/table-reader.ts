import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { csvRecordRuns, parseCsvText, readCsvRecords } from './csv.js';
import {
  checkedXlsxStream,
  DEFAULT_XLSX_LIMITS,
  type RandomAccess,
  type XlsxLimits,
} from './xlsx-zip.js';

/** A table's bytes: as a stream (CSV), or at any offset (an XLSX is checked part by part). */
export interface TableSource extends RandomAccess {
  stream(): Readable;
}

export type TableFormat = 'csv' | 'xlsx';

/** A row keyed by the canonical column names, with the line (CSV) or row number (XLSX) it came from. */
export interface TableRow {
  line: number;
  cells: Record<string, string>;
  /** The header each canonical column had in the file, for messages that name the column as the user wrote it. */
  headers?: Readonly<Record<string, string>>;
}

/** Canonical column name → the headers agencies write for it (English or Chinese). */
export type ColumnAliases = Record<string, readonly string[]>;

/**
 * The columns every certificate table has, under the names agencies write: the first name is
 * the one this hub's samples and messages use, the others are headers seen in issuers' and
 * employers' own exports (the national query platforms' downloads, provincial systems'
 * 台账). Headers are compared without spaces, full-width forms or a required-field "*".
 */
export const CERTIFICATE_COLUMNS: ColumnAliases = {
  certificateType: ['证书类型', '证件类型', '证书种类', '证书名称', 'type', 'certificateType'],
  number: [
    '证书编号',
    '编号',
    '证号',
    '证书号',
    '证书号码',
    '证件编号',
    '操作证号',
    '资格证书编号',
    '证书编码',
    'certificateNumber',
    'number',
  ],
  idNumber: [
    '身份证号',
    '身份证号码',
    '证件号码',
    '证件号',
    '公民身份号码',
    '身份证',
    '持证人身份证号',
    'holderIdNumber',
    'idNumber',
  ],
  name: ['姓名', '持证人', '持证人姓名', '人员姓名', 'holderName', 'name'],
};

/** A header as compared: NFKC, no spaces, no "*" marking a required field, no trailing colon. */
export const headerKey = (header: string) =>
  header
    .normalize('NFKC')
    .replace(/\s+/gu, '')
    .replace(/^\*+|\*+$/gu, '')
    .replace(/[:：]$/u, '')
    .toLowerCase();

/** Every name of a column, Chinese first, for a message. */
export const columnNamesZh = (aliases: ColumnAliases, column: string) =>
  `「${aliases[column]![0]}」（也可写作 ${aliases[column]!.slice(1).join(' / ')}）`;

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

async function* xlsxRows(source: TableSource, limits: XlsxLimits) {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(await checkedXlsxStream(source, limits), {
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

/** For each column of a table, the canonical name it holds (undefined: not used). */
export type TableColumns = Array<string | undefined>;

/** The columns a header row names; every required one must be there (under any alias). */
function columnsOf(
  header: readonly string[],
  line: number,
  aliases: ColumnAliases,
  required: readonly string[],
): { columns: TableColumns; headers: Record<string, string> } {
  const keys = new Map<string, string>();
  for (const [column, names] of Object.entries(aliases))
    for (const name of [column, ...names]) keys.set(headerKey(name), column);
  const columns = header.map((h) => keys.get(headerKey(h)));
  const headers: Record<string, string> = {};
  columns.forEach((c, i) => {
    if (c && !(c in headers)) headers[c] = header[i]!.trim();
  });
  const missing = required.filter((c) => !columns.includes(c));
  if (missing.length > 0)
    throw new TableError(
      `第 ${line} 行（表头）缺少必填列 ${missing.map((m) => columnNamesZh(aliases, m)).join('、')}，请在表头加上这些列 / line ${line}: the header row lacks ${missing.map((m) => `"${m}" (or ${aliases[m]!.join(' / ')})`).join(', ')}`,
    );
  return { columns, headers };
}

/** A data row under canonical names; undefined for a row with nothing in it. */
function rowOf(
  columns: TableColumns,
  line: number,
  values: readonly string[],
  headers?: Readonly<Record<string, string>>,
): TableRow | undefined {
  if (values.every((v) => v.trim() === '')) return undefined;
  const cells: Record<string, string> = {};
  columns.forEach((c, i) => {
    if (c && !(c in cells)) cells[c] = (values[i] ?? '').trim();
  });
  return headers ? { line, cells, headers } : { line, cells };
}

/**
 * Reads a CSV or XLSX table as a stream of rows under canonical column names. The header row
 * must name every required column (under any alias); unknown columns are ignored. An XLSX is
 * read only once its parts are checked within `limits`.
 */
export async function* readTable(
  source: TableSource,
  format: TableFormat,
  aliases: ColumnAliases,
  required: readonly string[],
  limits: XlsxLimits = DEFAULT_XLSX_LIMITS,
): AsyncGenerator<TableRow> {
  let header: ReturnType<typeof columnsOf> | undefined;
  const rows = format === 'xlsx' ? xlsxRows(source, limits) : csvRows(source.stream());
  for await (const { line, values } of rows) {
    if (!header) {
      header = columnsOf(values, line, aliases, required);
      continue;
    }
    const row = rowOf(header.columns, line, values, header.headers);
    if (row) yield row;
  }
  if (!header) throw new TableError(EMPTY);
}

/**
 * A run of a table's rows: parsed rows, or whole CSV records not parsed yet (cheap to cut on
 * one thread and parse on another; see rowsOfRun).
 */
export type TableRun =
  | { rows: TableRow[] }
  | {
      csv: string;
      firstLine: number;
      columns: TableColumns;
      headers?: Readonly<Record<string, string>>;
    };

const EMPTY = '文件为空：没有表头行 / the file is empty: no header row';

/** The rows of a run. */
export function rowsOfRun(run: TableRun): TableRow[] {
  if ('rows' in run) return run.rows;
  const rows: TableRow[] = [];
  for (const { line, fields } of parseCsvText(run.csv, run.firstLine)) {
    const row = rowOf(run.columns, line, fields, run.headers);
    if (row) rows.push(row);
  }
  return rows;
}

/**
 * A table in runs of about `rowsPerRun` rows, header checked as by readTable. CSV records after
 * the first run are passed on as text, so the caller's thread only finds where records end.
 */
export async function* readTableRuns(
  source: TableSource,
  format: TableFormat,
  aliases: ColumnAliases,
  required: readonly string[],
  rowsPerRun: number,
  limits: XlsxLimits = DEFAULT_XLSX_LIMITS,
): AsyncGenerator<TableRun> {
  if (format === 'xlsx') {
    let rows: TableRow[] = [];
    for await (const row of readTable(source, format, aliases, required, limits)) {
      rows.push(row);
      if (rows.length < rowsPerRun) continue;
      yield { rows };
      rows = [];
    }
    if (rows.length > 0) yield { rows };
    return;
  }
  let table: ReturnType<typeof columnsOf> | undefined;
  for await (const { text, firstLine } of csvRecordRuns(source.stream(), rowsPerRun)) {
    if (table) {
      yield { csv: text, firstLine, columns: table.columns, headers: table.headers };
      continue;
    }
    // The first run holds the header: parsed here, to refuse a bad table before any row.
    const [header, ...records] = parseCsvText(text, firstLine);
    if (!header) continue;
    const found = columnsOf(header.fields, header.line, aliases, required);
    table = found;
    const rows = records.flatMap(
      ({ line, fields }) => rowOf(found.columns, line, fields, found.headers) ?? [],
    );
    if (rows.length > 0) yield { rows };
  }
  if (!table) throw new TableError(EMPTY);
}

export const fileSource = (path: string): TableSource => ({
  stream: () => createReadStream(path),
  size: async () => (await stat(path)).size,
  read: async (offset, length) => {
    const file = await open(path);
    try {
      const { buffer, bytesRead } = await file.read(Buffer.alloc(length), 0, length, offset);
      return buffer.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  },
});

export const bufferSource = (buffer: Buffer): TableSource => ({
  stream: () => Readable.from([buffer]),
  size: async () => buffer.length,
  read: async (offset, length) => buffer.subarray(offset, offset + length),
});
