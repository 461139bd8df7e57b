/**
 * The audit trail of the hub as shipped (startHub), over real HTTP: an auditor finds every
 * opening of one person's ID number, with its purpose, by that ID number, over GraphQL and
 * HTTP; the audit file never holds the number; failed sign-ins are recorded without the token.
 * Issue 15, item 3.
 */
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { registryKey } from '@hub/domain';
import { published, residentIdFor } from '@hub/domain/testing';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { publishAsAgencies, SqliteCredentialStore } from '@hub/ingestion';
import { loadConfig } from './config.js';
import { openUsers, openVault, startHub, type RunningHub } from './compose.js';

jest.setTimeout(60_000);

const HOLDER = residentIdFor('19800101', 41);
const OTHER = residentIdFor('19800101', 42);

let dataDir: string;
let hub: RunningHub;
const agencyTokens: Record<string, string> = {};
const userTokens: Record<string, string> = {};
let holderKey: string;
let key: string;
let otherKey: string;
const logLines: string[] = [];

const rest = (token: string | undefined, path: string, init: RequestInit = {}) =>
  fetch(`${hub.url}${path}`, {
    ...init,
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      'Content-Type': 'application/json',
      'X-Correlation-Id': 'corr-audit-1',
      ...(init.headers ?? {}),
    },
  });

async function gql(token: string | undefined, query: string, variables: object = {}) {
  const res = await rest(token, '/graphql', {
    method: 'POST',
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: res.status,
    body: (await res.json()) as {
      data?: Record<string, unknown>;
      errors?: Array<{ message: string; extensions?: { code?: string } }>;
    },
  };
}

const issued = (number: string, idNumber: string) => ({
  agency: 'construction' as const,
  event: published(
    'CertificateIssued',
    {
      certificateType: 'construction_special_operations',
      number,
      holder: { idNumber, name: '审计测试工人' },
      operationCategory: '建筑电工',
      operationItem: '建筑电工',
      issuedOn: '2022-03-01',
      validUntil: '2030-02-28',
      issuingAuthority: '上海市',
    },
    { reportingUnit: '310000', occurredAt: '2022-03-01T09:00:00+08:00' },
  ),
});

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'hub-audit-'));
  const config = loadConfig(
    { HUB_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', SCREENING_THREADS: '0' },
    dataDir,
  );
  const vault = await openVault(config);
  key = registryKey(vault, 'construction_special_operations', 'A300041');
  otherKey = registryKey(vault, 'construction_special_operations', 'A300042');
  holderKey = vault.matchKey(HOLDER);
  const seed = new SqliteEventStore({ filename: join(dataDir, 'events.db') });
  const { problems } = await publishAsAgencies(
    seed,
    [issued('A300041', HOLDER), issued('A300042', OTHER)],
    { sealing: vault },
  );
  expect(problems).toEqual([]);
  await seed.close();
  await vault.close();
  const credentials = new SqliteCredentialStore(join(dataDir, 'hub.db'));
  agencyTokens.police = (await credentials.create('police', '公安系统', ['310000'])).token;
  const revoked = await credentials.create('police', '旧系统', ['310000']);
  await credentials.revoke(revoked.credential.tokenId);
  agencyTokens.revoked = revoked.token;
  agencyTokens.revokedId = revoked.credential.tokenId;
  await credentials.close();
  const users = openUsers(config);
  for (const [name, role, units] of [
    ['procurator', 'procurator', ['310105']],
    ['auditor', 'auditor', ['310000']],
    ['national-auditor', 'auditor', ['000000']],
    ['guangdong-auditor', 'auditor', ['440000']],
    ['analyst', 'analyst', ['310000']],
  ] as const)
    userTokens[name] = (await users.create({ name, role, units: [...units] })).token;
  await users.close();
  // Everything the hub logs, to show that no ID number or token reaches the log.
  hub = await startHub(
    config,
    pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) }),
  );
  // The registry is projected in the background: wait until the holder can be opened.
  for (let i = 0; i < 200; i++) {
    const res = await rest(agencyTokens.police, '/v1/certificates/verifications', {
      method: 'POST',
      body: JSON.stringify({
        verificationId: `V-ready-${i}`,
        reportingUnit: '310000',
        certificate: { type: 'construction_special_operations', number: 'A300041' },
      }),
    });
    if (((await res.json()) as { result?: string }).result === 'valid') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the registry did not catch up');
});

afterAll(async () => {
  await hub?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

type AuditNode = {
  action: string;
  purpose: string | null;
  atShanghai: string;
  actor: { kind: string; id: string; role: string | null; agency: string | null };
  subject: { holderKey: string | null; registryKey: string | null; unit: string | null };
  from: { ip: string | null; correlationId: string | null };
  result: { outcome: string; code: string | null };
};
const TRAIL = `query($filter: AuditFilter) { auditTrail(filter: $filter, first: 100) { edges { node {
  action purpose atShanghai actor { kind id role agency } subject { holderKey registryKey unit }
  from { ip correlationId } result { outcome code } } } } }`;
async function trail(filter: object, token = userTokens.auditor!) {
  const r = await gql(token, TRAIL, { filter });
  expect(r.body.errors).toBeUndefined();
  return (r.body.data!.auditTrail as { edges: Array<{ node: AuditNode }> }).edges.map(
    (e) => e.node,
  );
}

describe('who looked at this person’s ID number, and why (issue 15.3)', () => {
  it('lists every unmasking of one holder with its purpose, over GraphQL and HTTP, found by the ID number', async () => {
    const opened = await rest(agencyTokens.police, '/v1/certificates/unmask', {
      method: 'POST',
      headers: { 'X-Officer-Id': 'P-0042' },
      body: JSON.stringify({
        unmaskingId: 'U-audit-rest',
        reportingUnit: '310000',
        certificate: { type: 'construction_special_operations', registryKey: key },
        purpose: '刑事案件侦查：核实持证人身份',
        caseId: 'CASE-2025-7',
      }),
    });
    expect(opened.status).toBe(200);
    expect(await opened.json()).toMatchObject({ idNumber: HOLDER });
    const gqlOpened = await gql(
      userTokens.procurator,
      `{ certificateHolder(certificateType: "construction_special_operations", registryKey: "${key}",
          purpose: "审查起诉：核对证件持有人", reportingUnit: "310105") { idNumber } }`,
    );
    expect(gqlOpened.body.data?.certificateHolder).toEqual({ idNumber: HOLDER });
    // Another holder's opening must not be listed for this one.
    await rest(agencyTokens.police, '/v1/certificates/unmask', {
      method: 'POST',
      body: JSON.stringify({
        unmaskingId: 'U-audit-other',
        reportingUnit: '310000',
        certificate: { type: 'construction_special_operations', registryKey: otherKey },
        purpose: '其他人员',
      }),
    });

    const byGraphql = await trail({ holderIdNumber: HOLDER, action: 'personal_data.unmask' });
    expect(byGraphql.map((n) => [n.purpose, n.actor.kind, n.result.outcome])).toEqual([
      ['审查起诉：核对证件持有人', 'user', 'ok'],
      ['刑事案件侦查：核实持证人身份', 'agency-system', 'ok'],
    ]);
    expect(byGraphql[0]).toMatchObject({
      actor: { role: 'procurator' },
      subject: { holderKey, registryKey: key, unit: '310105' },
    });
    expect(byGraphql[1]).toMatchObject({
      actor: { agency: 'police' },
      subject: { holderKey, unit: '310000' },
      from: { correlationId: 'corr-audit-1' },
    });
    expect(byGraphql[0]!.atShanghai).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

    const query = new URLSearchParams({ holderIdNumber: HOLDER, action: 'personal_data.unmask' });
    const byGet = await rest(userTokens.auditor, `/v1/audit?${query.toString()}`);
    expect(byGet.status).toBe(200);
    const got = (await byGet.json()) as {
      records: Array<{ purpose: string; actor: { officerId?: string } }>;
    };
    expect(got.records.map((r) => r.purpose)).toEqual(byGraphql.map((n) => n.purpose));
    expect(got.records[1]!.actor.officerId).toBe('P-0042');
    const byPost = await rest(userTokens.auditor, '/v1/audit/search', {
      method: 'POST',
      body: JSON.stringify({ holderIdNumber: HOLDER, action: 'personal_data', first: 1 }),
    });
    const posted = (await byPost.json()) as {
      records: Array<{ purpose: string }>;
      pageInfo: { hasNextPage: boolean; endCursor: string };
    };
    expect(posted.records.map((r) => r.purpose)).toEqual([byGraphql[0]!.purpose]);
    expect(posted.pageInfo.hasNextPage).toBe(true);
    const next = await rest(userTokens.auditor, '/v1/audit/search', {
      method: 'POST',
      body: JSON.stringify({
        holderIdNumber: HOLDER,
        action: 'personal_data',
        first: 1,
        after: posted.pageInfo.endCursor,
      }),
    });
    expect(
      ((await next.json()) as { records: Array<{ purpose: string }> }).records.map(
        (r) => r.purpose,
      ),
    ).toEqual([byGraphql[1]!.purpose]);

    // An auditor of another province sees none of it.
    expect(
      await trail(
        { holderIdNumber: HOLDER, action: 'personal_data.unmask' },
        userTokens['guangdong-auditor'],
      ),
    ).toEqual([]);
    // Reading the trail is on the record too, the person looked for by match key.
    const reads = await trail({ action: 'audit.read' });
    expect(reads.some((r) => r.subject.holderKey === holderKey)).toBe(true);
  });

  it('records the checks of a person by the match key of the ID number given', async () => {
    await rest(agencyTokens.police, '/v1/certificates/verifications', {
      method: 'POST',
      body: JSON.stringify({
        verificationId: 'V-audit-1',
        reportingUnit: '310104',
        certificate: { type: 'construction_special_operations', number: 'A300041' },
        holder: { idNumber: HOLDER, name: '审计测试工人' },
      }),
    });
    const [check] = await trail({ holderIdNumber: HOLDER, action: 'certificate.verify' });
    expect(check).toMatchObject({
      subject: { holderKey, registryKey: key, unit: '310104' },
      result: { outcome: 'ok', code: 'valid' },
    });
  });

  it('records refused and failed sign-ins, REST and GraphQL, without the token', async () => {
    const wrong = 'hub_police_notARealTokenAtAll0000000000000000000000';
    expect((await rest(wrong, '/v1/ledger/clues')).status).toBe(401);
    expect((await rest(undefined, '/v1/ledger/clues')).status).toBe(401);
    expect((await rest(agencyTokens.revoked, '/v1/ledger/clues')).status).toBe(401);
    expect((await gql('not-a-jwt', '{ me { role } }')).status).toBe(401);
    // Who failed to sign in works nowhere the hub knows of: the whole country's auditors see it.
    expect(await trail({ action: 'auth.failed' })).toEqual([]);
    const failed = await trail({ action: 'auth.failed' }, userTokens['national-auditor']);
    expect(failed.map((f) => f.result.code)).toEqual(
      expect.arrayContaining([
        'UNKNOWN_OR_REVOKED_CREDENTIAL',
        'MISSING_CREDENTIAL',
        'INVALID_TOKEN',
      ]),
    );
    // The revoked credential still being tried is named by its id.
    expect(failed.some((f) => f.actor.id === agencyTokens.revokedId)).toBe(true);
    expect(failed.every((f) => f.result.outcome === 'refused' && f.from.ip)).toBe(true);
    const file = auditFileBytes();
    for (const token of [wrong, agencyTokens.revoked!, 'not-a-jwt'])
      expect(file.includes(Buffer.from(token))).toBe(false);
  });

  it('answers the audit endpoint’s refusals as problem+json through the error table, and records them', async () => {
    const agency = await rest(agencyTokens.police, '/v1/audit');
    expect(agency.status).toBe(401);
    expect(agency.headers.get('content-type')).toMatch(/problem\+json/);
    expect(await agency.json()).toMatchObject({
      code: 'UNAUTHENTICATED',
      detail: expect.stringMatching(/^审计记录须用审计员的用户令牌查阅/),
    });
    const analyst = await rest(userTokens.analyst, '/v1/audit');
    expect(analyst.status).toBe(403);
    expect(await analyst.json()).toMatchObject({ code: 'ROLE_FORBIDDEN' });
    const badDate = await rest(userTokens.auditor, '/v1/audit?from=2025-13-01');
    expect(badDate.status).toBe(400);
    expect(await badDate.json()).toMatchObject({ code: 'AUDIT_QUERY_INVALID' });
    const refused = await trail({ action: 'audit.read', outcome: 'refused' });
    expect(refused.map((r) => r.result.code)).toEqual(
      expect.arrayContaining(['ROLE_FORBIDDEN', 'AUDIT_QUERY_INVALID']),
    );
  });

  it('records exports and refusals of the REST read side with their codes', async () => {
    expect(
      (
        await rest(
          agencyTokens.police,
          '/v1/reports/forms/shanghai-2024?unit=310000&period=2024-08&format=csv',
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await rest(
          agencyTokens.police,
          '/v1/reports/forms/shanghai-2024?unit=440000&period=2024-08',
        )
      ).status,
    ).toBe(403);
    const forms = await trail({ action: 'export.form', agency: 'police' });
    expect(forms.map((f) => [f.subject.unit, f.result.outcome, f.result.code])).toEqual([
      ['440000', 'refused', 'OUT_OF_SCOPE'],
      ['310000', 'ok', null],
    ]);
  });

  it('keeps no ID number in audit.db, byte for byte', async () => {
    // Everything recorded so far is written (a read flushes the trail first).
    await trail({});
    const bytes = auditFileBytes();
    expect(bytes.length).toBeGreaterThan(0);
    for (const id of [HOLDER, OTHER]) {
      expect(bytes.includes(Buffer.from(id))).toBe(false);
      // Not even the part that identifies the person without the region and check digit.
      expect(bytes.includes(Buffer.from(id.slice(6, 17)))).toBe(false);
    }
    expect(bytes.includes(Buffer.from(holderKey))).toBe(true);
  });

  it('logs neither the ID numbers looked for nor the tokens tried', () => {
    const log = logLines.join('');
    expect(log).toContain('/v1/audit');
    for (const secret of [HOLDER, OTHER, agencyTokens.revoked!, userTokens.auditor!])
      expect(log).not.toContain(secret);
  });
});

/** audit.db with its write-ahead log: what a copy of the data directory would hold. */
function auditFileBytes(): Buffer {
  const files = ['audit.db', 'audit.db-wal'].map((f) => join(dataDir, f)).filter(existsSync);
  return Buffer.concat(files.map((f) => readFileSync(f)));
}
