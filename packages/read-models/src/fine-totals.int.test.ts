import { randomBytes } from 'node:crypto';
/**
 * Fine totals from event to cell, on both read-model stores (issue 14, item 6): one agency's
 * eleven FineImposed v1 events of 2^53 − 1 yuan, recorded before amounts were bounded, used to
 * overflow SQLite's SUM and turn the province's form into a permanent 500.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { SHANGHAI_2024, type EventMetadata } from '@hub/domain';
import { published, VALID_CREDIT_CODE } from '@hub/domain/testing';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { publishAsAgencies } from '@hub/ingestion';
import { PostgresReadModelStore } from './postgres/postgres-read-model-store.js';
import type { ReadModelStore } from './port.js';
import { computeForm } from './reports.js';
import { ProjectionRunner } from './runner.js';
import { SqliteReadModelStore } from './sqlite/sqlite-read-model-store.js';
import { PersonalDataVault } from '@hub/personal-data';

const sealing = new PersonalDataVault({ id: 'k1', secret: randomBytes(32) });

const fine = {
  inspectionId: 'INS-1',
  decisionNo: '沪应急罚〔2024〕1号',
  subjectKind: 'employer',
  target: { kind: 'enterprise', enterprise: { creditCode: VALID_CREDIT_CODE, name: '甲公司' } },
};
const occurredAt = '2024-07-10T10:00:00+08:00';

/** As stored before the bound: validation of today would refuse it, so it is appended raw. */
function legacyFine(i: number) {
  const id = randomUUID();
  const metadata: EventMetadata = {
    eventId: id,
    schemaVersion: 1,
    agency: 'emergency',
    reportingUnit: '310105',
    occurredAt,
    correlationId: id,
    causationId: null,
    actor: { officerId: 'attacker' },
  };
  return {
    stream: `inspection-INS-LEGACY-${i}`,
    expectedRevision: 'any' as const,
    events: [
      {
        id,
        type: 'FineImposed',
        data: { ...fine, inspectionId: `INS-LEGACY-${i}`, amountYuan: Number.MAX_SAFE_INTEGER },
        metadata: { ...metadata },
      },
    ],
  };
}

let dir: string;
let store: SqliteEventStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hub-fines-'));
  store = new SqliteEventStore({ filename: join(dir, 'events.db') });
  await store.appendMany(Array.from({ length: 11 }, (_, i) => legacyFine(i)));
  const { problems } = await publishAsAgencies(
    store,
    [
      {
        agency: 'emergency',
        event: published('FineImposed', { ...fine, amountYuan: 20_000 }, { occurredAt }),
      },
      {
        agency: 'emergency',
        event: published(
          'FineImposed',
          { ...fine, amountFen: 123_450 },
          { occurredAt, schemaVersion: 2 },
        ),
      },
    ],
    { sealing },
  );
  expect(problems).toEqual([]);
});
const schemas: string[] = [];
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  if (schemas.length === 0) return;
  const client = new pg.Client({ connectionString: process.env.TEST_POSTGRES_URL });
  await client.connect();
  for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await client.end();
});

const stores: Array<[string, () => ReadModelStore]> = [
  ['SQLite', () => new SqliteReadModelStore(join(dir, `read-${randomUUID()}.db`))],
];
if (process.env.TEST_POSTGRES_URL)
  stores.push([
    'PostgreSQL',
    () => {
      const schema = `hub_fines_${process.pid}_${schemas.length}`;
      schemas.push(schema);
      return new PostgresReadModelStore({
        connectionString: process.env.TEST_POSTGRES_URL!,
        schema,
      });
    },
  ]);

describe.each(stores)('fine totals on %s read models', (_name, open) => {
  describe('given eleven v1 fines of 2^53 − 1 yuan recorded before amounts were bounded', () => {
    it('still computes the province form, exactly, with those amounts left out and each logged', async () => {
      const readModels = open();
      const warnings: string[] = [];
      const logger = pino(
        { level: 'warn' },
        { write: (line: string) => warnings.push(String(JSON.parse(line).msg)) },
      );
      try {
        await new ProjectionRunner({ store, readModels, logger }).catchUp();
        const form = await computeForm(readModels, {
          template: SHANGHAI_2024,
          unit: '310000',
          period: '2024-08',
        });
        const total = form.rows[form.rows.length - 1]!.cells.find((c) => c.figureId === 'fines');
        expect(total).toMatchObject({ value: '2123450', display: '2.12345' });
        expect(warnings.filter((w) => /amountFen = .* left out of the sums/.test(w))).toHaveLength(
          11,
        );
      } finally {
        await readModels.close();
      }
    });
  });
});
