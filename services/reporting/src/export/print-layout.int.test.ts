/**
 * The forms checked the way a person checks them: each XLSX converted to PDF by LibreOffice
 * (as an analyst's office suite would print it) and to PNG, then read back. The PNGs are kept
 * in test/artifacts/forms (not committed) for a person to look at.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ExcelJS from 'exceljs';
import {
  divisionName,
  GUANGDONG_2018,
  JIANGJIN_2023,
  PROJECTIONS,
  SHANGHAI_2024,
  type FormRequest,
} from '@hub/domain';
import { generateDemoCampaign } from '@hub/demo';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { publishAsAgencies } from '@hub/ingestion';
import { PersonalDataVault } from '@hub/personal-data';
import { computeForm, ProjectionRunner, SqliteReadModelStore } from '@hub/read-models';
import { formGrid } from './grid.js';
import { formToXlsx } from './xlsx.js';

/** Where the renderings are kept for people to look at (git ignores it). */
export const ARTIFACTS = resolve(__dirname, '../../../../test/artifacts/forms');

const missing = ['soffice', 'pdfinfo', 'pdftoppm', 'pdftotext'].filter(
  (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0,
);
const skipReason = `${missing.join(', ')} not installed (apt-get install libreoffice-calc poppler-utils)`;

interface Word {
  text: string;
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
  page: number;
}

/** The words of a PDF with their boxes, from pdftotext -bbox. */
function wordsOf(pdf: string): { pages: Array<{ width: number; height: number }>; words: Word[] } {
  const html = spawnSync('pdftotext', ['-bbox', pdf, '-'], { encoding: 'utf8' }).stdout;
  const pages: Array<{ width: number; height: number }> = [];
  const words: Word[] = [];
  for (const match of html.matchAll(
    /<page width="([\d.]+)" height="([\d.]+)">|<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g,
  )) {
    if (match[1]) pages.push({ width: Number(match[1]), height: Number(match[2]) });
    else
      words.push({
        text: match[7]!,
        xMin: Number(match[3]),
        yMin: Number(match[4]),
        xMax: Number(match[5]),
        yMax: Number(match[6]),
        page: pages.length,
      });
  }
  return { pages, words };
}

/** The PDF's text per page in reading order, every space and line end taken out. */
const textOf = (pdf: string) =>
  spawnSync('pdftotext', ['-raw', pdf, '-'], { encoding: 'utf8' })
    .stdout.split('\f')
    .map((page) => page.replace(/\s+/g, ''));

const overlap = (a: Word, b: Word) =>
  a.page === b.page &&
  Math.min(a.xMax, b.xMax) - Math.max(a.xMin, b.xMin) > 1 &&
  Math.min(a.yMax, b.yMax) - Math.max(a.yMin, b.yMin) > 1;

(missing.length === 0 ? describe : describe.skip)(
  `forms printed by LibreOffice${missing.length === 0 ? '' : ` (skipped: ${skipReason})`}`,
  () => {
    let dir: string;
    let store: SqliteEventStore;
    let readModels: SqliteReadModelStore;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'hub-print-'));
      mkdirSync(ARTIFACTS, { recursive: true });
      for (const file of readdirSync(ARTIFACTS)) rmSync(join(ARTIFACTS, file));
      store = new SqliteEventStore({ filename: join(dir, 'events.db') });
      readModels = new SqliteReadModelStore(join(dir, 'hub.db'));
      const sealing = new PersonalDataVault({ id: 'k1', secret: randomBytes(32) });
      const { problems } = await publishAsAgencies(store, generateDemoCampaign(), { sealing });
      expect(problems).toEqual([]);
      await new ProjectionRunner({
        store,
        readModels,
        projections: PROJECTIONS.filter((p) => p.name === 'statistics'),
      }).catchUp();
    }, 60_000);
    afterAll(async () => {
      await readModels.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });

    /** The form as XLSX, printed to PDF by LibreOffice, and each page to PNG in ARTIFACTS. */
    async function print(name: string, request: FormRequest) {
      const form = await computeForm(readModels, request);
      const grid = formGrid(form, {
        unitName: divisionName(request.unit),
        filledBy: '张三',
        contact: '021-12345678',
        filledOn: '2024-11-15',
      });
      const xlsx = join(dir, `${name}.xlsx`);
      writeFileSync(xlsx, await formToXlsx(grid));
      const converted = spawnSync(
        'soffice',
        [
          `-env:UserInstallation=file://${dir}/lo-profile`,
          '--headless',
          '--convert-to',
          'pdf',
          '--outdir',
          dir,
          xlsx,
        ],
        { encoding: 'utf8', timeout: 120_000 },
      );
      expect(converted.status).toBe(0);
      const pdf = join(dir, `${name}.pdf`);
      const png = spawnSync('pdftoppm', ['-png', '-r', '80', pdf, join(ARTIFACTS, name)]);
      expect(png.status).toBe(0);
      const info = spawnSync('pdfinfo', [pdf], { encoding: 'utf8' }).stdout;
      return { form, grid, xlsx, pdf, pages: Number(/Pages:\s+(\d+)/.exec(info)![1]), info };
    }

    const forms: Array<[string, FormRequest, number]> = [
      [
        'shanghai-2024-310000-2024-08',
        { template: SHANGHAI_2024, unit: '310000', period: '2024-08' },
        1,
      ],
      [
        'guangdong-2018-440700-2024-09',
        { template: GUANGDONG_2018, unit: '440700', period: '2024-09' },
        1,
      ],
      ['jiangjin-2023-500116', { template: JIANGJIN_2023, unit: '500116' }, 1],
    ];

    describe.each(forms)('%s', (name, request, pages) => {
      let printed: Awaited<ReturnType<typeof print>>;
      beforeAll(async () => {
        printed = await print(name, request);
      }, 180_000);

      it('prints on A4 landscape, one page wide and as many pages long as a normal period takes', () => {
        expect(printed.info).toMatch(/Page size:\s+841\.8\d* x 595\.\d+ pts \(A4\)/);
        expect(printed.pages).toBe(pages);
      });

      it('shows the whole title, every header and every row label, nothing clipped or lost', () => {
        const text = textOf(printed.pdf).join('');
        const wanted = [
          printed.form.titleZh,
          ...printed.grid.headerRows.flat(),
          ...printed.grid.bodyRows.flat(),
          ...printed.grid.notes,
        ];
        const lost = [...new Set(wanted)].filter((t) => t && !text.includes(t.replace(/\s+/g, '')));
        expect(lost).toEqual([]);
      });

      it('puts no text over other text (header boxes do not overlap) and none past the page', () => {
        const { pages: sizes, words } = wordsOf(printed.pdf);
        const overlapping: string[] = [];
        words.forEach((a, i) =>
          words.slice(i + 1).forEach((b) => {
            if (overlap(a, b)) overlapping.push(`${a.text} × ${b.text}`);
          }),
        );
        expect(overlapping).toEqual([]);
        for (const w of words) {
          const page = sizes[w.page - 1]!;
          expect(w.xMin).toBeGreaterThanOrEqual(0);
          expect(w.xMax).toBeLessThanOrEqual(page.width);
          expect(w.yMax).toBeLessThanOrEqual(page.height);
        }
      });

      it('keeps the page setup and writes figures as numbers with the form’s decimals', async () => {
        const book = new ExcelJS.Workbook();
        await book.xlsx.readFile(printed.xlsx);
        const sheet = book.worksheets[0]!;
        expect(sheet.pageSetup).toMatchObject({
          paperSize: 9,
          orientation: 'landscape',
          fitToPage: true,
          fitToWidth: 1,
        });
        expect(sheet.pageSetup.printTitlesRow).toMatch(/^\d+:\d+$/);
        const money = printed.form.rows
          .flatMap((r) => r.cells)
          .filter((c) => c.unit === '万元' || c.unit === '元');
        expect(money.length).toBeGreaterThan(0);
        const numbers: Array<{ value: number; numFmt: string }> = [];
        sheet.eachRow((row) =>
          row.eachCell((cell) => {
            if (typeof cell.value === 'number')
              numbers.push({ value: cell.value, numFmt: cell.numFmt });
          }),
        );
        expect(numbers.length).toBeGreaterThan(0);
        for (const n of numbers.filter((x) => x.numFmt.includes('.')))
          expect(n.numFmt).toMatch(/^0\.0{2,6}$/);
      });
    });

    it('repeats the header rows on every page of a long form (the Shanghai layout for all of Chongqing)', async () => {
      const printed = await print('shanghai-2024-500000-long', {
        template: SHANGHAI_2024,
        unit: '500000',
        from: '2023-07-20',
        to: '2023-12-10',
      });
      // 38 districts and counties, listed directly (no 市辖区 or 县 rows), and the total.
      expect(printed.form.rows).toHaveLength(39);
      expect(printed.pages).toBeGreaterThan(1);
      const pages = textOf(printed.pdf).filter((p) => p.length > 0);
      expect(pages.length).toBe(printed.pages);
      for (const page of pages) expect(page).toContain('序号省份');
      const { words } = wordsOf(printed.pdf);
      expect(words.filter((w) => w.text === '合计')).toHaveLength(1);
    }, 180_000);
  },
);
