import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { bufferSource, fileSource, readTable, type TableRow } from './table-reader.js';
import { checkXlsx, DEFAULT_XLSX_LIMITS, XlsxFormatError, type XlsxLimits } from './xlsx-zip.js';

const ALIASES = { number: ['证书编号'], name: ['姓名'] };
const limits: XlsxLimits = { ...DEFAULT_XLSX_LIMITS, maxSharedStringsBytes: 64 * 1024 };

/** A workbook of `rows` rows, each with its own strings (so the shared-strings table grows). */
async function workbook(rows: number): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('名单');
  sheet.addRow(['证书编号', '姓名']);
  for (let i = 0; i < rows; i++) sheet.addRow([`T${100000 + i}`, `工人${i}号`]);
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** A zip of the given parts, each deflated; `declared` overrides the size its headers state. */
function zipOf(parts: Array<{ name: string; data: Buffer; declared?: number }>): Buffer {
  const locals: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const part of parts) {
    const name = Buffer.from(part.name);
    const body = deflateRawSync(part.data);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(8, 8);
    header.writeUInt32LE(crc32(part.data), 14);
    header.writeUInt32LE(body.length, 18);
    header.writeUInt32LE(part.declared ?? part.data.length, 22);
    header.writeUInt16LE(name.length, 26);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    header.copy(entry, 6, 4, 30);
    entry.writeUInt32LE(offset, 42);
    locals.push(header, name, body);
    directory.push(entry, name);
    offset += 30 + name.length + body.length;
  }
  const list = Buffer.concat(directory);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(list.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, list, end]);
}

async function rowsOf(buffer: Buffer, with_: XlsxLimits = limits): Promise<TableRow[]> {
  const rows: TableRow[] = [];
  for await (const row of readTable(bufferSource(buffer), 'xlsx', ALIASES, ['number'], with_))
    rows.push(row);
  return rows;
}

describe('XLSX parts', () => {
  it('reads a workbook within the limits, from the parts it checked', async () => {
    const rows = await rowsOf(await workbook(3));
    expect(rows.map((r) => r.cells)).toEqual([
      { number: 'T100000', name: '工人0号' },
      { number: 'T100001', name: '工人1号' },
      { number: 'T100002', name: '工人2号' },
    ]);
  });

  describe('when the shared-strings table is larger than its limit', () => {
    it('refuses the workbook before reading a row, with the stable code, Chinese first', async () => {
      await expect(rowsOf(await workbook(3000))).rejects.toMatchObject({
        code: 'XLSX_PART_TOO_LARGE',
        message: expect.stringMatching(/^XLSX 共享字符串表（xl\/sharedStrings\.xml）解压后超过/),
      });
    });

    it('refuses it read from a file as the CLI reads it, too', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'hub-xlsx-'));
      try {
        const file = join(dir, 'roster.xlsx');
        writeFileSync(file, await workbook(3000));
        const rows = readTable(fileSource(file), 'xlsx', ALIASES, ['number'], limits);
        await expect(rows.next()).rejects.toMatchObject({ code: 'XLSX_PART_TOO_LARGE' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('when a part inflates more than 100 times its size (a zip bomb)', () => {
    it('refuses it by its ratio, whatever its name', async () => {
      const bomb = zipOf([{ name: 'xl/media/image1.png', data: Buffer.alloc(20 * 1024 * 1024) }]);
      expect(bomb.length).toBeLessThan(100 * 1024);
      await expect(checkXlsx(bufferSource(bomb), limits)).rejects.toMatchObject({
        code: 'COMPRESSION_RATIO_TOO_HIGH',
        message: expect.stringMatching(/^压缩比超过 100:1/),
      });
    });
  });

  describe('when the parts together inflate past the roster limit', () => {
    it('refuses the workbook', async () => {
      const data = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251));
      const zip = zipOf([
        { name: 'a.bin', data },
        { name: 'b.bin', data },
      ]);
      await expect(
        checkXlsx(bufferSource(zip), { ...limits, maxBytes: 500_000 }),
      ).rejects.toMatchObject({ code: 'BODY_TOO_LARGE' });
    });
  });

  describe('when a part declares a small size and inflates to far more', () => {
    it('stops inflating at the declared size and refuses the file', async () => {
      const liar = zipOf([
        { name: 'xl/sharedStrings.xml', data: Buffer.alloc(50 * 1024 * 1024), declared: 1024 },
      ]);
      await expect(checkXlsx(bufferSource(liar), limits)).rejects.toBeInstanceOf(XlsxFormatError);
    });
  });
});
