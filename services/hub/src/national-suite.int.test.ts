/**
 * A deployment on the national algorithms (HUB_CRYPTO_SUITE=national, GB/T 39786-2021): the
 * chain is SM3, the hub signs its checkpoints with SM2, personal data is sealed with SM4 and
 * matched by HMAC-SM3 — each named where it is used — and everything still verifies and opens.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { registryKey, parseSealedRef } from '@hub/domain';
import { published, residentIdFor } from '@hub/domain/testing';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { checkpointProblem, verifyChain, type ChainCheckpoint } from '@hub/evidence';
import { publishAsAgencies, SqliteCredentialStore } from '@hub/ingestion';
import { loadConfig, type HubConfig } from './config.js';
import { openVault, startHub, type RunningHub } from './compose.js';

jest.setTimeout(60_000);

const HOLDER = residentIdFor('19800101', 9);
let dir: string;
let config: HubConfig;
let hub: RunningHub;
let token: string;
let key: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hub-national-'));
  config = loadConfig(
    { HUB_DATA_DIR: dir, PORT: '0', HUB_CRYPTO_SUITE: 'national', SCREENING_THREADS: '0' },
    dir,
  );
  const vault = await openVault(config);
  key = registryKey(vault, 'special_operations', `T${HOLDER}`);
  const store = new SqliteEventStore({ filename: join(dir, 'events.db'), chain: 'sm3' });
  const { problems } = await publishAsAgencies(
    store,
    [
      {
        agency: 'emergency',
        event: published(
          'CertificateIssued',
          {
            certificateType: 'special_operations',
            number: `T${HOLDER}`,
            holder: { idNumber: HOLDER, name: '工人九' },
            operationCategory: '电工作业',
            operationItem: '低压电工作业',
            issuedOn: '2022-03-01',
            validUntil: '2028-02-28',
            issuingAuthority: '上海市应急管理局',
          },
          { reportingUnit: '310000', occurredAt: '2022-03-01T09:00:00+08:00' },
        ),
      },
    ],
    { sealing: vault },
  );
  expect(problems).toEqual([]);
  await store.close();
  await vault.close();
  const credentials = new SqliteCredentialStore(join(dir, 'hub.db'));
  token = (await credentials.create('police', 'test', ['000000'])).token;
  await credentials.close();
  hub = await startHub(config, pino({ level: 'silent' }));
});
afterAll(async () => {
  await hub?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${hub.url}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
  });

describe('the national suite', () => {
  it('chains with SM3 and seals with SM4 under HMAC-SM3 match keys, each named', async () => {
    const store = new SqliteEventStore({ filename: join(dir, 'events.db') });
    const [issued] = await store.readAll();
    const report = await verifyChain(store, { derivedAlg: 'sm3' });
    await store.close();
    expect(issued!.chain).toMatch(/^sm3:[0-9a-f]{64}$/);
    expect(report.problems).toEqual([]);
    const holder = parseSealedRef(
      (issued!.data as { holder: { idNumber: string } }).holder.idNumber,
    );
    expect(holder).toMatchObject({ kind: 'id', matchAlg: 'hsm3' });
    expect(holder!.sealed).toMatch(/^SM4CTR-HSM3\./);
  });

  it('signs its checkpoints with SM2, and opens a holder through an audited unmasking', async () => {
    const checkpoint = (await (await api('/v1/evidence/checkpoint')).json()) as ChainCheckpoint;
    expect(checkpoint.hub.alg).toBe('sm2');
    expect(checkpoint.head).toMatch(/^sm3:/);
    expect(checkpointProblem(checkpoint, checkpoint.hub.publicKeyPem)).toBeUndefined();
    for (let i = 0; ; i++) {
      const res = await api('/v1/certificates/unmask', {
        method: 'POST',
        body: JSON.stringify({
          unmaskingId: `U-national-${i}`,
          reportingUnit: '310000',
          certificate: { type: 'special_operations', registryKey: key },
          purpose: '核查涉嫌假证案件',
        }),
      });
      if (res.status === 404 && i < 100) {
        await new Promise((r) => setTimeout(r, 100)); // the registry is still being built
        continue;
      }
      expect(await res.json()).toMatchObject({ idNumber: HOLDER });
      break;
    }
  });
});
