import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  certificateRegistryProjection,
  registryKey,
  VERIFIED_FIELDS,
  type RegistryCertificate,
} from '@hub/domain';
import { residentIdFor } from '@hub/domain/testing';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { PersonalDataVault } from '@hub/personal-data';
import { ProjectionRunner, SqliteReadModelStore } from '@hub/read-models';
import { publishAsAgencies } from '@hub/ingestion';
import { CompactRegistryReader } from './compact-registry.js';
import { RegistryIndex } from './registry-index.js';

const TYPE = 'construction_special_operations';
let dir: string;
let store: SqliteEventStore;
let readModels: SqliteReadModelStore;
let runner: ProjectionRunner;
let index: RegistryIndex;
const vault = new PersonalDataVault({ id: 'k1', secret: randomBytes(32) });
const keyOf = (number: string) => registryKey(vault, TYPE, number);

const envelope = (type: string, data: Record<string, unknown>) => ({
  id: randomUUID(),
  type,
  schemaVersion: 1,
  reportingUnit: '310000',
  occurredAt: '2024-06-01T02:00:00.000Z',
  actor: { officerId: 'test' },
  data: { certificateType: TYPE, ...data },
});
const publish = async (events: Parameters<typeof publishAsAgencies>[1]) => {
  const { problems } = await publishAsAgencies(store, events, { sealing: vault });
  if (problems.length > 0) throw new Error(JSON.stringify(problems));
};
const issue = (number: string, serial: number) =>
  publish([
    {
      agency: 'construction',
      event: envelope('CertificateIssued', {
        number,
        holder: { idNumber: residentIdFor('19800101', serial), name: `工人${serial}` },
        operationCategory: '建筑电工',
        operationItem: '建筑电工',
        issuedOn: '2022-03-01',
        validUntil: '2028-02-28',
        issuingAuthority: '上海市住房和城乡建设管理委员会',
      }),
    },
  ]);
const revoke = (number: string) =>
  publish([
    {
      agency: 'construction',
      event: envelope('CertificateRevoked', {
        number,
        revokedOn: '2024-06-01',
        reason: 'obtained_by_fraud',
      }),
    },
  ]);

/** The registry as the read model holds it, and as the index's memory gives it. */
async function bothViews(number: string) {
  const document = (await readModels.getDocuments('certificate-registry', [keyOf(number)])).get(
    keyOf(number),
  ) as RegistryCertificate | undefined;
  const memory = await index.current();
  return {
    readModel:
      document &&
      Object.fromEntries(
        VERIFIED_FIELDS.flatMap((f) => (document[f] === undefined ? [] : [[f, document[f]]])),
      ),
    memory: memory && new CompactRegistryReader(memory).get(keyOf(number)),
  };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hub-registry-index-'));
  store = new SqliteEventStore({ filename: join(dir, 'events.db') });
  readModels = new SqliteReadModelStore(join(dir, 'hub.db'));
  runner = new ProjectionRunner({
    store,
    readModels,
    projections: [certificateRegistryProjection(vault)],
  });
  index = new RegistryIndex({ readModels, store, protector: vault });
});
afterEach(async () => {
  await readModels.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the certificate registry in memory', () => {
  it('cannot vouch for itself before it is loaded', async () => {
    await issue('A10001', 1);
    await runner.catchUp();
    expect(await index.current()).toBeUndefined();
    await index.load();
    expect(index.size).toBe(1);
    expect(await bothViews('A10001')).toEqual({
      readModel: expect.objectContaining({ issued: true, validUntil: '2028-02-28' }),
      memory: (await bothViews('A10001')).readModel,
    });
  });

  it('follows the read model: a revocation and a new certificate are there as soon as the read model has them', async () => {
    await issue('A10001', 1);
    await runner.catchUp();
    await index.load();
    await revoke('A10001');
    await issue('A10002', 2);
    // Stored but not projected yet: the index stays what the read model still says.
    expect((await bothViews('A10001')).memory).not.toHaveProperty('revokedOn');
    expect((await bothViews('A10002')).memory).toBeUndefined();
    await runner.catchUp();
    const revoked = await bothViews('A10001');
    expect(revoked.memory).toMatchObject({
      revokedOn: '2024-06-01',
      revocationReason: 'obtained_by_fraud',
    });
    expect(revoked.memory).toEqual(revoked.readModel);
    const added = await bothViews('A10002');
    expect(added.memory).toEqual(added.readModel);
    expect(index.size).toBe(2);
  });

  it('stops vouching when the read model is rebuilt, and loads it again', async () => {
    await issue('A10001', 1);
    await runner.catchUp();
    await index.load();
    await readModels.reset('certificate-registry');
    expect(await index.current()).toBeUndefined();
    await runner.catchUp();
    await index.load();
    const after = await bothViews('A10001');
    expect(after.memory).toBeDefined();
    expect(after.memory).toEqual(after.readModel);
  });
});
