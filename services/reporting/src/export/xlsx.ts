import ExcelJS from 'exceljs';
import type { FormGrid, Merge } from './grid.js';

const THIN = { style: 'thin' as const };
const BORDER = { top: THIN, left: THIN, bottom: THIN, right: THIN };

/**
 * A figure as a number when a spreadsheet keeps it exactly: Excel holds 15 significant digits,
 * so a larger total (money past 10^9 元 in 万元 with 6 decimals, say) stays text, every digit kept.
 */
function exactNumber(text: string): number | undefined {
  if (!/^-?\d+(\.\d+)?$/.test(text)) return undefined;
  const significant = text.replace(/^-/, '').replace('.', '').replace(/^0+/, '');
  const fraction = text.split('.')[1] ?? '';
  const trailingZeros = fraction.length - fraction.replace(/0+$/, '').length;
  return significant.length - trailingZeros <= 15 ? Number(text) : undefined;
}

/** A form as an XLSX workbook in the official layout: merged title and header cells, borders. */
export async function formToXlsx(grid: FormGrid, sheetName = '统计表'): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'hub';
  const sheet = workbook.addWorksheet(sheetName);
  const width = Math.max(...[...grid.headerRows, ...grid.bodyRows].map((r) => r.length));
  const merge = (m: Merge, offset: number) =>
    sheet.mergeCells(m.top + offset + 1, m.left + 1, m.bottom + offset + 1, m.right + 1);

  sheet.addRow([grid.title]);
  sheet.mergeCells(1, 1, 1, width);
  sheet.getRow(1).font = { bold: true, size: 16 };
  sheet.getRow(1).alignment = { horizontal: 'center' };
  sheet.addRow([grid.headerLine]);
  sheet.mergeCells(2, 1, 2, width);

  const headerStart = 2;
  for (const row of grid.headerRows) {
    const added = sheet.addRow(row);
    added.font = { bold: true };
    added.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
  }
  grid.headerMerges.forEach((m) => merge(m, headerStart));
  const bodyStart = headerStart + grid.headerRows.length;
  for (const row of grid.bodyRows) {
    // Figures are written as numbers so the sheet can sum them; money shows its exact decimals.
    const added = sheet.addRow(row.map((v) => exactNumber(v) ?? v));
    row.forEach((v, i) => {
      const cell = added.getCell(i + 1);
      const decimals = /^-?\d+\.(\d+)$/.exec(v)?.[1]?.length;
      if (decimals && typeof cell.value === 'number') cell.numFmt = `0.${'0'.repeat(decimals)}`;
      if (typeof cell.value === 'string' && exactNumber(v) === undefined && /^-?\d/.test(v))
        cell.alignment = { horizontal: 'right' };
    });
  }
  grid.bodyMerges.forEach((m) => merge(m, bodyStart));
  for (let r = headerStart + 1; r <= bodyStart + grid.bodyRows.length; r++)
    for (let c = 1; c <= width; c++) sheet.getCell(r, c).border = BORDER;
  if (grid.footerLine) sheet.addRow([grid.footerLine]);
  if (grid.note) sheet.addRow([grid.note]);
  sheet.columns.forEach((column, i) => (column.width = i === 0 ? 22 : 16));
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
