import type { ComputedForm, FormTemplate } from '@hub/domain';

/** Who fills the form in: printed in the fields the official form leaves blank. */
export interface FormFiller {
  unitName: string;
  filledBy?: string;
  contact?: string;
  /** YYYY-MM-DD */
  filledOn?: string;
}

/** A merged range, 0-based and inclusive, in grid coordinates (row 0 is the first header row). */
export interface Merge {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

/**
 * A form laid out as printed: title, the header fields, header rows with merged group cells,
 * one body row per unit or item, and the note. CSV writes the cells; XLSX also merges.
 */
export interface FormGrid {
  title: string;
  headerLine: string;
  headerRows: string[][];
  headerMerges: Merge[];
  bodyRows: string[][];
  bodyMerges: Merge[];
  footerLine: string;
  note: string | undefined;
}

function fieldValue(label: string, filler: FormFiller): string {
  if (label.includes('单位')) return filler.unitName;
  if (label.includes('人')) return filler.filledBy ?? '';
  if (label.includes('联系')) return filler.contact ?? '';
  if (label.includes('时间')) return filler.filledOn ?? '';
  return '';
}

const fields = (labels: readonly string[], filler: FormFiller) =>
  labels
    .map((label) => {
      const text = label.endsWith('：') ? label : `${label}：`;
      return `${text}${fieldValue(label, filler)}`;
    })
    .join('    ');

/** Merges of equal neighbouring cells along a row (horizontal) or a column (vertical). */
function runs(values: readonly string[], at: (start: number, end: number) => Merge): Merge[] {
  const merges: Merge[] = [];
  let start = 0;
  for (let i = 1; i <= values.length; i++) {
    if (i === values.length || values[i] !== values[start]) {
      if (i - 1 > start && values[start] !== '') merges.push(at(start, i - 1));
      start = i;
    }
  }
  return merges;
}

function title(template: FormTemplate, form: ComputedForm): string {
  // The Shanghai form prints "2024年 x月份": the period goes in place of the blank.
  const filled = template.titleZh.replace(/\d{4}年\s*x月份/, `${form.periodLabelZh}份`);
  return filled === template.titleZh ? `${template.titleZh}（${form.periodLabelZh}）` : filled;
}

export function formGrid(form: ComputedForm, filler: FormFiller): FormGrid {
  const template = form.template;
  const asOf = form.asOf ? `（截至记录时间 ${form.asOf}）` : '';
  const base = {
    title: title(template, form),
    headerLine: fields(template.headerFieldsZh, filler) + asOf,
    footerLine: fields(template.footerFieldsZh, filler),
    note: template.noteZh,
  };
  if (template.layout === 'unit-rows') {
    const lines = template.lines;
    const groups = lines.flatMap((l) => l.figures.map(() => l.groupZh.join(' / ')));
    const heads = lines.flatMap((l) => l.figures.map((f) => f.headerZh));
    const headerRows = [
      [template.unitColumnZh ?? '单位', ...groups],
      ['', ...heads],
    ];
    const headerMerges: Merge[] = [
      { top: 0, left: 0, bottom: 1, right: 0 },
      ...runs(groups, (a, b) => ({ top: 0, left: a + 1, bottom: 0, right: b + 1 })),
      ...runs(heads, (a, b) => ({ top: 1, left: a + 1, bottom: 1, right: b + 1 })),
    ];
    const bodyRows = form.rows.map((row, i) => [
      i === form.rows.length - 1 && form.rows.length > 1 ? `合计（${row.labelZh}）` : row.labelZh,
      ...row.cells.map((c) => c.display),
    ]);
    return { ...base, headerRows, headerMerges, bodyRows, bodyMerges: [] };
  }
  // Item rows: group labels down the left (merged where they repeat), then one value column per period.
  const depth = Math.max(...template.lines.map((l) => l.groupZh.length));
  const total = form.rows[form.rows.length - 1]!;
  const columns = template.valueColumnsZh.length;
  const bodyRows = template.lines.flatMap((line) =>
    line.figures.map((figure) => {
      const groups = Array.from({ length: depth }, (_, i) => line.groupZh[i] ?? '');
      const values = Array.from(
        { length: columns },
        (_, column) =>
          total.cells.find((c) => c.figureId === figure.id && c.column === column)?.display ?? '',
      );
      return [...groups, figure.headerZh, ...values];
    }),
  );
  const bodyMerges = Array.from({ length: depth }, (_, col) =>
    runs(
      bodyRows.map((r) => r.slice(0, col + 1).join('\u0000')),
      (a, b) => ({ top: a, left: col, bottom: b, right: col }),
    ),
  ).flat();
  const headerRows = [['项目', ...Array<string>(depth).fill(''), ...template.valueColumnsZh]];
  return {
    ...base,
    headerRows,
    headerMerges: [{ top: 0, left: 0, bottom: 0, right: depth }],
    bodyRows,
    bodyMerges,
  };
}
