import { shanghaiDateTime, type ComputedForm, type FormTemplate } from '@hub/domain';

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
 * What a column holds, for its width and alignment: the row number (序号), the label of a
 * unit or an item, the category down the left of an item-rows form (类别), or figures.
 */
export type ColumnKind = 'serial' | 'label' | 'category' | 'group' | 'value';

/**
 * A form laid out as printed: title, the header fields, header rows with merged group cells,
 * one body row per unit or item, the footer fields and the notes. CSV writes the cells; XLSX
 * also merges, sizes and sets up the page.
 */
export interface FormGrid {
  title: string;
  headerLine: string;
  headerRows: string[][];
  headerMerges: Merge[];
  bodyRows: string[][];
  bodyMerges: Merge[];
  columns: ColumnKind[];
  footerLine: string;
  /** The form's own note (备注), then how the period was read and what was counted. */
  notes: string[];
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

function notesOf(template: FormTemplate, form: ComputedForm): string[] {
  return [
    ...(template.noteZh ? [template.noteZh] : []),
    ...(form.periodNoteZh ? [form.periodNoteZh] : []),
    `统计口径：${form.basisZh}。`,
  ];
}

/**
 * The unit-rows layout (the Shanghai 附表): 序号 and the unit down the left, the group headers
 * over their figures, each figure's header over its column, and where one header holds two
 * figures (公诉: 件、人) a third header row names them; other headers reach down to it.
 */
function unitRowsGrid(form: ComputedForm) {
  const template = form.template;
  const lines = template.lines;
  const split = lines.some((l) => l.figures.length > 1);
  const depth = split ? 3 : 2;
  const groups = lines.flatMap((l) => l.figures.map(() => l.groupZh.join(' / ')));
  const heads = lines.flatMap((l) => l.figures.map((f) => f.headerZh));
  const subs = lines.flatMap((l) => l.figures.map((f) => (l.figures.length > 1 ? f.unit : '')));
  const lead = [template.serialColumnZh ?? '序号', template.unitColumnZh ?? '单位'];
  const headerRows = [
    [...lead, ...groups],
    ['', '', ...heads],
    ...(split ? [['', '', ...subs]] : []),
  ];
  const offset = lead.length;
  const headerMerges: Merge[] = [
    { top: 0, left: 0, bottom: depth - 1, right: 0 },
    { top: 0, left: 1, bottom: depth - 1, right: 1 },
    ...runs(groups, (a, b) => ({ top: 0, left: a + offset, bottom: 0, right: b + offset })),
    ...runs(heads, (a, b) => ({ top: 1, left: a + offset, bottom: 1, right: b + offset })),
    // A header over one figure reaches down through the 件/人 row.
    ...(split
      ? subs.flatMap((sub, i) =>
          sub === '' ? [{ top: 1, left: i + offset, bottom: 2, right: i + offset }] : [],
        )
      : []),
  ];
  const bodyRows = form.rows.map((row) => [
    row.serial === undefined ? '' : String(row.serial),
    row.labelZh,
    ...row.cells.filter((c) => c.column === 0).map((c) => c.display),
  ]);
  const columns: ColumnKind[] = ['serial', 'label', ...heads.map((): ColumnKind => 'value')];
  return { headerRows, headerMerges, bodyRows, bodyMerges: [], columns };
}

/**
 * The item-rows layout (the Guangdong and Jiangjin 附件): 类别 down the left, merged where it
 * repeats; 项目 over the remaining group labels and the item, an item without a sub-group
 * spanning both; then one value column per period measure.
 */
function itemRowsGrid(form: ComputedForm) {
  const template = form.template;
  const depth = Math.max(...template.lines.map((l) => l.groupZh.length));
  const total = form.rows[form.rows.length - 1]!;
  const valueHeaders = form.columns.map((c) => c.headerZh);
  const bodyMerges: Merge[] = [];
  const bodyRows = template.lines.flatMap((line) =>
    line.figures.map((figure) => {
      const groups = Array.from({ length: depth }, (_, i) => line.groupZh[i] ?? '');
      const values = valueHeaders.map(
        (_, column) =>
          total.cells.find((c) => c.figureId === figure.id && c.column === column)?.display ?? '',
      );
      return { groups, item: figure.headerZh, values, short: line.groupZh.length };
    }),
  );
  // An item with fewer group labels than the deepest line sits in the first label column left
  // free and spans the rest (Jiangjin: the self-inspection items under 项目 span both columns).
  const cells = bodyRows.map((row, r) => {
    if (row.short < depth) bodyMerges.push({ top: r, left: row.short, bottom: r, right: depth });
    return [
      ...row.groups.slice(0, row.short),
      row.item,
      ...Array<string>(depth - row.short).fill(''),
      ...row.values,
    ];
  });
  for (let col = 0; col < depth; col++)
    bodyMerges.push(
      ...runs(
        bodyRows.map((row) => (col < row.short ? row.groups.slice(0, col + 1).join('\u0000') : '')),
        (a, b) => ({ top: a, left: col, bottom: b, right: col }),
      ),
    );
  const headerRows = [
    [
      template.categoryColumnZh ?? '类别',
      template.itemColumnZh ?? '项目',
      ...Array<string>(depth - 1).fill(''),
      ...valueHeaders,
    ],
  ];
  const columns: ColumnKind[] = [
    'category',
    ...Array.from({ length: depth - 1 }, (): ColumnKind => 'group'),
    'label',
    ...valueHeaders.map((): ColumnKind => 'value'),
  ];
  return {
    headerRows,
    headerMerges: depth > 1 ? [{ top: 0, left: 1, bottom: 0, right: depth }] : [],
    bodyRows: cells,
    bodyMerges,
    columns,
  };
}

export function formGrid(form: ComputedForm, filler: FormFiller): FormGrid {
  const template = form.template;
  const asOf = form.asOf ? `（截至 ${shanghaiDateTime(form.asOf)} 已记录的数据）` : '';
  const layout = template.layout === 'unit-rows' ? unitRowsGrid(form) : itemRowsGrid(form);
  return {
    title: form.titleZh,
    headerLine: fields(template.headerFieldsZh, filler) + asOf,
    footerLine: fields(template.footerFieldsZh, filler),
    notes: notesOf(template, form),
    ...layout,
  };
}
