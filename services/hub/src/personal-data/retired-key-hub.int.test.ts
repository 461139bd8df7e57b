/**
 * The hub as shipped (startHub), after its first master key was rotated, re-wrapped and
 * removed: certificates recorded under the old key are still found (match keys), opened
 * (subject keys), and screened on a thread (match-key secrets handed to the thread).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { registryKey } from '@hub/domain';
import { published, residentIdFor } from '@hub/domain/testing';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { publishAsAgencies, SqliteCredentialStore } from '@hub/ingestion';
import { personalDataCommand } from '../cli/personal-data-commands.js';
import { openVault, startHub, type RunningHub } from '../compose.js';
import { loadConfig } from '../config.js';

jest.setTimeout(60_000);

const ID = (serial: number) => residentIdFor('19800101', serial);
const issued = (number: string, serial: number) => ({
  agency: 'emergency' as const,
  event: published(
    'CertificateIssued',
    {
      certificateType: 'special_operations',
      number,
      holder: { idNumber: ID(serial), name: `工人${serial}` },
      operationCategory: '电工作业',
      operationItem: '低压电工作业',
      issuedOn: '2022-03-01',
      validUntil: '2030-02-28',
      issuingAuthority: '上海市',
    },
    { reportingUnit: '310000', occurredAt: '2022-03-01T09:00:00+08:00' },
  ),
});

let dataDir: string;
let hub: RunningHub | undefined;
afterEach(async () => {
  await hub?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function waitFor<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const found = await check();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('timed out');
}

it('a hub started without the retired master key finds, opens and screens what was recorded under it', async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'hub-retired-'));
  const k1 = `k1:${randomBytes(32).toString('base64')}`;
  const k2 = `k2:${randomBytes(32).toString('base64')}`;
  const configOf = (env: Record<string, string>) =>
    loadConfig({ HUB_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', ...env }, dataDir);

  const vault = await openVault(configOf({ HUB_PII_KEY: k1 }));
  const seed = new SqliteEventStore({ filename: join(dataDir, 'events.db') });
  const published = await publishAsAgencies(seed, [issued(`T${ID(3)}`, 3)], { sealing: vault });
  expect(published.problems).toEqual([]);
  await seed.close();
  // The certificate's registry key as made under k1: the unmasking below names it.
  const key = registryKey(vault, 'special_operations', `T${ID(3)}`);
  await vault.close();

  const lines: string[] = [];
  await personalDataCommand(
    configOf({ HUB_PII_KEY: k2, HUB_PII_PREVIOUS_KEYS: k1 }),
    ['rewrap'],
    {},
    (l) => void lines.push(l),
  );
  expect(lines.join('\n')).toContain('master key k1 is no longer needed');

  const credentials = new SqliteCredentialStore(join(dataDir, 'hub.db'));
  const token = (await credentials.create('emergency', 'emergency', ['000000'])).token;
  await credentials.close();
  hub = await startHub(
    configOf({ HUB_PII_KEY: k2, SCREENING_THREADS: '1' }),
    pino({ level: 'silent' }),
  );
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${hub!.url}${path}`, {
      ...init,
      headers: {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/json',
        ...(init.headers ?? {}),
      },
    });
  const certificate = { type: 'special_operations', number: `T${ID(3)}` };
  // Found by its registry key, a match key made as before the rotation.
  await waitFor(async () => {
    const res = await call('/v1/certificates/verifications', {
      method: 'POST',
      body: JSON.stringify({ verificationId: 'V-1', reportingUnit: '310000', certificate }),
    });
    const body = (await res.json()) as { result?: string };
    return body.result === 'valid' ? true : undefined;
  });
  // Opened: the holder's key, made under k1, is wrapped under k2 now.
  const opened = await call('/v1/certificates/unmask', {
    method: 'POST',
    body: JSON.stringify({
      unmaskingId: 'U-1',
      reportingUnit: '310000',
      certificate: { type: 'special_operations', registryKey: key },
      purpose: '核查涉嫌假证',
    }),
  });
  const openedBody: unknown = await opened.json();
  expect({ status: opened.status, openedBody }).toEqual({ status: 200, openedBody });
  expect(openedBody).toMatchObject({ idNumber: ID(3) });
  // Screened on a thread: a registered row is found, an unregistered one is not (control).
  const roster = [
    '证书类型,证书编号,身份证号,姓名',
    `special_operations,T${ID(3)},${ID(3)},工人3`,
    `special_operations,T${ID(9)},${ID(9)},工人9`,
  ].join('\n');
  const submitted = await call(
    `/v1/certificates/screenings?purpose=${encodeURIComponent('用人单位自查名单比对')}&reportingUnit=310104`,
    { method: 'POST', headers: { 'Content-Type': 'text/csv' }, body: roster },
  );
  expect(submitted.status).toBe(202);
  const { screeningId } = (await submitted.json()) as { screeningId: string };
  await waitFor(async () => {
    const job = (await (await call(`/v1/certificates/screenings/${screeningId}`)).json()) as {
      status: string;
    };
    return job.status === 'running' ? undefined : job;
  });
  const results = await (await call(`/v1/certificates/screenings/${screeningId}/results`)).text();
  const rows = results
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { line: number; registryKey: string; result: string });
  expect(rows.map((r) => [r.line, r.result])).toEqual([
    [2, 'valid'],
    [3, 'unknown_number'],
  ]);
  expect(rows[0]!.registryKey).toBe(key);
});
