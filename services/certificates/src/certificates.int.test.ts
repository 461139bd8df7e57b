import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { certificateRegistryProjection } from '@hub/domain';
import { residentIdFor } from '@hub/domain/testing';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { PersonalDataVault } from '@hub/personal-data';
import { ProjectionRunner, SqliteReadModelStore } from '@hub/read-models';
import { fileSource, formatOf, readTable } from './files/table-reader.js';
import {
  EXPORT_COLUMNS,
  EXPORT_REQUIRED,
  importIssuerExport,
} from './import/import-issuer-export.js';
import {
  rosterRuns,
  screenRoster,
  type ChunkScreener,
  type ScreenedLines,
} from './screening/screen-roster.js';
import type { ScreenedRow } from './screening/screen-chunk.js';
import { ScreeningThreads, type ThreadSetup } from './screening/screening-threads.js';
import { RegistryIndex } from './registry-index/registry-index.js';

const ID = (serial: number) => residentIdFor('19800101', serial);
const parseLines = ({ text, rows }: ScreenedLines): ScreenedRow[] => {
  const lines = text.split('\n');
  expect(lines.pop()).toBe(''); // every line ends in a newline
  expect(lines).toHaveLength(rows);
  return lines.map((line) => JSON.parse(line) as ScreenedRow);
};
const HEADER = '证书编号,身份证号,姓名,作业类别,操作项目,发证日期,有效期至,发证机关';
const row = (serial: number, extra: Partial<Record<'validUntil' | 'id', string>> = {}) =>
  `A${100000 + serial},${extra.id ?? ID(serial)},工人${serial},建筑电工,建筑电工,2022-03-01,${extra.validUntil ?? '2028-02-28'},上海市住房和城乡建设管理委员会`;

let dir: string;
let store: SqliteEventStore;
let readModels: SqliteReadModelStore;
const key = { id: 'k1', secret: randomBytes(32) };
const vault = new PersonalDataVault(key);
const options = {
  agency: 'construction' as const,
  certificateType: 'construction_special_operations' as const,
  reportingUnit: '310000',
  officerId: 'test',
  sealing: vault,
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hub-certs-'));
  store = new SqliteEventStore({ filename: join(dir, 'events.db') });
  readModels = new SqliteReadModelStore(join(dir, 'hub.db'));
});
afterAll(async () => {
  await readModels.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const importFile = (file: string) =>
  importIssuerExport(
    store,
    readTable(fileSource(file), formatOf(file), EXPORT_COLUMNS, EXPORT_REQUIRED),
    options,
  );

describe('issuer export import', () => {
  it('imports good rows, reports each bad row with its line and column, and changes nothing on re-import', async () => {
    const file = join(dir, 'export.csv');
    const badCheckDigit = `${ID(3).slice(0, 17)}${ID(3).endsWith('0') ? '1' : '0'}`;
    writeFileSync(
      file,
      [
        HEADER,
        row(1),
        row(2, { validUntil: '2028-02-30' }),
        row(3, { id: badCheckDigit }),
        row(4),
        '',
      ].join('\n'),
    );
    const first = await importFile(file);
    expect(first).toMatchObject({ rows: 4, imported: 2, alreadyImported: 0 });
    expect(first.problems).toEqual([
      expect.objectContaining({ line: 3, column: 'validUntil' }),
      expect.objectContaining({ line: 4, column: 'idNumber' }),
    ]);
    const again = await importFile(file);
    expect(again).toMatchObject({ rows: 4, imported: 0, alreadyImported: 2 });
  });

  it('reads an XLSX export the same way', async () => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('证书');
    sheet.addRow(HEADER.split(','));
    sheet.addRow(row(5).split(','));
    const file = join(dir, 'export.xlsx');
    await book.xlsx.writeFile(file);
    expect(await importFile(file)).toMatchObject({ rows: 1, imported: 1, problems: [] });
  });

  it('names the missing columns of a header row', async () => {
    const file = join(dir, 'bad-header.csv');
    writeFileSync(file, '编号,姓名\nA1,张三\n');
    await expect(importFile(file)).rejects.toThrow(/lacks "idNumber" \(or 身份证号/);
  });
});

describe('roster screening', () => {
  let threads: ScreeningThreads;
  let inMemory: ScreeningThreads;
  let index: RegistryIndex;
  beforeAll(() => {
    const setup: ThreadSetup = {
      readModels: { kind: 'sqlite', filename: join(dir, 'hub.db') },
      keys: { current: key, previous: [] },
    };
    threads = new ScreeningThreads(setup, 2);
    index = new RegistryIndex({ readModels, store, protector: vault });
    inMemory = new ScreeningThreads(setup, 2, index);
  });
  afterAll(async () => {
    await threads.close();
    await inMemory.close();
  });

  it.each([
    ['on this thread', () => undefined],
    ['on two worker threads, chunks of two rows', (): ChunkScreener => threads],
    ['on two worker threads with the registry in shared memory', (): ChunkScreener => inMemory],
  ])(
    'gives each row its result in order, rejects bad rows without dropping them, and notices anomalies across chunks, %s',
    async (_where, screener) => {
      await new ProjectionRunner({
        store,
        readModels,
        projections: [certificateRegistryProjection(vault)],
      }).catchUp();
      if (index.size === 0) await index.load();
      const file = join(dir, 'roster.csv');
      const badCheckDigit = `${ID(9).slice(0, 17)}${ID(9).endsWith('0') ? '1' : '0'}`;
      writeFileSync(
        file,
        [
          '证书类型,证书编号,身份证号,姓名,作业类别,单位',
          `construction_special_operations,A100001,${ID(1)},工人1,建筑电工,甲公司`, // valid
          `construction_special_operations,A100004,${ID(7)},工人7,建筑电工,甲公司`, // someone else's card
          `construction_special_operations,A999999,${ID(8)},工人8,建筑电工,甲公司`, // unknown
          `construction_special_operations,A100005,${badCheckDigit},工人9,建筑电工,甲公司`, // rejected
          `construction_special_operations,A100001,${ID(1)},工人1,建筑电工,乙公司`, // same card elsewhere
          `construction_special_operations,A100005,${ID(1)},工人1,建筑电工,甲公司`, // same person, second number
        ].join('\n'),
      );
      const rows: ScreenedRow[] = [];
      const screening = screenRoster(rosterRuns(fileSource(file), 'csv', 2), {
        protector: vault,
        lookup: (keys) => readModels.getDocuments('certificate-registry', keys),
        today: '2024-07-01',
        ...(screener() ? { threads: screener()! } : {}),
      });
      let next = await screening.next();
      while (!next.done) {
        rows.push(...parseLines(next.value));
        next = await screening.next();
      }
      expect(rows.map((r) => [r.line, r.result ?? 'rejected'])).toEqual([
        [2, 'valid'],
        [3, 'holder_mismatch'],
        [4, 'unknown_number'],
        [5, 'rejected'],
        [6, 'valid'],
        [7, 'holder_mismatch'],
      ]);
      expect(rows[3]!.rejected).toMatch(/^第 5 行「身份证号」列：身份证号校验位不对/);
      expect(rows[4]!.anomalies).toEqual([
        expect.objectContaining({ kind: 'certificate_at_two_enterprises' }),
      ]);
      expect(rows[5]!.anomalies).toEqual([
        expect.objectContaining({ kind: 'holder_with_several_numbers' }),
      ]);
      expect(next.value).toMatchObject({ rows: 6, rejectedRows: 1, negativeRows: 3, anomalies: 2 });
      expect(JSON.stringify(rows)).not.toContain(ID(1));
      expect(rows[0]!.holderMasked).toBe(`${ID(1).slice(0, 6)}********${ID(1).slice(-4)}`);
    },
  );

  it('rejects a row whose name or enterprise holds an invisible character, instead of a false 疑似涂改 or a false second enterprise', async () => {
    await new ProjectionRunner({
      store,
      readModels,
      projections: [certificateRegistryProjection(vault)],
    }).catchUp();
    const file = join(dir, 'invisible.csv');
    writeFileSync(
      file,
      [
        '证书类型,证书编号,身份证号,姓名,作业类别,单位',
        `construction_special_operations,A100001,${ID(1)},工人1,建筑电工,甲公司`,
        `construction_special_operations,A100001,${ID(1)},工人\u200B1,建筑电工,甲公司`,
        `construction_special_operations,A100001,${ID(1)},工人1,建筑电工,甲\u200B公司`,
        `construction_special_operations,A100001,${ID(1)},工人1,建筑\u2060电工,甲公司`,
      ].join('\n'),
    );
    const rows: ScreenedRow[] = [];
    const screening = screenRoster(rosterRuns(fileSource(file), 'csv'), {
      protector: vault,
      lookup: (keys) => readModels.getDocuments('certificate-registry', keys),
      today: '2024-07-01',
    });
    for await (const lines of screening) rows.push(...parseLines(lines));
    expect(rows.map((r) => [r.result ?? 'rejected', r.anomalies ?? []])).toEqual([
      ['valid', []],
      ['rejected', []],
      ['rejected', []],
      ['rejected', []],
    ]);
    expect(rows[1]!.rejected).toMatch(/^第 3 行「姓名」列：姓名含不可见字符或控制字符 U\+200B/);
    expect(rows[2]!.rejected).toMatch(/^第 4 行「单位」列：名称含不可见字符或控制字符 U\+200B/);
    expect(rows[3]!.rejected).toMatch(
      /^第 5 行「作业类别」列：类别名称含不可见字符或控制字符 U\+2060/,
    );
  });

  /** A roster of one valid card screened on `threads` alone (this thread's lookup must not run). */
  async function screenOneCard(name: string, threads: ChunkScreener): Promise<ScreenedRow[]> {
    const file = join(dir, name);
    writeFileSync(
      file,
      `证书类型,证书编号,身份证号\nconstruction_special_operations,A100001,${ID(1)}\n`,
    );
    const rows: ScreenedRow[] = [];
    const screening = screenRoster(rosterRuns(fileSource(file), 'csv'), {
      protector: vault,
      lookup: () => Promise.reject(new Error('not to be used')),
      today: '2024-07-01',
      threads,
    });
    for await (const lines of screening) rows.push(...parseLines(lines));
    return rows;
  }

  it('looks certificates up in the shared memory, not in the read models, while it is current', async () => {
    // The threads' own read-model connection is unreachable: only the memory can answer.
    const memoryOnly = new ScreeningThreads(
      {
        readModels: { kind: 'postgres', connectionString: 'postgres://127.0.0.1:1/hub' },
        keys: { current: key, previous: [] },
      },
      1,
      index,
    );
    const rows = await screenOneCard('one-in-memory.csv', memoryOnly);
    await memoryOnly.close();
    expect(rows.map((r) => r.result)).toEqual(['valid']);
  });

  it('starts its threads at the first screening, not before', async () => {
    const lazy = new ScreeningThreads(
      {
        readModels: { kind: 'sqlite', filename: join(dir, 'hub.db') },
        keys: { current: key, previous: [] },
      },
      2,
    );
    try {
      // A hub that never screens loads nothing of it.
      expect(lazy.running).toBe(0);
      const rows = await screenOneCard('lazy.csv', lazy);
      expect(rows.map((r) => r.result)).toEqual(['valid']);
      expect(lazy.running).toBe(2);
    } finally {
      await lazy.close();
    }
  });

  it('fails the screening with the reason when a thread cannot reach the registry, instead of waiting', async () => {
    const unreachable = new ScreeningThreads(
      {
        readModels: { kind: 'postgres', connectionString: 'postgres://127.0.0.1:1/hub' },
        keys: { current: key, previous: [] },
      },
      1,
    );
    const file = join(dir, 'one.csv');
    writeFileSync(
      file,
      `证书类型,证书编号,身份证号\nconstruction_special_operations,A100001,${ID(1)}\n`,
    );
    const screening = screenRoster(rosterRuns(fileSource(file), 'csv'), {
      protector: vault,
      lookup: () => Promise.resolve(new Map()),
      today: '2024-07-01',
      threads: unreachable,
    });
    await expect(screening.next()).rejects.toThrow(/screening thread: .*ECONNREFUSED/);
    await unreachable.close();
  });
});
