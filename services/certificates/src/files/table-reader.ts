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
): TableColumns {
  const headers = header.map((h) => h.trim());
  const columns = headers.map((h) =>
    Object.keys(aliases).find((c) => c === h || aliases[c]!.includes(h)),
  );
  const missing = required.filter((c) => !columns.includes(c));
  if (missing.length > 0)
    throw new TableError(
      `line ${line}: the header row lacks ${missing.map((m) => `"${m}" (or ${aliases[m]!.join(' / ')})`).join(', ')}`,
    );
  return columns;
}

/** A data row under canonical names; undefined for a row with nothing in it. */
function rowOf(
  columns: TableColumns,
  line: number,
  values: readonly string[],
): TableRow | undefined {
  if (values.every((v) => v.trim() === '')) return undefined;
  const cells: Record<string, string> = {};
  columns.forEach((c, i) => {
    if (c) cells[c] = (values[i] ?? '').trim();
  });
  return { line, cells };
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
  let columns: TableColumns | undefined;
  const rows = format === 'xlsx' ? xlsxRows(source, limits) : csvRows(source.stream());
  for await (const { line, values } of rows) {
    if (!columns) {
      columns = columnsOf(values, line, aliases, required);
      continue;
    }
    const row = rowOf(columns, line, values);
    if (row) yield row;
  }
  if (!columns) throw new TableError('the file is empty: no header row');
}

/**
 * A run of a table's rows: parsed rows, or whole CSV records not parsed yet (cheap to cut on
 * one thread and parse on another; see rowsOfRun).
 */
export type TableRun =
  { rows: TableRow[] } | { csv: string; firstLine: number; columns: TableColumns };

/** The rows of a run. */
export function rowsOfRun(run: TableRun): TableRow[] {
  if ('rows' in run) return run.rows;
  const rows: TableRow[] = [];
  for (const { line, fields } of parseCsvText(run.csv, run.firstLine)) {
    const row = rowOf(run.columns, line, fields);
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
  let columns: TableColumns | undefined;
  for await (const { text, firstLine } of csvRecordRuns(source.stream(), rowsPerRun)) {
    if (columns) {
      yield { csv: text, firstLine, columns };
      continue;
    }
    // The first run holds the header: parsed here, to refuse a bad table before any row.
    const [header, ...records] = parseCsvText(text, firstLine);
    if (!header) continue;
    columns = columnsOf(header.fields, header.line, aliases, required);
    const rows = records.flatMap(({ line, fields }) => rowOf(columns!, line, fields) ?? []);
    if (rows.length > 0) yield { rows };
  }
  if (!columns) throw new TableError('the file is empty: no header row');
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
