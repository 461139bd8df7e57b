import { readCsvRecords } from './csv.js';

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
