/**
 * The README's Reports examples, run as written after `hub demo`: each must print something a
 * person can use (figures that are not all zero, open work), so the README never shows an
 * example that only prints zeros or an empty list.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ExcelJS from 'exceljs';
import { HUB_MAIN, tempDataDir } from '../support/hub-process';

jest.setTimeout(120_000);

const README = readFileSync(resolve(__dirname, '../../README.md'), 'utf8');
const section = README.slice(
  README.indexOf('## Reports, the clue ledger'),
  README.indexOf('## GraphQL for the task force'),
);
/** The commands of the section's first shell block, comments dropped. */
const examples = /```sh\n([\s\S]*?)```/
  .exec(section)![1]!
  .split('\n')
  .filter((line) => line.startsWith('npm run hub -- '))
  .map((line) =>
    line
      .replace(/\s+#.*$/, '')
      .slice('npm run hub -- '.length)
      .trim()
      .split(/\s+/),
  );

/** The figures of a CSV form: every cell that is a number, but the first of a row (序号). */
const csvFigures = (csv: string): number[] =>
  csv
    .split('\n')
    .flatMap((line) => line.trim().split(',').slice(1))
    .filter((cell) => /^\d+(\.\d+)?$/.test(cell))
    .map(Number);

describe('the README examples of the Reports section, after hub demo', () => {
  const dataDir = tempDataDir();
  const cwd = mkdtempSync(join(tmpdir(), 'hub-readme-'));
  const run = (args: string[]) => {
    const result = spawnSync(process.execPath, [HUB_MAIN, ...args], {
      env: { ...process.env, HUB_DATA_DIR: dataDir },
      cwd,
      encoding: 'utf8',
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(cwd, { recursive: true, force: true });
  });

  it('has examples to run, the demo first', () => {
    expect(examples.length).toBeGreaterThanOrEqual(10);
    expect(examples[0]).toEqual(['demo']);
  });

  it.each(examples.map((args) => [args.join(' '), args] as const))('%s', async (_line, args) => {
    const result = run([...args]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const out = result.stdout;
    const [command] = args;
    const flag = (name: string) =>
      args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined;
    if (command === 'demo') expect(out).toMatch(/演示数据：\d+ 个事件/);
    else if (command === 'report' && flag('format') === 'xlsx') {
      const file = join(cwd, flag('out')!);
      expect(existsSync(file)).toBe(true);
      const book = new ExcelJS.Workbook();
      await book.xlsx.readFile(file);
      const numbers: number[] = [];
      book.worksheets[0]!.eachRow((row) =>
        row.eachCell((cell) => {
          if (typeof cell.value === 'number') numbers.push(cell.value);
        }),
      );
      expect(numbers.some((n) => n > 0)).toBe(true);
    } else if (command === 'report' && flag('format') === 'json') {
      const form = JSON.parse(out) as { rows: Array<{ cells: Array<{ value: string }> }> };
      expect(form.rows.flatMap((r) => r.cells).some((c) => c.value !== '0')).toBe(true);
    } else if (command === 'report') {
      expect(csvFigures(out).some((n) => n > 0)).toBe(true);
      if (args[1] === 'shanghai-2024')
        for (const district of ['黄浦区', '长宁区', '崇明区', '合计'])
          expect(out).toContain(district);
      if (flag('as-of')) expect(out).toContain('前已记录的事件');
    } else if (command === 'ledger' && args.includes('--due')) {
      expect(out).toMatch(/ due$/m);
      expect(out).toMatch(/ overdue$/m);
      // Judged at the reference date: nothing a year late, every due date in 2024.
      expect(out).not.toMatch(/202[56]-\d\d-\d\d/);
    } else if (command === 'ledger' && args.includes('--penalty'))
      expect(out).toMatch(/^INS-\S+\t/m);
    else if (command === 'ledger') expect(out).toMatch(/^CLUE-\S+\t.*\t是\t/m);
    else if (command === 'worklist') {
      expect(out).toMatch(/awaiting_prosecution_decision/);
      expect(out).toMatch(/awaiting_reply_to_opinion/);
    } else if (command === 'projections' && args[1] === 'status')
      expect(out).toMatch(/^statistics\t/m);
    else if (command === 'projections') expect(out).toMatch(/rebuilt statistics from \d+ events/);
    else throw new Error(`no check for the README example: ${args.join(' ')}`);
  });
});
