/**
 * Certificate data sharing through a running hub: an issuer's certificates published, a check
 * at an inspection that records itself and raises the finding, a roster screening job, and an
 * audited unmasking, with no ID number in the hub's logs.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { published, residentIdFor } from '@hub/domain/testing';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import {
  createTokens,
  startHubProcess,
  tempDataDir,
  waitForProjections,
  type HubProcess,
} from '../support/hub-process';

jest.setTimeout(60_000);

const ID = (serial: number) => residentIdFor('19800101', serial);
const certificate = (serial: number) =>
  published(
    'CertificateIssued',
    {
      certificateType: 'construction_special_operations',
      number: `A${100000 + serial}`,
      holder: { idNumber: ID(serial), name: `工人${serial}` },
      operationCategory: '建筑电工',
      operationItem: '建筑电工',
      issuedOn: '2022-03-01',
      validUntil: '2030-02-28',
      issuingAuthority: '上海市住房和城乡建设管理委员会',
    },
    { reportingUnit: '310000', occurredAt: '2022-03-01T09:00:00+08:00' },
  );

let dataDir: string;
let hub: HubProcess;
/** All the hub printed, from its first line (the startup included). */
const logs = () => hub?.output() ?? '';
let tokens: Record<'construction' | 'police' | 'market', string>;

async function call(agency: keyof typeof tokens, path: string, init: RequestInit = {}) {
  return fetch(`${hub.url}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${tokens[agency]}`, ...(init.headers ?? {}) },
  });
}
const postJson = (agency: keyof typeof tokens, path: string, body: unknown) =>
  call(agency, path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

async function storedTypes(): Promise<string[]> {
  const store = new SqliteEventStore({ filename: join(dataDir, 'events.db') });
  try {
    return (await store.readAll()).map((e) => e.type);
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  dataDir = tempDataDir();
  tokens = createTokens(dataDir, ['construction', 'police', 'market'] as const);
  hub = await startHubProcess({ HUB_DATA_DIR: dataDir, LOG_LEVEL: 'info' });
  const res = await postJson('construction', '/v1/events', { events: [1, 2, 3].map(certificate) });
  expect(res.status).toBe(201);
  await waitForProjections(hub.url);
});
afterAll(() => {
  hub?.child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('certificates through the hub', () => {
  const check = {
    verificationId: 'VER-1',
    reportingUnit: '310105',
    inspectionId: 'INS-9',
    checkedAt: '2024-07-01T10:00:00+08:00',
    certificate: { type: 'construction_special_operations', number: 'A100002' },
    holder: { idNumber: ID(7), name: '工人7' },
    job: '建筑电工',
    raiseFinding: { subjectKind: 'employer' },
  };

  it('verifies a card held by someone else, records the check and raises the finding, once however often it is sent', async () => {
    const first = await postJson('construction', '/v1/certificates/verifications', check);
    expect(first.status).toBe(200);
    const body = (await first.json()) as {
      result: string;
      findingKind: string;
      recordedEventIds: string[];
    };
    expect(body).toMatchObject({
      result: 'holder_mismatch',
      findingKind: 'lent_transferred_or_impersonated',
    });
    expect(body.recordedEventIds).toHaveLength(2);
    const again = (await (
      await postJson('construction', '/v1/certificates/verifications', check)
    ).json()) as typeof body;
    expect(again.recordedEventIds).toEqual(body.recordedEventIds);
    const reused = await postJson('construction', '/v1/certificates/verifications', {
      ...check,
      checkedAt: '2024-07-02T10:00:00+08:00',
    });
    expect(reused.status).toBe(409);
    const types = await storedTypes();
    expect(types.filter((t) => t === 'CertificateVerified')).toHaveLength(1);
    expect(types.filter((t) => t === 'FindingRecorded')).toHaveLength(1);
  });

  it('refuses a verification that names no certificate, saying where', async () => {
    const res = await postJson('construction', '/v1/certificates/verifications', {
      ...check,
      certificate: undefined,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toContain('certificate');
  });

  it('screens a roster as a job whose status and results can be fetched later, and records it', async () => {
    const roster = [
      '证书类型,证书编号,身份证号,姓名,作业类别,单位',
      `construction_special_operations,A100001,${ID(1)},工人1,建筑电工,甲公司`,
      `construction_special_operations,A100009,${ID(9)},工人9,建筑电工,甲公司`,
      `construction_special_operations,A100003,${ID(3).slice(0, 17)}${ID(3).endsWith('0') ? '1' : '0'},工人3,建筑电工,甲公司`,
    ].join('\n');
    const submitted = await call(
      'construction',
      '/v1/certificates/screenings?purpose=用人单位自查名单比对&reportingUnit=310105',
      {
        method: 'POST',
        headers: { 'Content-Type': 'text/csv', 'Idempotency-Key': 'roster-1' },
        body: roster,
      },
    );
    expect(submitted.status).toBe(202);
    const { screeningId, status } = (await submitted.json()) as {
      screeningId: string;
      status: string;
    };
    let job: { status: string; rows: number; rejectedRows: number; negativeRows: number } = {
      status: 'running',
      rows: 0,
      rejectedRows: 0,
      negativeRows: 0,
    };
    for (let i = 0; i < 100 && job.status === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      job = (await (await call('construction', status)).json()) as typeof job;
    }
    expect(job).toMatchObject({ status: 'done', rows: 3, rejectedRows: 1, negativeRows: 1 });
    const results = (await (await call('construction', `${status}/results`)).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { result?: string; rejected?: string });
    expect(results.map((r) => r.result ?? 'rejected')).toEqual([
      'valid',
      'unknown_number',
      'rejected',
    ]);
    // Another agency cannot read it; the same submission again is the same job.
    expect((await call('police', status)).status).toBe(404);
    const resubmitted = await call(
      'construction',
      '/v1/certificates/screenings?purpose=用人单位自查名单比对&reportingUnit=310105',
      {
        method: 'POST',
        headers: { 'Content-Type': 'text/csv', 'Idempotency-Key': 'roster-1' },
        body: roster,
      },
    );
    expect(((await resubmitted.json()) as { screeningId: string }).screeningId).toBe(screeningId);
    expect((await storedTypes()).filter((t) => t === 'RosterScreened')).toHaveLength(1);
  });

  it('opens a sealed ID number only for an authorized agency, recording each unmasking first', async () => {
    const verified = (await (
      await postJson('construction', '/v1/certificates/verifications', {
        verificationId: 'VER-2',
        reportingUnit: '310105',
        certificate: { type: 'construction_special_operations', number: 'A100001' },
      })
    ).json()) as { result: string; certificate: { registryKey: string; numberMasked: string } };
    expect(verified.result).toBe('valid');
    const request = {
      unmaskingId: 'UNM-1',
      reportingUnit: '310105',
      certificate: {
        type: 'construction_special_operations',
        registryKey: verified.certificate.registryKey,
      },
      purpose: '核查涉嫌买卖国家机关证件案',
      caseId: 'K-77',
    };
    expect((await postJson('market', '/v1/certificates/unmask', request)).status).toBe(403);
    const opened = await postJson('police', '/v1/certificates/unmask', request);
    expect(opened.status).toBe(200);
    expect(await opened.json()).toEqual({ idNumber: ID(1), numberMasked: 'A100001' });
    expect((await storedTypes()).filter((t) => t === 'PersonalDataUnmasked')).toHaveLength(1);
  });

  it('never writes an ID number into its logs', () => {
    expect(logs().length).toBeGreaterThan(0);
    for (const serial of [1, 2, 3, 7, 9]) expect(logs()).not.toContain(ID(serial));
  });
});
