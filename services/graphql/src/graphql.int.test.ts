/**
 * The GraphQL API over real HTTP on the demo campaign: the authorization matrix (role ×
 * operation, and the guarded field) as one table, and abusive documents refused.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { parse, validate } from 'graphql';
import { DEFAULT_DEADLINE_RULES, PROJECTIONS, certificateRegistryProjection } from '@hub/domain';
import { generateDemoCampaign } from '@hub/demo';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { publishAsAgencies } from '@hub/ingestion';
import { PersonalDataVault } from '@hub/personal-data';
import { ProjectionRunner, SqliteReadModelStore } from '@hub/read-models';
import { bufferSource, rosterRuns, ScreeningJobs, screenRoster } from '@hub/certificates';
import type { Role } from './auth/roles.js';
import { UserDirectory } from './auth/users.js';
import { buildSchema, createGraphqlApi } from './server.js';
import { DEFAULT_LIMITS, queryLimitsRule } from './limits/query-limits.js';

let dir: string;
let server: Server;
let url: string;
let api: Awaited<ReturnType<typeof createGraphqlApi>>;
const closers: Array<() => unknown> = [];
const tokens = {} as Record<Role | 'emergency_officer' | 'police_officer' | 'revoked', string>;

async function gql(token: string | undefined, query: string, variables: object = {}) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: res.status,
    body: (await res.json()) as {
      data?: Record<string, unknown>;
      errors?: Array<{ message: string; extensions?: { code?: string; stacktrace?: unknown } }>;
    },
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hub-gql-'));
  const store = new SqliteEventStore({ filename: join(dir, 'events.db') });
  const readModels = new SqliteReadModelStore(join(dir, 'hub.db'));
  const vault = new PersonalDataVault({ id: 'k1', secret: randomBytes(32) });
  const jobs = new ScreeningJobs(join(dir, 'hub.db'), join(dir, 'screenings'));
  const users = new UserDirectory(join(dir, 'hub.db'), randomBytes(32));
  closers.push(
    () => users.close(),
    () => jobs.close(),
    () => readModels.close(),
    () => store.close(),
  );
  await publishAsAgencies(store, generateDemoCampaign());
  await new ProjectionRunner({
    store,
    readModels,
    projections: [...PROJECTIONS, certificateRegistryProjection(vault)],
  }).catchUp();
  const make = async (role: Role, extra: object = {}) =>
    (await users.create({ name: role, role, ...extra })).token;
  tokens.analyst = await make('analyst');
  tokens.procurator = await make('procurator', { units: ['310000'] });
  tokens.agency_officer = await make('agency_officer', { agency: 'market', units: ['310105'] });
  tokens.emergency_officer = await make('agency_officer', {
    agency: 'emergency',
    units: ['310105'],
  });
  tokens.police_officer = await make('agency_officer', { agency: 'police', units: ['310000'] });
  tokens.court_clerk = await make('court_clerk', { units: ['310105'] });
  tokens.auditor = await make('auditor');
  const revoked = await users.create({ name: 'gone', role: 'analyst' });
  users.revoke(revoked.id);
  tokens.revoked = revoked.token;
  // A finished screening of the market officer's agency.
  jobs.create({ id: 'SCR-1', agency: 'market', purpose: '名单比对' });
  const roster = Buffer.from(
    '证书类型,证书编号,身份证号,姓名\nspecial_equipment,E1234,11010519491231002X,张三\n',
  );
  const summary = await jobs.writeResults(
    'SCR-1',
    screenRoster(rosterRuns(bufferSource(roster), 'csv'), {
      protector: vault,
      lookup: (keys) => readModels.getDocuments('certificate-registry', keys),
      today: '2024-07-01',
    }),
  );
  jobs.finish('SCR-1', summary);
  api = await createGraphqlApi({
    readModels,
    store,
    vault,
    jobs,
    users,
    deadlineRules: DEFAULT_DEADLINE_RULES,
    production: true,
    overdueCheckMs: 60_000,
  });
  const app = express();
  app.use(api.router);
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await api.stop();
  await new Promise((r) => server.close(r));
  for (const close of closers) await close();
  rmSync(dir, { recursive: true, force: true });
});

const OPERATIONS: Record<string, string> = {
  me: '{ me { role } }',
  forms: '{ forms { formId } }',
  form: '{ form(formId: "shanghai-2024", unit: "310105", period: "2024-08") { rows { labelZh } } }',
  formCellEvents:
    '{ formCellEvents(formId: "shanghai-2024", figureId: "inspectedEnterprises", unit: "310105", period: "2024-08") }',
  clues: '{ clues(first: 5) { edges { node { clueId } } } }',
  cases: '{ cases(first: 5) { edges { node { caseId } } } }',
  procuratorWorklist: '{ procuratorWorklist { reasons } }',
  verifyCertificate:
    '{ verifyCertificate(input: { certificateType: "special_operations", number: "T110105194912310021" }) { result } }',
  agencyActivity: '{ agencyActivity(from: "2024-01-01", to: "2026-12-31") { agency total } }',
  'Case.procuratorId': '{ cases(first: 20) { edges { node { procuratorId } } } }',
  screeningResults: '{ screeningResults(screeningId: "SCR-1") { edges { node { line result } } } }',
};

const Y = 'allowed';
const N = 'denied';
/** The authorization matrix. Columns: analyst, procurator, agency officer, court clerk, auditor. */
const MATRIX: Array<[string, string, string, string, string, string]> = [
  ['me', Y, Y, Y, Y, Y],
  ['forms', Y, Y, Y, N, N],
  ['form', Y, Y, Y, N, N],
  ['formCellEvents', Y, Y, N, N, N],
  ['clues', Y, Y, Y, N, N],
  ['cases', Y, Y, N, Y, N],
  ['procuratorWorklist', N, Y, N, N, N],
  ['verifyCertificate', Y, N, Y, N, N],
  ['agencyActivity', Y, N, N, N, Y],
  ['screeningResults', N, N, Y, N, N],
  ['Case.procuratorId', Y, Y, N, N, N],
];
const ROLE_COLUMNS: Role[] = ['analyst', 'procurator', 'agency_officer', 'court_clerk', 'auditor'];

describe('authorization matrix (role × operation, field)', () => {
  it.each(
    MATRIX.flatMap(([operation, ...cells]) =>
      cells.map((expected, i) => [operation, ROLE_COLUMNS[i]!, expected] as const),
    ),
  )('%s for %s is %s', async (operation, role, expected) => {
    const { body } = await gql(tokens[role], OPERATIONS[operation]!);
    const forbidden = (body.errors ?? []).some((e) => e.extensions?.code === 'FORBIDDEN');
    expect(forbidden ? N : Y).toBe(expected);
    if (expected === Y) expect(body.errors ?? []).toEqual([]);
  });

  it('refuses a request without a token, or with a revoked user’s token, as unauthenticated', async () => {
    for (const token of [undefined, tokens.revoked, 'not-a-token']) {
      const { status, body } = await gql(token, '{ me { role } }');
      expect(status).toBe(401);
      expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  it('scopes rows: an officer sees only its agency’s clues in its units, police the clues sent to its units', async () => {
    const all = await gql(
      tokens.analyst,
      '{ clues(first: 100) { edges { node { clueId transferringAgency reportingUnit toPoliceUnit } } } }',
    );
    type Node = {
      clueId: string;
      transferringAgency: string;
      reportingUnit: string;
      toPoliceUnit: string;
    };
    const nodes = (all.body.data!.clues as { edges: Array<{ node: Node }> }).edges.map(
      (e) => e.node,
    );
    const emergency = await gql(
      tokens.emergency_officer,
      '{ clues(first: 100) { edges { node { clueId } } } }',
    );
    const seen = (
      emergency.body.data!.clues as { edges: Array<{ node: { clueId: string } }> }
    ).edges.map((e) => e.node.clueId);
    expect(seen).toEqual(
      nodes
        .filter((n) => n.transferringAgency === 'emergency' && n.reportingUnit === '310105')
        .map((n) => n.clueId),
    );
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length).toBeLessThan(nodes.length);
    const police = await gql(
      tokens.police_officer,
      '{ clues(first: 100) { edges { node { clueId } } } }',
    );
    expect((police.body.data!.clues as { edges: unknown[] }).edges).toHaveLength(
      nodes.filter((n) => n.toPoliceUnit?.startsWith('31')).length,
    );
    const outside = await gql(
      tokens.emergency_officer,
      '{ form(formId: "shanghai-2024", unit: "310104", period: "2024-08") { unit } }',
    );
    expect(outside.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('pages the ledger with cursors, and caps the page size', async () => {
    const first = await gql(
      tokens.analyst,
      '{ clues(first: 2) { edges { cursor node { clueId } } pageInfo { hasNextPage endCursor } } }',
    );
    const page = first.body.data!.clues as {
      edges: Array<{ node: { clueId: string } }>;
      pageInfo: { hasNextPage: boolean; endCursor: string };
    };
    expect(page.edges).toHaveLength(2);
    expect(page.pageInfo.hasNextPage).toBe(true);
    const next = await gql(
      tokens.analyst,
      'query($after: String) { clues(first: 2, after: $after) { edges { node { clueId } } } }',
      { after: page.pageInfo.endCursor },
    );
    const ids = (next.body.data!.clues as { edges: Array<{ node: { clueId: string } }> }).edges.map(
      (e) => e.node.clueId,
    );
    expect(ids[0]! > page.edges[1]!.node.clueId).toBe(true);
    const tooMany = await gql(tokens.analyst, '{ clues(first: 101) { edges { cursor } } }');
    expect(tooMany.body.errors?.[0]).toMatchObject({
      message: 'first must be between 1 and 100, got 101',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });
});

describe('abusive documents', () => {
  it('refuses too many aliases, too many root fields, and a query too costly', async () => {
    const aliases = `{ me { ${Array.from({ length: 16 }, (_, i) => `a${i}: role`).join(' ')} } }`;
    expect((await gql(tokens.analyst, aliases)).body.errors?.[0]?.message).toMatch(
      /16 aliases; at most 15/,
    );
    const wide = `{ ${Array.from({ length: 11 }, (_, i) => `w${i}: forms { formId }`).join(' ')} }`;
    expect((await gql(tokens.analyst, wide)).body.errors?.[0]?.message).toMatch(
      /11 root fields; at most 10/,
    );
    const heavy = ['a', 'b'].map(
      (a) =>
        `${a}: clues(first: 100) { edges { node { timeline { eventId type agency occurredAt reportingUnit } steps { ruleId labelZh kind party startedAt dueBy endedAt status source } } } }`,
    );
    const costly = await gql(tokens.analyst, `{ ${heavy.join(' ')} }`);
    // Apollo reports every refused document as a validation failure, with our message.
    expect(costly.body.errors?.[0]).toMatchObject({
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    expect(costly.body.errors?.[0]?.message).toMatch(/would cost \d+; at most 20000/);
  });

  it('refuses batched requests and, in production, introspection and stack traces', async () => {
    const batched = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${tokens.analyst}` },
      body: JSON.stringify([{ query: '{ me { role } }' }, { query: '{ me { role } }' }]),
    });
    expect(batched.status).toBe(400);
    expect(await batched.text()).toMatch(/batching/i);
    const introspection = await gql(tokens.analyst, '{ __schema { types { name } } }');
    expect(introspection.body.errors?.[0]?.message).toMatch(/introspection/i);
    const bad = await gql(tokens.analyst, '{ form(formId: "nope", unit: "310000") { unit } }');
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(bad.body.errors?.[0]?.extensions?.stacktrace).toBeUndefined();
  });

  it('refuses a document deeper than the limit, following fragments', () => {
    const deep = parse(
      '{ cases { edges { node { clue { ...Steps } } } } } fragment Steps on Clue { steps { labelZh } }',
    );
    const limits = { ...DEFAULT_LIMITS, maxDepth: 5 };
    expect(validate(buildSchema(), deep, [queryLimitsRule(limits)]).map((e) => e.message)).toEqual([
      'the query is 6 levels deep; at most 5',
    ]);
    expect(validate(buildSchema(), deep, [queryLimitsRule(DEFAULT_LIMITS)])).toEqual([]);
  });
});
