/**
 * `hub migrate evidence` on a store made before issue 15 (ID numbers in clear, no chain): the
 * migrated store holds no ID number in clear, every record is chained, the forms count the same,
 * and a certificate holder still opens through an audited unmasking.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDemoCampaign } from '@hub/demo';
import {
  clockAt,
  divisionName,
  validatePublishedEvent,
  type PersonalDataSealer,
  type RegistryCertificate,
} from '@hub/domain';
import { published, residentIdFor } from '@hub/domain/testing';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { verifyChain } from '@hub/evidence';
import { toAppendRequests } from '@hub/ingestion';
import {
  computeForm,
  formTemplate,
  ProjectionRunner,
  SqliteReadModelStore,
} from '@hub/read-models';
import { migrateCommand } from './cli/migrate-commands.js';
import { loadConfig, type HubConfig } from './config.js';
import { hubProjections, openVault } from './compose.js';

jest.setTimeout(60_000);

/** How the hub stored events before sealing: it kept what agencies sent. */
const KEEP_IN_CLEAR: PersonalDataSealer = {
  sealIdNumber: (id) => id,
  sealCertificateNumber: (_type, number) => number,
};
const HOLDER = residentIdFor('19800101', 5);

let dir: string;
let config: HubConfig;
const ids = new Set<string>([HOLDER]);

async function form(readModelsFile: string) {
  const vault = await openVault(config);
  const store = new SqliteEventStore({ filename: join(dir, 'events.db') });
  const readModels = new SqliteReadModelStore(join(dir, readModelsFile));
  try {
    await new ProjectionRunner({ store, readModels, projections: hubProjections(vault) }).catchUp();
    const computed = await computeForm(
      readModels,
      { template: formTemplate('shanghai-2024'), unit: '310000', period: '2024-08' },
      divisionName,
    );
    const registry = await readModels.listDocuments('certificate-registry');
    return { rows: computed.rows, registry: registry.map((d) => d.value as RegistryCertificate) };
  } finally {
    await readModels.close();
    await store.close();
    await vault.close();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hub-migrate-'));
  config = loadConfig({ HUB_DATA_DIR: dir, LOG_LEVEL: 'silent' }, dir);
  const old = new SqliteEventStore({ filename: join(dir, 'events.db'), chain: false });
  const clock = clockAt(new Date());
  const campaign = [
    ...generateDemoCampaign(),
    {
      agency: 'emergency' as const,
      event: published(
        'CertificateIssued',
        {
          certificateType: 'special_operations',
          number: `T${HOLDER}`,
          holder: { idNumber: HOLDER, name: '工人五' },
          operationCategory: '电工作业',
          operationItem: '低压电工作业',
          issuedOn: '2022-03-01',
          validUntil: '2028-02-28',
          issuingAuthority: '上海市应急管理局',
        },
        { reportingUnit: '310000', occurredAt: '2022-03-01T09:00:00+08:00' },
      ),
    },
  ];
  for (let i = 0; i < campaign.length; i += 100) {
    const accepted = campaign.slice(i, i + 100).map(({ agency, event }, index) => {
      const result = validatePublishedEvent(event, agency, index, { clock, sealer: KEEP_IN_CLEAR });
      if (!result.ok) throw new Error(JSON.stringify(result.problems));
      JSON.stringify(result.event.data).replace(/[1-9]\d{16}[\dX]/g, (m) => (ids.add(m), m));
      return result.event;
    });
    await old.appendMany(toAppendRequests(accepted, {}));
  }
  await old.close();
  expect(readFileSync(join(dir, 'events.db')).includes(Buffer.from(HOLDER))).toBe(true);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hub migrate evidence', () => {
  it('seals every ID number, chains every record, and keeps the forms and the registry', async () => {
    const before = await form('before.db');
    const out: string[] = [];
    await migrateCommand(config, ['evidence'], (l) => out.push(l));
    expect(out.join('\n')).toMatch(/已迁移 \d+ 条事件/);

    const migrated = readFileSync(join(dir, 'events.db'));
    for (const id of ids) expect([id, migrated.includes(Buffer.from(id))]).toEqual([id, false]);
    expect(readdirSync(dir).some((f) => f.startsWith('events.before-migration-'))).toBe(true);

    const store = new SqliteEventStore({ filename: join(dir, 'events.db') });
    const chain = await verifyChain(store);
    await store.close();
    expect(chain).toMatchObject({ unchained: 0, problems: [] });

    const after = await form('after.db');
    expect(after.rows).toEqual(before.rows);
    const key = (r: RegistryCertificate) => `${r.numberMasked}|${r.holderMasked}|${r.validUntil}`;
    expect(after.registry.map(key).sort()).toEqual(before.registry.map(key).sort());
    const vault = await openVault(config);
    const holder = after.registry.find(
      (r) => r.holderMasked?.endsWith(HOLDER.slice(-4)) && r.type === 'special_operations',
    );
    expect(await vault.unseal(holder!.holderSealed!)).toBe(HOLDER);
    await vault.close();
  });
});
