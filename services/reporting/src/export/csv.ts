import type { FormGrid } from './grid.js';

const cell = (value: string) => (/[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/**
 * A form as CSV (RFC 4180, CRLF), in the printed order: title, header fields, header rows,
 * body, footer, notes. A UTF-8 byte-order mark lets Excel read the Chinese text.
 */
export function formToCsv(grid: FormGrid): string {
  const lines = [
    [grid.title],
    [grid.headerLine],
    ...grid.headerRows,
    ...grid.bodyRows,
    ...(grid.footerLine ? [[grid.footerLine]] : []),
    ...grid.notes.map((note) => [note]),
  ];
  return `\uFEFF${lines.map((l) => l.map(cell).join(',')).join('\r\n')}\r\n`;
}
