import { csvRecordRuns, parseCsvText, readCsvRecords } from './csv.js';

async function* chunks(...parts: string[]) {
  for (const p of parts) yield Buffer.from(p);
}
const read = async (...parts: string[]) => {
  const out: Array<{ line: number; fields: string[] }> = [];
  for await (const r of readCsvRecords(chunks(...parts))) out.push(r);
  return out;
};

describe('streaming CSV reader', () => {
  it('reads quoted fields with commas, doubled quotes and newlines, and numbers records by their first line', async () => {
    expect(await read('\uFEFF编号,姓名\r\n"T1,2","张""三"\r\n"多\n行",李四\n')).toEqual([
      { line: 1, fields: ['编号', '姓名'] },
      { line: 2, fields: ['T1,2', '张"三'] },
      { line: 3, fields: ['多\n行', '李四'] },
    ]);
  });

  it('gives the same records however the input is cut into chunks, even inside a character or a quote', async () => {
    const text = '\uFEFFa,b\n"x""y",中文\n"p\nq",r';
    const whole = await read(text);
    const bytes = Buffer.from(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      const parts: Buffer[] = [bytes.subarray(0, cut), bytes.subarray(cut)];
      const out: unknown[] = [];
      for await (const r of readCsvRecords(
        (async function* () {
          yield* parts;
        })(),
      ))
        out.push(r);
      expect(out).toEqual(whole);
    }
    expect(whole[1]).toEqual({ line: 2, fields: ['x"y', '中文'] });
  });

  it('skips blank lines and keeps a last record without a newline', async () => {
    expect(await read('a\n\nb')).toEqual([
      { line: 1, fields: ['a'] },
      { line: 3, fields: ['b'] },
    ]);
  });
});

describe('CSV cut into runs of whole records', () => {
  const runsOf = async (parts: Buffer[], records: number) => {
    const runs: Array<{ text: string; firstLine: number }> = [];
    for await (const run of csvRecordRuns(
      (async function* () {
        yield* parts;
      })(),
      records,
    ))
      runs.push(run);
    return runs;
  };
  const text =
    '\uFEFF编号,备注\r\n' +
    'T1,"一行"\r\n' +
    'T2,"两\n行, 带逗号"\n' +
    '\n' +
    'T3,"引号""内\n""换行"\n' +
    'T4,末行无换行';

  it('gives the records, and the lines they start on, that parsing the whole text gives', async () => {
    const whole = parseCsvText(text);
    expect(whole.map((r) => r.line)).toEqual([1, 2, 3, 6, 8]);
    const bytes = Buffer.from(text);
    for (const records of [1, 2, 3, 10])
      for (let cut = 1; cut < bytes.length; cut += 3) {
        const runs = await runsOf([bytes.subarray(0, cut), bytes.subarray(cut)], records);
        expect(runs.flatMap((run) => parseCsvText(run.text, run.firstLine))).toEqual(whole);
        // A run ends where a record ends: never inside quotes.
        for (const run of runs.slice(0, -1)) expect(run.text.endsWith('\n')).toBe(true);
      }
  });

  it('cuts after the given number of records', async () => {
    const runs = await runsOf([Buffer.from('a\nb\nc\nd\ne\n')], 2);
    expect(runs).toEqual([
      { text: 'a\nb\n', firstLine: 1 },
      { text: 'c\nd\n', firstLine: 3 },
      { text: 'e\n', firstLine: 5 },
    ]);
  });
});
