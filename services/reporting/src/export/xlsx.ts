import ExcelJS from 'exceljs';
import type { ColumnKind, FormGrid, Merge } from './grid.js';

const THIN = { style: 'thin' as const };
const BORDER = { top: THIN, left: THIN, bottom: THIN, right: THIN };

/** 宋体 as government forms print; a machine without it substitutes its own CJK font. */
const FONT = '宋体';
const TITLE_PT = 16;
const TEXT_PT = 10;

/** Column widths in Excel's units (the width of a "0" of the default 11 pt font). */
const WIDTHS: Record<ColumnKind, { min: number; max: number }> = {
  serial: { min: 5, max: 5 },
  // A category printed down a narrow column, a few characters a line, as on the 附件.
  category: { min: 7, max: 7 },
  group: { min: 10, max: 14 },
  label: { min: 10, max: 40 },
  value: { min: 9, max: 14 },
};

/** A wide (CJK or full-width) character takes two units, anything else one. */
const isWide = (ch: string) =>
  /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[\u{20000}-\u{3fffd}]/u.test(
    ch,
  );

/** How wide a text is in column-width units at a font size. */
function textUnits(text: string, pt: number): number {
  let units = 0;
  for (const ch of text) units += isWide(ch) ? 2 : 1.1;
  return (units * pt) / 11;
}

/** Lines a text wraps to in a width (CJK breaks anywhere; a cell keeps some padding). */
export function wrappedLines(text: string, widthUnits: number, pt: number): number {
  const usable = Math.max(1, widthUnits - 1.5);
  return text
    .split('\n')
    .reduce((lines, part) => lines + Math.max(1, Math.ceil(textUnits(part, pt) / usable)), 0);
}

/** The height in points a number of lines of text needs. */
const heightFor = (lines: number, pt: number) => Math.ceil(lines * pt * 1.45 + 6);

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

function columnWidths(grid: FormGrid): number[] {
  const widths = grid.columns.map((kind, c) => {
    const { min, max } = WIDTHS[kind];
    if (kind !== 'label' && kind !== 'value') return min;
    // Labels as wide as the longest (within bounds); figures as wide as their longest value.
    const texts = grid.bodyRows.map((r) => r[c] ?? '');
    const widest = Math.max(0, ...texts.map((t) => textUnits(t, TEXT_PT) + 2));
    return Math.min(max, Math.max(min, Math.ceil(widest)));
  });
  // A narrow table (the item-rows 附件) grows to its title's width, so the title keeps to one
  // line: value columns up to a comfortable width first, then the item labels.
  let missing = Math.ceil(textUnits(grid.title, TITLE_PT) + 6) - widths.reduce((a, b) => a + b, 0);
  for (const [kind, limit] of [
    ['value', 18],
    ['label', 60],
  ] as const) {
    const columns = grid.columns.flatMap((k, c) => (k === kind ? [c] : []));
    for (const c of columns) {
      if (missing <= 0) break;
      const add = Math.min(limit - widths[c]!, Math.ceil(missing / columns.length));
      if (add <= 0) continue;
      widths[c] = widths[c]! + add;
      missing -= add;
    }
  }
  return widths;
}

/**
 * A header ending in its unit in brackets, "(家)" or "（万元）", breaks before the bracket when
 * it wraps at all, as printed forms set it, rather than leave ")" alone on the last line.
 */
function headerText(text: string, width: number): string {
  const unit = /^(.*\S)\s*([(（][^()（）]{1,4}[)）])$/u.exec(text);
  if (!unit || wrappedLines(text, width, TEXT_PT) === 1) return text;
  return `${unit[1]}\n${unit[2]}`;
}

interface Region extends Merge {
  text: string;
  pt: number;
}

/**
 * Row heights that fit every text: each cell's or merged region's text wrapped in its width,
 * a region over several rows adding what it still lacks to its last row.
 */
function rowHeights(regions: readonly Region[], widths: readonly number[], rows: number): number[] {
  const heights = Array<number>(rows).fill(heightFor(1, TEXT_PT));
  const need = (r: Region) => {
    let width = 0;
    for (let c = r.left; c <= r.right; c++) width += widths[c] ?? 0;
    return heightFor(wrappedLines(r.text, width, r.pt), r.pt);
  };
  for (const r of regions)
    if (r.top === r.bottom && r.text) heights[r.top] = Math.max(heights[r.top]!, need(r));
  for (const r of regions) {
    if (r.top === r.bottom || !r.text) continue;
    let have = 0;
    for (let row = r.top; row <= r.bottom; row++) have += heights[row]!;
    const lacking = need(r) - have;
    if (lacking > 0) heights[r.bottom] = heights[r.bottom]! + lacking;
  }
  return heights;
}

/** Every cell of a block as a region: merged ranges once, other cells alone. */
function regionsOf(
  cells: readonly string[][],
  merges: readonly Merge[],
  offset: number,
  pt: number,
) {
  const covered = new Set<string>();
  const regions: Region[] = merges.map((m) => {
    for (let r = m.top; r <= m.bottom; r++)
      for (let c = m.left; c <= m.right; c++) covered.add(`${r},${c}`);
    return {
      top: m.top + offset,
      bottom: m.bottom + offset,
      left: m.left,
      right: m.right,
      text: cells[m.top]?.[m.left] ?? '',
      pt,
    };
  });
  cells.forEach((row, r) =>
    row.forEach((text, c) => {
      if (!covered.has(`${r},${c}`))
        regions.push({ top: r + offset, bottom: r + offset, left: c, right: c, text, pt });
    }),
  );
  return regions;
}

/**
 * A form as an XLSX workbook that prints like the official form: the title over the whole
 * width, merged and wrapped headers with rows as tall as their text, 序号, borders, figures as
 * numbers with the form's decimals; A4 landscape, one page wide, header rows repeated on
 * every page, page numbers in the footer.
 */
export async function formToXlsx(grid: FormGrid, sheetName = '统计表'): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'hub';
  const sheet = workbook.addWorksheet(sheetName, { views: [{ showGridLines: false }] });
  const width = grid.columns.length;
  const widths = columnWidths(grid);
  const font = (pt: number, bold = false): Partial<ExcelJS.Font> => ({
    name: FONT,
    size: pt,
    bold,
  });

  // Rows, 0-based: title, header fields, header rows, body, footer fields, notes.
  const headerStart = 2;
  const bodyStart = headerStart + grid.headerRows.length;
  const footerRow = bodyStart + grid.bodyRows.length;
  const notesStart = footerRow + (grid.footerLine ? 1 : 0);
  const rowCount = notesStart + grid.notes.length;
  const full = (row: number, text: string, pt: number): Region => ({
    top: row,
    bottom: row,
    left: 0,
    right: width - 1,
    text,
    pt,
  });
  const spanWidth = (r: Merge) => widths.slice(r.left, r.right + 1).reduce((a, b) => a + b, 0);
  const regions: Region[] = [
    full(0, grid.title, TITLE_PT),
    full(1, grid.headerLine, TEXT_PT),
    ...regionsOf(grid.headerRows, grid.headerMerges, headerStart, TEXT_PT).map((r) => ({
      ...r,
      text: headerText(r.text, spanWidth(r)),
    })),
    ...regionsOf(grid.bodyRows, grid.bodyMerges, bodyStart, TEXT_PT),
    ...(grid.footerLine ? [full(footerRow, grid.footerLine, TEXT_PT)] : []),
    ...grid.notes.map((note, i) => full(notesStart + i, note, TEXT_PT)),
  ];
  const heights = rowHeights(regions, widths, rowCount);
  heights[0] = Math.max(heights[0]!, 30);

  widths.forEach((w, c) => (sheet.getColumn(c + 1).width = w));
  heights.forEach((h, r) => (sheet.getRow(r + 1).height = h));

  for (const region of regions) {
    const row = region.top + 1;
    const column = region.left + 1;
    if (region.bottom > region.top || region.right > region.left)
      sheet.mergeCells(row, column, region.bottom + 1, region.right + 1);
    const cell = sheet.getCell(row, column);
    const inTable = region.top >= headerStart && region.top < footerRow;
    const isHeader = region.top >= headerStart && region.top < bodyStart;
    const kind = grid.columns[region.left]!;
    const number = inTable && !isHeader && kind === 'value' ? exactNumber(region.text) : undefined;
    cell.value = number ?? region.text;
    if (number !== undefined) {
      const decimals = region.text.split('.')[1]?.length ?? 0;
      cell.numFmt = decimals > 0 ? `0.${'0'.repeat(decimals)}` : '0';
    }
    if (region.top === 0) {
      cell.font = font(TITLE_PT, true);
      cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
    } else if (!inTable) {
      cell.font = font(TEXT_PT);
      cell.alignment = { horizontal: 'left', vertical: 'middle', wrapText: true };
    } else {
      cell.font = font(TEXT_PT, isHeader);
      // Items of an item-rows form read from the left, as on the 附件 (an item under no
      // sub-group starts in the group column and spans to the item column).
      const item = grid.columns[region.right] === 'label' && grid.columns[0] === 'category';
      const left = !isHeader && item;
      cell.alignment = {
        horizontal: left ? 'left' : 'center',
        vertical: 'middle',
        wrapText: true,
        ...(left ? { indent: 1 } : {}),
      };
    }
  }
  for (let r = headerStart + 1; r <= footerRow; r++)
    for (let c = 1; c <= width; c++) sheet.getCell(r, c).border = BORDER;

  sheet.pageSetup = {
    paperSize: 9, // A4
    orientation: 'landscape',
    fitToPage: true,
    fitToWidth: 1,
    // An item-rows form has the template's rows only: one page. A unit-rows form runs to as
    // many pages as it has units, its header rows repeated on each.
    fitToHeight: grid.columns[0] === 'category' ? 1 : 0,
    horizontalCentered: true,
    margins: { left: 0.5, right: 0.5, top: 0.6, bottom: 0.6, header: 0.3, footer: 0.3 },
    printTitlesRow: `${headerStart + 1}:${bodyStart}`,
  };
  sheet.headerFooter.oddFooter = '&C第 &P 页，共 &N 页';
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
