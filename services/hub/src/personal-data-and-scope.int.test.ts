/**
 * The hub as shipped (startHub), over real HTTP: unmasking judged on the registry record and
 * never escaping the record, no ID number in clear in what verification and screening give
 * out or keep, every agency credential scoped by its units, and a rate limit per credential.
 * Regression tests for issue 14, items 1–4 and 8.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { generateDemoCampaign } from '@hub/demo';
import { maskResidentId, registryKey } from '@hub/domain';
import { published, residentIdFor } from '@hub/domain/testing';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { publishAsAgencies, SqliteCredentialStore } from '@hub/ingestion';
import { loadConfig } from './config.js';
import { openVault, startHub, type RunningHub } from './compose.js';

jest.setTimeout(60_000);

const ID = (serial: number) => residentIdFor('19800101', serial);
const issued = (
  agency: 'construction' | 'emergency',
  certificateType: 'construction_special_operations' | 'special_operations',
  number: string,
  serial: number,
) => ({
  agency,
  event: published(
    'CertificateIssued',
    {
      certificateType,
      number,
      holder: { idNumber: ID(serial), name: `工人${serial}` },
      operationCategory: certificateType === 'special_operations' ? '电工作业' : '建筑电工',
      operationItem: certificateType === 'special_operations' ? '低压电工作业' : '建筑电工',
      issuedOn: '2022-03-01',
      validUntil: '2030-02-28',
      issuingAuthority: '上海市',
    },
    { reportingUnit: '310000', occurredAt: '2022-03-01T09:00:00+08:00' },
  ),
});

let dataDir: string;
let hub: RunningHub;
const tokens: Record<string, string> = {};
let keyOf: (type: string, number: string) => string;

const call = (who: string, path: string, init: RequestInit = {}) =>
  fetch(`${hub.url}${path}`, {
    ...init,
    headers: {
      Authorization: `Bearer ${tokens[who]}`,
      'Content-Type': 'application/json',
      ...(init.headers ?? {}),
    },
  });
const post = (who: string, path: string, body: unknown) =>
  call(who, path, { method: 'POST', body: JSON.stringify(body) });

async function stored() {
  const store = new SqliteEventStore({ filename: join(dataDir, 'events.db') });
  try {
    return await store.readAll({ maxCount: 100_000 });
  } finally {
    await store.close();
  }
}
const unmaskings = async () => (await stored()).filter((e) => e.type === 'PersonalDataUnmasked');

async function waitFor<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const found = await check();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('timed out');
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'hub-pd-'));
  const config = loadConfig(
    { HUB_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', SCREENING_THREADS: '0' },
    dataDir,
  );
  const vault = await openVault(config);
  keyOf = (type, number) => registryKey(vault, type, number);
  const seed = new SqliteEventStore({ filename: join(dataDir, 'events.db') });
  const demo = await publishAsAgencies(seed, generateDemoCampaign(), { sealing: vault });
  const certificates = await publishAsAgencies(
    seed,
    [
      issued('construction', 'construction_special_operations', 'A200001', 1),
      issued('construction', 'construction_special_operations', 'A200002', 2),
      issued('emergency', 'special_operations', `T${ID(3)}`, 3),
    ],
    { sealing: vault },
  );
  expect([...demo.problems, ...certificates.problems]).toEqual([]);
  await seed.close();
  await vault.close();
  const credentials = new SqliteCredentialStore(join(dataDir, 'hub.db'));
  for (const [who, agency, units] of [
    ['market', 'market', ['000000']],
    ['police', 'police', ['000000']],
    ['construction', 'construction', ['000000']],
    ['emergency', 'emergency', ['000000']],
    ['xuhui-emergency', 'emergency', ['310104']],
    ['shanghai-police', 'police', ['310000']],
  ] as const)
    tokens[who] = (await credentials.create(agency, who, units)).token;
  await credentials.close();
  hub = await startHub(config, pino({ level: 'silent' }));
  // The registry is projected in the background: wait until the certificates can be looked up.
  await waitFor(async () => {
    const res = await post('police', '/v1/certificates/verifications', {
      verificationId: 'V-ready',
      reportingUnit: '310000',
      certificate: { type: 'construction_special_operations', number: 'A200001' },
    });
    const body = (await res.json()) as { result?: string };
    return body.result === 'valid' ? true : undefined;
  });
});

afterAll(async () => {
  await hub?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('unmasking is judged on the registry record (issue 14.1)', () => {
  it('refuses a market system that names a construction certificate as its own type, and records nothing', async () => {
    const before = (await unmaskings()).length;
    const lying = await post('market', '/v1/certificates/unmask', {
      unmaskingId: 'U-lie',
      reportingUnit: '310000',
      certificate: {
        type: 'special_equipment',
        registryKey: keyOf('construction_special_operations', 'A200001'),
      },
      purpose: '核查涉嫌假证',
    });
    expect(lying.status).toBe(404);
    const honest = await post('market', '/v1/certificates/unmask', {
      unmaskingId: 'U-honest',
      reportingUnit: '310000',
      certificate: {
        type: 'construction_special_operations',
        registryKey: keyOf('construction_special_operations', 'A200001'),
      },
      purpose: '核查涉嫌假证',
    });
    expect(honest.status).toBe(403);
    const refusals = [await lying.text(), await honest.text()];
    expect(JSON.parse(refusals[1]!)).toMatchObject({ code: 'UNMASKING_FORBIDDEN' });
    for (const text of refusals) expect(text).not.toContain(ID(1));
    expect((await unmaskings()).length).toBe(before);
  });

  it('opens the holder for the issuer and for the police (positive control)', async () => {
    for (const who of ['construction', 'police']) {
      const res = await post(who, '/v1/certificates/unmask', {
        unmaskingId: `U-ok-${who}`,
        reportingUnit: '310000',
        certificate: {
          type: 'construction_special_operations',
          registryKey: keyOf('construction_special_operations', 'A200001'),
        },
        purpose: '核查涉嫌假证',
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ idNumber: ID(1) });
    }
  });
});

describe('no unmasking escapes the record (issue 14.2)', () => {
  const body = (number: string, unmaskingId: string) => ({
    unmaskingId,
    reportingUnit: '310000',
    certificate: {
      type: 'construction_special_operations',
      registryKey: keyOf('construction_special_operations', number),
    },
    purpose: '核查涉嫌假证案件',
  });

  it('answers a retry of the same unmasking again, recorded once', async () => {
    const before = (await unmaskings()).length;
    const first = await post('police', '/v1/certificates/unmask', body('A200001', 'U-retry'));
    const retry = await post('police', '/v1/certificates/unmask', body('A200001', 'U-retry'));
    expect([first.status, retry.status]).toEqual([200, 200]);
    expect(await retry.json()).toMatchObject({ idNumber: ID(1) });
    expect((await unmaskings()).length).toBe(before + 1);
  });

  it('refuses an unmasking id reused for another certificate with 409, and opens nothing', async () => {
    await post('police', '/v1/certificates/unmask', body('A200001', 'U-reused'));
    const before = (await unmaskings()).length;
    const reused = await post('police', '/v1/certificates/unmask', body('A200002', 'U-reused'));
    expect(reused.status).toBe(409);
    const text = await reused.text();
    expect(JSON.parse(text)).toMatchObject({ code: 'RECORD_CONFLICT' });
    expect(text).not.toContain(ID(2));
    expect((await unmaskings()).length).toBe(before);
  });

  it('refuses the same id with another purpose', async () => {
    await post('police', '/v1/certificates/unmask', body('A200001', 'U-purpose'));
    const other = await post('police', '/v1/certificates/unmask', {
      ...body('A200001', 'U-purpose'),
      purpose: '另一目的',
    });
    expect(other.status).toBe(409);
    expect(await other.text()).not.toContain(ID(1));
  });
});

describe('no ID number in clear outside the vault (issue 14.3)', () => {
  const unregistered = `T${ID(9)}`;

  it('masks an unregistered T + ID number in the answer and in the CertificateVerified event', async () => {
    const res = await post('emergency', '/v1/certificates/verifications', {
      verificationId: 'V-unknown',
      reportingUnit: '310104',
      inspectionId: 'INS-V-1',
      certificate: { type: 'special_operations', number: unregistered },
    });
    expect(res.status).toBe(200);
    const answer = await res.text();
    expect(JSON.parse(answer)).toMatchObject({ result: 'unknown_number' });
    expect(answer).toContain(`T${maskResidentId(ID(9))}`);
    expect(answer).not.toContain(ID(9));
    const verified = (await stored()).filter((e) => e.type === 'CertificateVerified');
    expect(verified.length).toBeGreaterThan(0);
    expect(JSON.stringify(verified.map((e) => e.data))).not.toContain(ID(9));
  });

  it('keeps screening result files free of ID numbers, unregistered numbers included', async () => {
    const roster = [
      '证书类型,证书编号,身份证号,姓名',
      `special_operations,${unregistered},${ID(9)},工人9`,
      `special_operations,T${ID(3)},${ID(3)},工人3`,
    ].join('\n');
    const res = await call(
      'emergency',
      `/v1/certificates/screenings?purpose=${encodeURIComponent('用人单位自查名单比对')}&reportingUnit=310104`,
      { method: 'POST', headers: { 'Content-Type': 'text/csv' }, body: roster },
    );
    expect(res.status).toBe(202);
    const { screeningId } = (await res.json()) as { screeningId: string };
    await waitFor(async () => {
      const job = (await (
        await call('emergency', `/v1/certificates/screenings/${screeningId}`)
      ).json()) as { status: string };
      return job.status === 'running' ? undefined : job;
    });
    const results = await (
      await call('emergency', `/v1/certificates/screenings/${screeningId}/results`)
    ).text();
    expect(results).toContain('unknown_number');
    for (const file of readdirSync(join(dataDir, 'screenings'))) {
      const text = readFileSync(join(dataDir, 'screenings', file), 'utf8');
      expect(text).not.toContain(ID(9));
      expect(text).not.toContain(ID(3));
    }
    expect(results).not.toContain(ID(9));
  });
});

describe('agency credentials are scoped by their units (issue 14.4)', () => {
  type Clue = { clueId: string; reportingUnit?: string; toPoliceUnit?: string };

  it('shows a district’s system only the clues of its district; a nationwide one sees more', async () => {
    const all = (await (await call('police', '/v1/ledger/clues')).json()) as Clue[];
    const xuhui = (await (await call('xuhui-emergency', '/v1/ledger/clues')).json()) as Clue[];
    expect(xuhui.length).toBeGreaterThan(0);
    expect(xuhui.length).toBeLessThan(all.length);
    expect(xuhui.every((c) => c.reportingUnit === '310104' || c.toPoliceUnit === '310104')).toBe(
      true,
    );
    const shanghai = (await (await call('shanghai-police', '/v1/ledger/clues')).json()) as Clue[];
    expect(
      shanghai.every((c) => [c.reportingUnit, c.toPoliceUnit].some((u) => u?.startsWith('31'))),
    ).toBe(true);
    expect(shanghai.length).toBeLessThan(all.length);
    const outside = all.find((c) => !c.reportingUnit?.startsWith('31'))!;
    const one = await call('shanghai-police', `/v1/ledger/clues/${outside.clueId}`);
    expect(one.status).toBe(404);
  });

  it('refuses a form, the rates or the due list of a unit outside the credential’s units', async () => {
    for (const path of [
      '/v1/reports/forms/shanghai-2024?unit=440000&period=2024-08',
      '/v1/reports/rates?unit=310105&from=2024-01-01&to=2024-12-31',
      '/v1/ledger/due?unit=310000',
    ]) {
      const res = await call('xuhui-emergency', path);
      expect([path, res.status]).toEqual([path, 403]);
      expect(await res.json()).toMatchObject({ code: 'OUT_OF_SCOPE' });
    }
    const own = await call(
      'xuhui-emergency',
      '/v1/reports/forms/shanghai-2024?unit=310104&period=2024-08',
    );
    expect(own.status).toBe(200);
  });

  it('refuses an event published for a unit outside the credential’s units, and writes nothing', async () => {
    const event = published(
      'InspectionConducted',
      {
        inspectionId: 'INS-SCOPE-1',
        subjectKind: 'employer',
        subject: { creditCode: '914403001922038216', name: '示例机械有限公司' },
        method: 'special',
        inspectedOn: '2024-06-20',
        workersChecked: 3,
      },
      { reportingUnit: '440106' },
    );
    const res = await post('xuhui-emergency', '/v1/events', { events: [event] });
    expect(res.status).toBe(403);
    expect(JSON.stringify(await res.json())).toMatch(/reportingUnit/);
    expect((await stored()).some((e) => e.id === event.id)).toBe(false);
    const inside = await post('xuhui-emergency', '/v1/events', {
      events: [{ ...event, reportingUnit: '310104' }],
    });
    expect(inside.status).toBe(201);
  });
});
