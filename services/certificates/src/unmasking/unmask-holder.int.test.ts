/**
 * An opening of personal data is on the audit record, durably, before the value exists
 * outside the vault; when that record cannot be written, nothing is opened.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AuditTrail,
  AuditUnavailableError,
  SqliteAuditLog,
  type AuditBody,
  type AuditLog,
} from '@hub/audit';
import { certificateRegistryProjection, registryKey } from '@hub/domain';
import { published, residentIdFor } from '@hub/domain/testing';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { HubRecorder, publishAsAgencies } from '@hub/ingestion';
import { PersonalDataVault } from '@hub/personal-data';
import { ProjectionRunner, SqliteReadModelStore } from '@hub/read-models';
import { unmaskHolder, type UnmaskingDeps, type UnmaskRequest } from './unmask-holder.js';

const ID = residentIdFor('19800101', 9);
let dir: string;
let store: SqliteEventStore;
let readModels: SqliteReadModelStore;
let vault: PersonalDataVault;
let key: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hub-unmask-audit-'));
  store = new SqliteEventStore({ filename: join(dir, 'events.db') });
  readModels = new SqliteReadModelStore(join(dir, 'read.db'));
  vault = new PersonalDataVault({ id: 'k1', secret: randomBytes(32) });
  const issued = published(
    'CertificateIssued',
    {
      certificateType: 'construction_special_operations',
      number: 'A900009',
      holder: { idNumber: ID, name: '李四' },
      operationCategory: '建筑电工',
      operationItem: '建筑电工',
      issuedOn: '2022-03-01',
      validUntil: '2030-02-28',
      issuingAuthority: '上海市',
    },
    { reportingUnit: '310000', occurredAt: '2022-03-01T09:00:00+08:00' },
  );
  await publishAsAgencies(store, [{ agency: 'construction', event: issued }], { sealing: vault });
  await new ProjectionRunner({
    store,
    readModels,
    projections: [certificateRegistryProjection(vault)],
  }).catchUp();
  key = registryKey(vault, 'construction_special_operations', 'A900009');
});

afterAll(async () => {
  await readModels.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The log with its appends replaced: watched, or failing like a full disk. */
const withAppend = (log: AuditLog, append: AuditLog['append']): AuditLog => ({
  alg: log.alg,
  append,
  query: (query, page) => log.query(query, page),
  purge: (purge) => log.purge(purge),
  readRows: (after, limit) => log.readRows(after, limit),
  anchors: () => log.anchors(),
  close: () => log.close(),
});

const request = (unmaskingId: string): UnmaskRequest => ({
  requester: { kind: 'agency-system', agency: 'police' },
  agency: 'police',
  actor: { officerId: 'P-1' },
  auditActor: { kind: 'agency-system', id: 'tok-1', agency: 'police', units: ['310000'] },
  from: { ip: '10.0.0.7', requestId: 'req-1' },
  reportingUnit: '310000',
  registryKey: key,
  purpose: '侦查需要',
  unmaskingId,
});

describe('unmasking and the audit trail', () => {
  it('writes the opening to the audit log, with the holder’s match key, before it answers', async () => {
    const log = new SqliteAuditLog(':memory:', { alg: 'sm3' });
    const seenAtAnswer: AuditBody[][] = [];
    // The log as the opening sees it the moment the value is handed back.
    const watching = withAppend(log, async (bodies) => {
      const stored = await log.append(bodies);
      seenAtAnswer.push([...bodies]);
      return stored;
    });
    const audit = new AuditTrail(watching, { flushMs: 60_000 });
    const deps: UnmaskingDeps = {
      recorder: new HubRecorder(store, { sealing: vault }),
      readModels,
      vault,
      audit,
    };
    const answer = await unmaskHolder(deps, request('U-A1'));
    expect(answer.idNumber).toBe(ID);
    // Written already, though the trail buffers for a minute: an opening does not wait.
    expect(seenAtAnswer.flat()).toEqual([
      expect.objectContaining({
        action: 'personal_data.unmask',
        purpose: '侦查需要',
        subject: expect.objectContaining({
          holderKey: vault.matchKey(ID),
          registryKey: key,
          unmaskingId: 'U-A1',
        }),
        result: { outcome: 'ok' },
      }),
    ]);
    expect(JSON.stringify(seenAtAnswer)).not.toContain(ID);
    await audit.close();
  });

  it('opens nothing when the audit record of the opening cannot be written', async () => {
    const log = new SqliteAuditLog(':memory:', { alg: 'sha256' });
    const broken = withAppend(log, () =>
      Promise.reject(new Error('SQLITE_FULL: database or disk is full')),
    );
    const audit = new AuditTrail(broken, { flushMs: 60_000, onError: () => undefined });
    const deps: UnmaskingDeps = {
      recorder: new HubRecorder(store, { sealing: vault }),
      readModels,
      vault,
      audit,
    };
    const attempt = unmaskHolder(deps, request('U-A2'));
    await expect(attempt).rejects.toBeInstanceOf(AuditUnavailableError);
    await expect(attempt).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
    await expect(attempt).rejects.not.toThrow(ID);
  });

  it('records a refusal with its code', async () => {
    const audit = new AuditTrail(new SqliteAuditLog(':memory:', { alg: 'sha256' }));
    const deps: UnmaskingDeps = {
      recorder: new HubRecorder(store, { sealing: vault }),
      readModels,
      vault,
      audit,
    };
    await expect(
      unmaskHolder(deps, {
        ...request('U-A3'),
        requester: { kind: 'agency-system', agency: 'market' },
      }),
    ).rejects.toMatchObject({ code: 'UNMASKING_FORBIDDEN' });
    const { records } = await audit.query({}, { first: 10 });
    expect(records.map((r) => [r.action, r.result])).toEqual([
      ['personal_data.unmask', { outcome: 'refused', code: 'UNMASKING_FORBIDDEN' }],
    ]);
    await audit.close();
  });
});
