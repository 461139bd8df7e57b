/**
 * The sample files under samples/ (the README's Certificates section points agencies to them)
 * go through import and screening as they are: every row of the import samples goes in, and
 * every roster row gets the result its comment in the README gives.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { certificateRegistryProjection } from '@hub/domain';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { PersonalDataVault } from '@hub/personal-data';
import { ProjectionRunner, SqliteReadModelStore } from '@hub/read-models';
import { fileSource, formatOf, readTable } from './files/table-reader.js';
import {
  EXPORT_COLUMNS,
  EXPORT_REQUIRED,
  importIssuerExport,
} from './import/import-issuer-export.js';
import { rosterRuns, screenRoster } from './screening/screen-roster.js';
import type { ScreenedRow } from './screening/screen-chunk.js';

const SAMPLES = resolve(__dirname, '../../../samples');
const vault = new PersonalDataVault({ id: 'k1', secret: randomBytes(32) });

let dir: string;
let store: SqliteEventStore;
let readModels: SqliteReadModelStore;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hub-samples-'));
  store = new SqliteEventStore({ filename: join(dir, 'events.db') });
  readModels = new SqliteReadModelStore(join(dir, 'hub.db'));
});
afterAll(async () => {
  await readModels.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const importSample = (file: string, agency: 'emergency' | 'construction') =>
  importIssuerExport(
    store,
    readTable(fileSource(join(SAMPLES, file)), formatOf(file), EXPORT_COLUMNS, EXPORT_REQUIRED),
    { agency, reportingUnit: '310000', officerId: 'samples', sealing: vault },
  );

async function screen(file: string): Promise<ScreenedRow[]> {
  const rows: ScreenedRow[] = [];
  const screening = screenRoster(rosterRuns(fileSource(join(SAMPLES, file)), formatOf(file)), {
    protector: vault,
    lookup: (keys) => readModels.getDocuments('certificate-registry', keys),
    today: '2024-11-15',
  });
  for (let next = await screening.next(); !next.done; next = await screening.next())
    rows.push(
      ...next.value.text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as ScreenedRow),
    );
  return rows;
}

describe('the sample files', () => {
  describe('given the issuers’ sample exports (the type written in Chinese, their own headers)', () => {
    it('imports every row of the special-operations CSV', async () => {
      expect(await importSample('certificates-import-special-operations.csv', 'emergency')).toEqual(
        { rows: 3, imported: 3, alreadyImported: 0, problems: [] },
      );
    });

    it('imports every row of the construction XLSX, numbered as issued (沪A…)', async () => {
      expect(await importSample('certificates-import-construction.xlsx', 'construction')).toEqual({
        rows: 2,
        imported: 2,
        alreadyImported: 0,
        problems: [],
      });
    });
  });

  describe('when the sample rosters are screened against them', () => {
    beforeAll(async () => {
      await new ProjectionRunner({
        store,
        readModels,
        projections: [certificateRegistryProjection(vault)],
      }).catchUp();
    });

    it('gives the CSV roster’s rows their findings, and says where a bad row is wrong and how', async () => {
      const rows = await screen('certificates-screening-roster.csv');
      expect(rows.map((r) => [r.line, r.result ?? 'rejected'])).toEqual([
        [2, 'valid'],
        [3, 'unknown_number'],
        [4, 'holder_mismatch'],
        [5, 'rejected'],
      ]);
      expect(rows[3]!.rejected).toMatch(/^第 5 行「身份证号」列：身份证号校验位不对/);
    });

    it('reads the XLSX roster under its own headers (证件编号, 身份证号码, 工种 …)', async () => {
      const rows = await screen('certificates-screening-roster.xlsx');
      expect(rows.map((r) => [r.line, r.result ?? r.rejected])).toEqual([
        [2, 'valid'],
        [3, 'valid'],
        [4, 'unknown_number'],
      ]);
    });
  });
});
