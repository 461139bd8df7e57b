/**
 * Personal data sealed in the store (issue 15.4), through the hub as shipped: after the demo
 * and a screening, no ID number the agencies published is anywhere in clear — not in
 * events.db, hub.db, vault.db, the screening results or the hub's log (scanned byte by byte);
 * and destroying a person's key (crypto-shredding) leaves no interface able to produce their
 * ID number, while the forms and the hash chain stay exactly as they were.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { generateDemoCampaign } from '@hub/demo';
import { registryKey } from '@hub/domain';
import { published, residentIdFor } from '@hub/domain/testing';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { verifyChain } from '@hub/evidence';
import { publishAsAgencies, SqliteCredentialStore } from '@hub/ingestion';
import { personalDataCommand } from './cli/personal-data-commands.js';
import { loadConfig, type HubConfig } from './config.js';
import { openUsers, openVault, startHub, type RunningHub } from './compose.js';

jest.setTimeout(90_000);

const PERSON = residentIdFor('19800101', 7);
const NUMBER = 'A300007';

let dataDir: string;
let config: HubConfig;
let hub: RunningHub;
let token: string;
let procurator: string;
let key: string;
const log: string[] = [];

/** Every ID number the demo and this test publish, and the numbers that hold one. */
function publishedIdNumbers(): string[] {
  const found = new Set<string>([PERSON]);
  const walk = (value: unknown) => {
    if (typeof value === 'string') {
      for (const m of value.matchAll(/[1-9]\d{16}[\dX]/g)) found.add(m[0]);
    } else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value))
        if (k === 'idNumber' || k === 'number' || typeof v === 'object') walk(v);
  };
  for (const { event } of generateDemoCampaign()) walk((event as { data: unknown }).data);
  return [...found];
}

const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });

const call = (bearer: string, path: string, init: RequestInit = {}) =>
  fetch(`${hub.url}${path}`, {
    ...init,
    headers: {
      Authorization: `Bearer ${bearer}`,
      'Content-Type': 'application/json',
      ...(init.headers ?? {}),
    },
  });
const unmask = (unmaskingId: string) =>
  call(token, '/v1/certificates/unmask', {
    method: 'POST',
    body: JSON.stringify({
      unmaskingId,
      reportingUnit: '310000',
      certificate: { type: 'construction_special_operations', registryKey: key },
      purpose: '核查涉嫌假证案件',
    }),
  });
const form = async () =>
  (
    await (
      await call(token, '/v1/reports/forms/shanghai-2024?unit=310000&period=2024-08&format=csv')
    ).text()
  ).replace(/填报时间[^\n]*/, '');

async function waitFor<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const found = await check();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('timed out');
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'hub-sealed-'));
  config = loadConfig(
    { HUB_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info', SCREENING_THREADS: '0' },
    dataDir,
  );
  const vault = await openVault(config);
  key = registryKey(vault, 'construction_special_operations', NUMBER);
  const seed = new SqliteEventStore({ filename: join(dataDir, 'events.db') });
  const results = await publishAsAgencies(
    seed,
    [
      ...generateDemoCampaign(),
      {
        agency: 'construction',
        event: published(
          'CertificateIssued',
          {
            certificateType: 'construction_special_operations',
            number: NUMBER,
            holder: { idNumber: PERSON, name: '工人七' },
            operationCategory: '建筑电工',
            operationItem: '建筑电工',
            issuedOn: '2022-03-01',
            validUntil: '2030-02-28',
            issuingAuthority: '上海市住房和城乡建设管理委员会',
          },
          { reportingUnit: '310000', occurredAt: '2022-03-01T09:00:00+08:00' },
        ),
      },
    ],
    { sealing: vault },
  );
  expect(results.problems).toEqual([]);
  await seed.close();
  await vault.close();
  const credentials = new SqliteCredentialStore(join(dataDir, 'hub.db'));
  token = (await credentials.create('police', 'test', ['000000'])).token;
  await credentials.close();
  const users = openUsers(config);
  procurator = (await users.create({ name: '检察官', role: 'procurator', units: ['310000'] }))
    .token;
  await users.close();
  hub = await startHub(
    config,
    pino({ level: 'info' }, { write: (line: string) => log.push(line) }),
  );
  await waitFor(async () => ((await unmask('U-ready')).status === 200 ? true : undefined));
});

afterAll(async () => {
  await hub?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('no ID number in clear outside the vault (issue 15.4)', () => {
  it('keeps none in events.db, hub.db, vault.db, screening results or the log after the demo and a screening', async () => {
    const ids = publishedIdNumbers();
    expect(ids.length).toBeGreaterThan(20);
    const roster = [
      '证书类型,证书编号,身份证号,姓名',
      `construction_special_operations,${NUMBER},${PERSON},工人七`,
    ]
      .concat(ids.slice(0, 10).map((id, i) => `special_operations,T${id},${id},工人${i}`))
      .join('\n');
    const submitted = await call(
      token,
      `/v1/certificates/screenings?purpose=${encodeURIComponent('用人单位自查名单比对')}&reportingUnit=310000`,
      { method: 'POST', headers: { 'Content-Type': 'text/csv' }, body: roster },
    );
    const { screeningId } = (await submitted.json()) as { screeningId: string };
    await waitFor(async () => {
      const job = (await (
        await call(token, `/v1/certificates/screenings/${screeningId}`)
      ).json()) as { status: string };
      return job.status === 'running' ? undefined : job;
    });
    const files = filesUnder(dataDir).filter((f) => !f.endsWith('.key'));
    expect(files.some((f) => f.includes('screenings'))).toBe(true);
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const id of ids) {
        expect([file, bytes.includes(Buffer.from(id))]).toEqual([file, false]);
        expect([file, bytes.includes(Buffer.from(id.toLowerCase()))]).toEqual([file, false]);
      }
    }
    const text = log.join('');
    for (const id of ids) expect(text.includes(id)).toBe(false);
  });
});

describe('crypto-shredding (issue 15.4)', () => {
  it('leaves no interface able to open a forgotten person, while the forms and the chain stay as they were', async () => {
    const opened = await unmask('U-before');
    expect(await opened.json()).toMatchObject({ idNumber: PERSON });
    const before = await form();

    const out: string[] = [];
    await personalDataCommand(
      config,
      ['forget'],
      { 'id-number': PERSON, reason: '保存期限届满' },
      (l) => out.push(l),
    );
    expect(out.join('')).toMatch(/已销毁该人员的 1 个密钥/);
    expect(out.join('')).not.toContain(PERSON);

    const refused = await unmask('U-after');
    expect(refused.status).toBe(410);
    expect(await refused.text()).not.toContain(PERSON);
    const graphql = await fetch(`${hub.url}/graphql`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${procurator}` },
      body: JSON.stringify({
        query: `{ certificateHolder(certificateType: "construction_special_operations", registryKey: "${key}", purpose: "核查") { idNumber } }`,
      }),
    });
    const answer = await graphql.text();
    expect(JSON.parse(answer)).toMatchObject({ errors: [{ extensions: { code: 'GONE' } }] });
    expect(answer).not.toContain(PERSON);
    // The record of the person is still there, and still counted: only its sealed copy is gone.
    const verification = await call(token, '/v1/certificates/verifications', {
      method: 'POST',
      body: JSON.stringify({
        verificationId: 'V-after-forget',
        reportingUnit: '310000',
        certificate: { type: 'construction_special_operations', number: NUMBER },
        holder: { idNumber: PERSON },
      }),
    });
    expect(await verification.json()).toMatchObject({ result: 'valid' });
    expect(await form()).toBe(before);
    const store = new SqliteEventStore({ filename: join(dataDir, 'events.db') });
    const chain = await verifyChain(store);
    await store.close();
    expect(chain.problems).toEqual([]);
    expect(chain.records).toBeGreaterThan(250);
  });
});
