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
import {
  clockAt,
  DEFAULT_DEADLINE_RULES,
  PROJECTIONS,
  certificateRegistryProjection,
  clueInUnits,
  type ClueLedgerView,
} from '@hub/domain';
import { generateDemoCampaign } from '@hub/demo';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { HubRecorder, publishAsAgencies } from '@hub/ingestion';
import { PersonalDataVault } from '@hub/personal-data';
import { ProjectionRunner, SqliteReadModelStore } from '@hub/read-models';
import { bufferSource, rosterRuns, SqliteScreeningJobStore, screenRoster } from '@hub/certificates';
import type { Role } from './auth/roles.js';
import { UserDirectory } from './auth/users.js';
import { buildSchema, createGraphqlApi } from './server.js';
import { DEFAULT_LIMITS, queryLimitsRule } from './limits/query-limits.js';
import { OPERATION_ROLES } from './auth/policy.js';
import { FIELD_AUDIT } from './audit/audit-plugin.js';
import { memoryAuditTrail, type AuditTrail } from '@hub/audit';

let dir: string;
let server: Server;
let url: string;
let api: Awaited<ReturnType<typeof createGraphqlApi>>;
const closers: Array<() => unknown> = [];
let users: UserDirectory;
let audit: AuditTrail;
let deps: Omit<Parameters<typeof createGraphqlApi>[0], 'users' | 'production'>;
const tokens = {} as Record<Role | 'emergency_officer' | 'police_officer' | 'revoked', string>;

async function gql(
  token: string | undefined,
  query: string,
  variables: object = {},
  at: { url?: string; scheme?: string } = {},
) {
  const res = await fetch(`${at.url ?? url}/graphql`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(token ? { Authorization: `${at.scheme ?? 'Bearer '}${token}` } : {}),
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
  // The demo is recorded as `hub demo` records it, each event shortly after it happened; what
  // this test records itself afterwards gets the clock's time.
  let recordingAt: Date | undefined;
  const store = new SqliteEventStore({
    filename: join(dir, 'events.db'),
    now: () => recordingAt ?? new Date(),
  });
  const readModels = new SqliteReadModelStore(join(dir, 'hub.db'));
  const vault = new PersonalDataVault({ id: 'k1', secret: randomBytes(32) });
  const jobs = new SqliteScreeningJobStore(join(dir, 'hub.db'), join(dir, 'screenings'));
  users = new UserDirectory(join(dir, 'hub.db'), randomBytes(32));
  closers.push(
    () => users.close(),
    () => jobs.close(),
    () => readModels.close(),
    () => store.close(),
  );
  for (const demoEvent of generateDemoCampaign()) {
    recordingAt = new Date(demoEvent.recordedAt);
    await publishAsAgencies(store, [demoEvent], { sealing: vault, clock: clockAt(recordingAt) });
  }
  recordingAt = undefined;
  await new ProjectionRunner({
    store,
    readModels,
    projections: [...PROJECTIONS, certificateRegistryProjection(vault)],
  }).catchUp();
  const make = async (role: Role, extra: object = {}) =>
    (await users.create({ name: role, role, ...extra })).token;
  tokens.analyst = await make('analyst', { units: ['000000'] });
  tokens.procurator = await make('procurator', { units: ['310000'] });
  tokens.agency_officer = await make('agency_officer', { agency: 'market', units: ['310105'] });
  tokens.emergency_officer = await make('agency_officer', {
    agency: 'emergency',
    units: ['310105'],
  });
  tokens.police_officer = await make('agency_officer', { agency: 'police', units: ['310000'] });
  // 静安: the demo's case that reached the court and was judged.
  tokens.court_clerk = await make('court_clerk', { units: ['310106'] });
  tokens.auditor = await make('auditor', { units: ['000000'] });
  const revoked = await users.create({ name: 'gone', role: 'analyst', units: ['310000'] });
  await users.revoke(revoked.id);
  tokens.revoked = revoked.token;
  // A finished screening of the market officer's agency.
  await jobs.create({ id: 'SCR-1', agency: 'market', purpose: '名单比对' });
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
  await jobs.finish('SCR-1', summary);
  audit = memoryAuditTrail();
  deps = {
    audit,
    readModels,
    store,
    recorder: new HubRecorder(store, { sealing: vault }),
    vault,
    jobs,
    deadlineRules: DEFAULT_DEADLINE_RULES,
    overdueCheckMs: 60_000,
  };
  ({ api, server, url } = await serve({ ...deps, users, production: true }));
});

/** A GraphQL API on its own express server on a free port. */
async function serve(options: Parameters<typeof createGraphqlApi>[0]) {
  const api = await createGraphqlApi(options);
  const app = express();
  app.use(api.router);
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return { api, server, url };
}

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
  auditTrail: '{ auditTrail(first: 5) { edges { node { action atShanghai } } } }',
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
  ['auditTrail', N, N, N, N, Y],
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

/** GB/T 2260 containment, written again here so the test does not trust the code it checks. */
const within = (code: string | null | undefined, unit: string) =>
  code !== undefined &&
  code !== null &&
  (unit === '000000' ||
    code === unit ||
    (unit.endsWith('0000') && code.startsWith(unit.slice(0, 2))) ||
    (unit.endsWith('00') && code.startsWith(unit.slice(0, 4))));
const touches = (codes: Array<string | null | undefined>, units: string[]) =>
  codes.some((c) => units.some((u) => within(c, u)));

describe('every role is scoped by its units (issue 14.4): role × operation × unit', () => {
  type Timeline = Array<{ reportingUnit: string }>;
  type ClueNode = {
    clueId: string;
    reportingUnit?: string;
    toPoliceUnit?: string;
    timeline: Timeline;
  };
  type CaseNode = { caseId: string; stage: string; timeline: Timeline };
  const CLUES =
    '{ clues(first: 100) { edges { node { clueId reportingUnit toPoliceUnit timeline { reportingUnit } } } } }';
  const CASES =
    '{ cases(first: 100) { edges { node { caseId stage timeline { reportingUnit } } } } }';
  const WORKLIST = '{ procuratorWorklist { case { caseId timeline { reportingUnit } } } }';
  const ACTIVITY = '{ agencyActivity(from: "2000-01-01", to: "2099-12-31") { agency day total } }';
  const formOf = (unit: string) =>
    `{ form(formId: "shanghai-2024", unit: "${unit}", period: "2024-08") { unit } }`;
  const cellOf = (unit: string) =>
    `{ formCellEvents(formId: "shanghai-2024", figureId: "inspectedEnterprises", unit: "${unit}", period: "2024-08") }`;

  let allClues: ClueNode[];
  let allCases: CaseNode[];
  let allActivity: number;
  beforeAll(async () => {
    const nationwide = (await users.create({ name: 'n', role: 'analyst', units: ['000000'] }))
      .token;
    const clues = await gql(nationwide, CLUES);
    allClues = (clues.body.data!.clues as { edges: Array<{ node: ClueNode }> }).edges.map(
      (e) => e.node,
    );
    const cases = await gql(nationwide, CASES);
    allCases = (cases.body.data!.cases as { edges: Array<{ node: CaseNode }> }).edges.map(
      (e) => e.node,
    );
    const activity = await gql(nationwide, ACTIVITY);
    allActivity = (activity.body.data!.agencyActivity as Array<{ total: number }>).reduce(
      (a, r) => a + r.total,
      0,
    );
    // The demo spans several provinces: otherwise the scopes below could not differ.
    expect(allClues.some((c) => c.reportingUnit?.startsWith('44'))).toBe(true);
    expect(allClues.some((c) => c.reportingUnit?.startsWith('31'))).toBe(true);
  });

  const SCOPES: Array<[string, string[]]> = [
    ['a district (长宁)', ['310105']],
    ['a city (上海)', ['310000']],
    ['another province (广东)', ['440000']],
    ['two districts', ['310105', '440703']],
  ];
  const ROLES: Role[] = ['analyst', 'procurator', 'court_clerk', 'auditor'];

  it.each(ROLES.flatMap((role) => SCOPES.map(([name, units]) => [role, name, units] as const)))(
    '%s of %s sees only rows of its units',
    async (role, _name, units) => {
      const token = (await users.create({ name: `${role}-${units.join('+')}`, role, units })).token;
      const allowed = (op: string) => OPERATION_ROLES[op]!.includes(role);
      if (allowed('clues')) {
        const r = await gql(token, CLUES);
        const seen = (r.body.data!.clues as { edges: Array<{ node: ClueNode }> }).edges.map(
          (e) => e.node.clueId,
        );
        const expected = allClues
          .filter((c) =>
            touches(
              [c.reportingUnit, c.toPoliceUnit, ...c.timeline.map((t) => t.reportingUnit)],
              units,
            ),
          )
          .map((c) => c.clueId);
        expect(seen).toEqual(expected);
        expect(seen.length).toBeLessThan(allClues.length);
      }
      if (allowed('cases')) {
        const r = await gql(token, CASES);
        const seen = (r.body.data!.cases as { edges: Array<{ node: CaseNode }> }).edges.map(
          (e) => e.node.caseId,
        );
        const expected = allCases
          .filter((c) => role !== 'court_clerk' || ['at_court', 'judged'].includes(c.stage))
          .filter((c) =>
            touches(
              c.timeline.map((t) => t.reportingUnit),
              units,
            ),
          )
          .map((c) => c.caseId);
        expect(seen).toEqual(expected);
      }
      if (allowed('procuratorWorklist')) {
        const r = await gql(token, WORKLIST);
        const rows = r.body.data!.procuratorWorklist as Array<{ case: CaseNode }>;
        for (const row of rows)
          expect(
            touches(
              row.case.timeline.map((t) => t.reportingUnit),
              units,
            ),
          ).toBe(true);
      }
      if (allowed('form')) {
        for (const unit of ['310105', '310000', '440000']) {
          const r = await gql(token, formOf(unit));
          const inside = units.some((u) => within(unit, u));
          expect([unit, r.body.errors?.[0]?.extensions?.code ?? 'ok']).toEqual([
            unit,
            inside ? 'ok' : 'FORBIDDEN',
          ]);
        }
      }
      if (allowed('formCellEvents')) {
        const r = await gql(token, cellOf('440000'));
        expect(r.body.errors?.[0]?.extensions?.code ?? 'ok').toBe(
          units.some((u) => within('440000', u)) ? 'ok' : 'FORBIDDEN',
        );
      }
      if (allowed('agencyActivity')) {
        const r = await gql(token, ACTIVITY);
        const total = (r.body.data!.agencyActivity as Array<{ total: number }>).reduce(
          (a, x) => a + x.total,
          0,
        );
        expect(total).toBeLessThan(allActivity);
      }
    },
  );

  it('splits agency activity exactly between the units that make up the country', async () => {
    const sum = async (units: string[]) => {
      const token = (await users.create({ name: 'aud', role: 'auditor', units })).token;
      const r = await gql(token, ACTIVITY);
      return (r.body.data!.agencyActivity as Array<{ total: number }>).reduce(
        (a, x) => a + x.total,
        0,
      );
    };
    // The demo's three provinces: Shanghai, Guangdong, Chongqing.
    const parts = [await sum(['310000']), await sum(['440000']), await sum(['500000'])];
    for (const part of parts) expect(part).toBeGreaterThan(0);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(allActivity);
  });

  it('gives a user without units no rows at all (nothing by role alone)', async () => {
    const nobody = (await users.create({ name: 'x', role: 'analyst', units: ['650000'] })).token;
    const r = await gql(nobody, CLUES);
    expect((r.body.data!.clues as { edges: unknown[] }).edges).toEqual([]);
    await expect(users.create({ name: 'y', role: 'analyst', units: [] })).rejects.toThrow(/unit/);
  });
});

describe('unmasking over GraphQL (issues 14.1, 14.2)', () => {
  const HOLDER = `query($type: String!, $key: String!, $id: ID) {
    certificateHolder(certificateType: $type, registryKey: $key, purpose: "核查涉嫌假证案件", unmaskingId: $id) { idNumber unmaskingId retry }
  }`;
  let construction: { key: string; record: { type: string } };
  let equipment: { key: string };
  const unmaskings = async () =>
    (await deps.store.readAll({ maxCount: 100_000 })).filter(
      (e) => e.type === 'PersonalDataUnmasked',
    ).length;

  beforeAll(async () => {
    const registry = await deps.readModels.listDocuments('certificate-registry');
    const byType = (type: string) => {
      const found = registry.find(
        (d) =>
          (d.value as { type: string; holderSealed?: string }).type === type &&
          (d.value as { holderSealed?: string }).holderSealed,
      );
      if (!found) throw new Error(`no ${type} certificate in the demo`);
      return { key: found.key, record: found.value as { type: string } };
    };
    construction = byType('construction_special_operations');
    equipment = byType('special_equipment');
  });

  it('judges the right on the record: a market officer naming a construction certificate special_equipment gets nothing', async () => {
    const before = await unmaskings();
    const lying = await gql(tokens.agency_officer, HOLDER, {
      type: 'special_equipment',
      key: construction.key,
    });
    expect(lying.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const honest = await gql(tokens.agency_officer, HOLDER, {
      type: 'construction_special_operations',
      key: construction.key,
    });
    expect(honest.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(JSON.stringify([lying.body, honest.body])).not.toMatch(/"idNumber"/);
    expect(await unmaskings()).toBe(before);
    // Positive control: its own agency's certificate opens, on the record.
    const own = await gql(tokens.agency_officer, HOLDER, {
      type: 'special_equipment',
      key: equipment.key,
    });
    expect(own.body.errors).toBeUndefined();
    expect(await unmaskings()).toBe(before + 1);
  });

  it('records every unmasking by the same person of the same holder, each time', async () => {
    const before = await unmaskings();
    const first = await gql(tokens.procurator, HOLDER, {
      type: 'construction_special_operations',
      key: construction.key,
    });
    const again = await gql(tokens.procurator, HOLDER, {
      type: 'construction_special_operations',
      key: construction.key,
    });
    expect([first.body.errors, again.body.errors]).toEqual([undefined, undefined]);
    expect(await unmaskings()).toBe(before + 2);
  });

  it('refuses an unmaskingId reused for another holder, and opens nothing; a true retry opens again, recorded once', async () => {
    const first = await gql(tokens.procurator, HOLDER, {
      type: 'construction_special_operations',
      key: construction.key,
      id: 'GQL-U-1',
    });
    expect(first.body.data?.certificateHolder).toMatchObject({
      unmaskingId: 'GQL-U-1',
      retry: false,
    });
    const before = await unmaskings();
    const retry = await gql(tokens.procurator, HOLDER, {
      type: 'construction_special_operations',
      key: construction.key,
      id: 'GQL-U-1',
    });
    expect(retry.body.data?.certificateHolder).toMatchObject({ retry: true });
    const reused = await gql(tokens.procurator, HOLDER, {
      type: 'special_equipment',
      key: equipment.key,
      id: 'GQL-U-1',
    });
    expect(reused.body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(reused.body.data ?? null).toBeNull();
    expect(await unmaskings()).toBe(before);
  });
});

describe('the GraphQL rate limit counts per verified user (issue 14.8)', () => {
  it('gives no fresh quota for another spelling of the Authorization header', async () => {
    const limited = await serve({ ...deps, users, production: true, rateLimitPerMinute: 3 });
    try {
      const at = (scheme: string) => ({ url: limited.url, scheme });
      const token = (await users.create({ name: 'rl', role: 'analyst', units: ['310000'] })).token;
      const statuses = [];
      for (const scheme of ['Bearer ', 'bearer ', 'BEARER  ', 'Bearer\t'])
        statuses.push((await gql(token, '{ me { role } }', {}, at(scheme))).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      // Another user still has a quota of its own (the positive control).
      const other = (await users.create({ name: 'rl2', role: 'analyst', units: ['310000'] })).token;
      expect((await gql(other, '{ me { role } }', {}, at('Bearer '))).status).toBe(200);
    } finally {
      await limited.api.stop();
      await new Promise((r) => limited.server.close(r));
    }
  });
});

describe('GraphQL errors in production (issue 14.10)', () => {
  it('suggests no field names; outside production it does (the control)', async () => {
    const typo = '{ clus(first: 1) { edges { cursor } } }';
    const production = await gql(tokens.analyst, typo);
    expect(production.body.errors?.[0]?.message).toMatch(/Cannot query field "clus"/);
    expect(JSON.stringify(production.body)).not.toMatch(/Did you mean|clues/);
    const development = await serve({ ...deps, users, production: false });
    try {
      const dev = await gql(tokens.analyst, typo, {}, { url: development.url });
      expect(dev.body.errors?.[0]?.message).toMatch(/Did you mean .*"clues"/);
    } finally {
      await development.api.stop();
      await new Promise((r) => development.server.close(r));
    }
  });

  it('answers a database failure as an internal error, not as the user’s mistake', async () => {
    const failing = Object.create(deps.readModels) as typeof deps.readModels;
    const disk = Object.assign(new Error('SQLITE_IOERR: disk I/O error at /var/lib/hub/hub.db'), {
      code: 'SQLITE_IOERR',
    });
    failing.pageDocuments = () => Promise.reject(disk);
    failing.pageKeys = () => Promise.reject(disk);
    failing.aggregate = () => Promise.reject(disk);
    const broken = await serve({
      ...deps,
      readModels: failing,
      responseCache: false,
      users,
      production: true,
    });
    try {
      for (const query of [
        '{ clues(first: 2) { edges { cursor } } }',
        '{ form(formId: "shanghai-2024", unit: "310000", period: "2024-08") { unit } }',
      ]) {
        const r = await gql(tokens.analyst, query, {}, { url: broken.url });
        expect(r.body.errors?.[0]).toEqual({
          message: 'internal error; the hub log has the details',
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        });
      }
      // The user's own mistake is still named as such (the control).
      const bad = await gql(
        tokens.analyst,
        '{ form(formId: "shanghai-2024", unit: "310000", period: "2024-13") { unit } }',
        {},
        { url: broken.url },
      );
      expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    } finally {
      await broken.api.stop();
      await new Promise((r) => broken.server.close(r));
    }
  });
});

describe('the audit trail over GraphQL (issue 15.3)', () => {
  const TRAIL = `query($filter: AuditFilter, $after: String) {
    auditTrail(filter: $filter, first: 100, after: $after) {
      edges { node { action atShanghai actionLabel purpose
        actor { kind id role units } subject { field holderKey registryKey view count args { name value } }
        from { ip } result { outcome code } hash } }
      pageInfo { hasNextPage endCursor } } }`;
  type Node = {
    action: string;
    purpose: string | null;
    actor: { kind: string; id: string; role: string | null };
    subject: {
      field: string | null;
      holderKey: string | null;
      view: string | null;
      count: number | null;
      args: Array<{ name: string; value: string }> | null;
    };
    result: { outcome: string; code: string | null };
  };
  const trail = async (filter: object, token = tokens.auditor) => {
    const r = await gql(token, TRAIL, { filter });
    expect(r.body.errors).toBeUndefined();
    return (r.body.data!.auditTrail as { edges: Array<{ node: Node }> }).edges.map((e) => e.node);
  };
  const me = async (token: string) =>
    ((await gql(token, '{ me { userId } }')).body.data!.me as { userId: string }).userId;

  it('gives the auditor role, and only it, the trail (the matrix says so too)', () => {
    expect(OPERATION_ROLES.auditTrail).toEqual(['auditor']);
  });

  it('says for every root field of the schema whether and how it is audited', () => {
    const fields = Object.keys(buildSchema().getQueryType()!.getFields()).sort();
    expect(Object.keys(FIELD_AUDIT).sort()).toEqual(fields);
  });

  it('records each read with the viewer, the field, its arguments and the rows given out, from the cache or not', async () => {
    const analyst = await me(tokens.analyst);
    const query = '{ clues(first: 3, filter: { status: "open" }) { edges { cursor } } }';
    const given = await gql(tokens.analyst, query);
    await gql(tokens.analyst, query); // answered from the response cache: a read all the same
    const rows = (given.body.data!.clues as { edges: unknown[] }).edges.length;
    expect(rows).toBeGreaterThan(0);
    const reads = (await trail({ actorId: analyst, action: 'export.ledger' })).filter(
      (n) => n.subject.field === 'clues' && n.subject.args?.some((a) => a.value === 'open'),
    );
    expect(reads.length).toBeGreaterThanOrEqual(2);
    expect(reads[0]).toMatchObject({
      actor: { kind: 'user', id: analyst, role: 'analyst' },
      subject: { view: 'clues', count: rows },
      result: { outcome: 'ok', code: null },
    });
  });

  it('records a refusal by role with its code', async () => {
    const clerk = await me(tokens.court_clerk);
    await gql(tokens.court_clerk, OPERATIONS.form!);
    const [refused] = await trail({ actorId: clerk, action: 'export.form' });
    expect(refused).toMatchObject({ result: { outcome: 'refused', code: 'FORBIDDEN' } });
  });

  it('records a refused sign-in without the token, and the revoked user a valid token names', async () => {
    const forged = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    await gql(forged, '{ me { role } }');
    await gql(tokens.revoked, '{ me { role } }');
    const failed = await trail({ action: 'auth.failed' });
    expect(failed.map((n) => n.result.code)).toEqual(
      expect.arrayContaining(['INVALID_TOKEN', 'USER_UNKNOWN_OR_REVOKED']),
    );
    expect(failed.find((n) => n.result.code === 'USER_UNKNOWN_OR_REVOKED')!.actor.id).not.toBe(
      'anonymous',
    );
    const everything = JSON.stringify(await audit.query({}, { first: 100 }));
    expect(everything).not.toContain(forged);
    expect(everything).not.toContain(tokens.revoked);
  });

  it('names a checked person by the match key of the ID number given, never the number', async () => {
    const id = '11010519491231002X';
    await gql(
      tokens.analyst,
      `{ verifyCertificate(input: { certificateType: "special_operations", number: "T${id}", holderIdNumber: "${id}" }) { result } }`,
    );
    const [check] = await trail({ holderIdNumber: id, action: 'certificate.verify' });
    expect(check?.subject.holderKey).toBe(deps.vault.matchKey(id));
    expect(JSON.stringify(await audit.query({}, { first: 100 }))).not.toContain(id.slice(6, 14));
  });

  it('shows an auditor only the records of its units', async () => {
    const officer = await me(tokens.emergency_officer); // units 310105
    await gql(tokens.emergency_officer, OPERATIONS.clues!);
    const shanghai = (await users.create({ name: 'a-sh', role: 'auditor', units: ['310000'] }))
      .token;
    const guangdong = (await users.create({ name: 'a-gd', role: 'auditor', units: ['440000'] }))
      .token;
    expect((await trail({ actorId: officer }, shanghai)).length).toBeGreaterThan(0);
    expect(await trail({ actorId: officer }, guangdong)).toEqual([]);
  });

  it('refuses a filter it cannot read without repeating it', async () => {
    const r = await gql(tokens.auditor, TRAIL, {
      filter: { holderIdNumber: '110105194912310021' },
    });
    expect(r.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(r.body)).not.toContain('110105194912310021');
    const unknown = await gql(tokens.auditor, TRAIL, { filter: { action: 'export.nothing' } });
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('forms, the ledger and the worklist for any period and as of an instant (issue 17)', () => {
  const REFERENCE = '2024-11-15T12:00:00+08:00';

  it('titles a form with its actual months, and takes any range of days with each cell’s printed header', async () => {
    const named = await gql(
      tokens.analyst,
      '{ form(formId: "shanghai-2024", unit: "310000", period: "2024-08") { titleZh periodNoteZh rows { labelZh kind serial } } }',
    );
    const form = named.body.data!.form as {
      titleZh: string;
      periodNoteZh: string;
      rows: Array<{ labelZh: string; kind: string; serial: number | null }>;
    };
    expect(form.titleZh).toBe('2024年7-8月份工作情况统计表');
    expect(form.periodNoteZh).toContain('按截至报送月的两个月理解');
    expect(form.rows.slice(0, 2)).toEqual([
      { labelZh: '黄浦区', kind: 'unit', serial: 1 },
      { labelZh: '徐汇区', kind: 'unit', serial: 2 },
    ]);
    const range = await gql(
      tokens.analyst,
      '{ form(formId: "guangdong-2018", unit: "440700", from: "2024-09-01", to: "2024-09-15") { titleZh dueOn columns { headerZh from to } rows { cells { headerZh columnZh display } } } }',
    );
    expect(range.body.errors).toBeUndefined();
    expect(range.body.data!.form).toMatchObject({
      titleZh: '广东省打击假冒特种作业操作证专项治理情况统计表（2024年9月1日至9月15日）',
      dueOn: null,
      columns: [
        { headerZh: '本期数据', from: '2024-09-01', to: '2024-09-15' },
        { headerZh: '累计数据', from: '2018-07-10', to: '2024-09-15' },
      ],
    });
  });

  it('lists each form’s lines with the headers as printed', async () => {
    const r = await gql(
      tokens.analyst,
      '{ forms { formId namedPeriodZh bimonthlyReading lines { groupZh figures { figureId headerZh subHeaderZh unit decimals } } } }',
    );
    const forms = r.body.data!.forms as Array<{
      formId: string;
      bimonthlyReading: string | null;
      lines: Array<{
        figures: Array<{ headerZh: string; subHeaderZh: string | null; decimals: number | null }>;
      }>;
    }>;
    const shanghai = forms.find((f) => f.formId === 'shanghai-2024')!;
    expect(shanghai.bimonthlyReading).toBe('ending');
    const figures = shanghai.lines.flatMap((l) => l.figures);
    expect(figures.find((f) => f.headerZh === '罚款金额(万元)')?.decimals).toBe(2);
    expect(figures.filter((f) => f.subHeaderZh).map((f) => f.subHeaderZh)).toEqual(['件', '人']);
  });

  it('refuses a unit that exists nowhere with the code of the one check', async () => {
    const r = await gql(
      tokens.analyst,
      '{ form(formId: "shanghai-2024", unit: "310150", period: "2024-08") { unit } }',
    );
    expect(r.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(r.body.errors?.[0]?.message).toMatch(/^未知的行政区划代码 310150/);
  });

  it('judges due and overdue at asOf, and shows the worklist as it stood', async () => {
    const clues = await gql(
      tokens.analyst,
      `{ clues(first: 100, asOf: "${REFERENCE}", filter: { due: "overdue" }) { edges { node { clueId } } } }`,
    );
    expect(
      (clues.body.data!.clues as { edges: Array<{ node: { clueId: string } }> }).edges.map(
        (e) => e.node.clueId,
      ),
    ).toEqual(['CLUE-440703-2', 'CLUE-CYBER-1']);
    const early = await gql(
      tokens.procurator,
      '{ procuratorWorklist(asOf: "2024-11-01T00:00:00+08:00") { reasons case { caseId } } }',
    );
    const then = await gql(
      tokens.procurator,
      `{ procuratorWorklist(asOf: "${REFERENCE}") { reasons } }`,
    );
    const reasons = (r: typeof then) =>
      (r.body.data!.procuratorWorklist as Array<{ reasons: string[] }>).flatMap((w) => w.reasons);
    expect(reasons(early)).not.toContain('awaiting_reply_to_opinion');
    expect(reasons(then)).toContain('awaiting_reply_to_opinion');
    const bad = await gql(
      tokens.analyst,
      '{ clue(clueId: "CLUE-310105-1", asOf: "2024-11-15") { clueId } }',
    );
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('verifies a certificate named by its Chinese type', async () => {
    const r = await gql(
      tokens.analyst,
      '{ verifyCertificate(input: { certificateType: "建筑施工特种作业操作资格证", number: "沪A012099000001" }) { result evidence } }',
    );
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data!.verifyCertificate).toMatchObject({ result: 'unknown_number' });
  });
});

describe('a form cell’s events with their content, personal data masked (issue 16)', () => {
  const FORM = `{ form(formId: "shanghai-2024", unit: "310000", period: "2024-08") {
    rows { unit cells { figureId column value } } } }`;
  const CONTENTS = `query($unit: String!, $figureId: ID!, $column: Int) {
    formCellEventContents(formId: "shanghai-2024", figureId: $figureId, unit: $unit, period: "2024-08", column: $column) {
      eventId type typeZh agency reportingUnit occurredAt recordedAt recordedLate data } }`;
  type Content = {
    eventId: string;
    type: string;
    typeZh: string;
    occurredAt: string;
    data: string;
  };
  // The ID numbers the demo published, in clear as the agencies sent them (before sealing).
  const published = new Map(
    generateDemoCampaign().map((d) => [d.event.id, JSON.stringify(d.event.data)]),
  );
  const idNumbersIn = (text: string) => text.match(/[1-9]\d{16}[\dX]/g) ?? [];

  it('shows each event’s type, times and data, sealed ID numbers masked and never opened', async () => {
    const form = await gql(tokens.analyst, FORM);
    expect(form.body.errors).toBeUndefined();
    const rows = (
      form.body.data!.form as {
        rows: Array<{
          unit: string;
          cells: Array<{ figureId: string; column: number; value: string }>;
        }>;
      }
    ).rows;
    const cells = rows
      .filter((r) => /^31\d{4}$/.test(r.unit))
      .flatMap((r) => r.cells.filter((c) => c.value !== '0').map((c) => ({ unit: r.unit, ...c })));
    let shown: Content[] = [];
    let withId: { event: Content; clear: string } | undefined;
    for (const cell of cells) {
      const r = await gql(tokens.analyst, CONTENTS, cell);
      expect(r.body.errors).toBeUndefined();
      shown = r.body.data!.formCellEventContents as Content[];
      const event = shown.find((e) => idNumbersIn(published.get(e.eventId) ?? '').length > 0);
      if (event) {
        withId = { event, clear: idNumbersIn(published.get(event.eventId)!)[0]! };
        break;
      }
    }
    // Positive control: the demo published this ID number in clear, behind this cell.
    expect(withId).toBeDefined();
    const { event, clear } = withId!;
    expect(published.get(event.eventId)).toContain(clear);
    expect(event.typeZh).not.toBe(event.type);
    expect(event.occurredAt).toMatch(/^20\d\d-\d\d-\d\d \d\d:\d\d$/);
    // Shown: the masked number, marked sealed; never the number, nor the sealed value.
    expect(event.data).toContain(
      `${clear.slice(0, 6)}${'*'.repeat(8)}${clear.slice(-4)}（已加密）`,
    );
    expect(JSON.stringify(shown)).not.toContain(clear);
    expect(JSON.stringify(shown)).not.toContain('pii1:');
  });

  it('keeps the drill-down’s units and puts the reading on the audit record', async () => {
    const args = { unit: '440000', figureId: 'inspectedEnterprises', column: 0 };
    const outside = await gql(tokens.procurator, CONTENTS, args);
    expect(outside.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // Positive control: the same query inside the procurator's units answers.
    const inside = await gql(tokens.procurator, CONTENTS, { ...args, unit: '310105' });
    expect(inside.body.errors).toBeUndefined();
    expect(Array.isArray(inside.body.data!.formCellEventContents)).toBe(true);
    const denied = await gql(tokens.agency_officer, CONTENTS, { ...args, unit: '310105' });
    expect(denied.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const { records } = await audit.query({ action: 'export.drilldown' }, { first: 1000 });
    const content = records.filter(
      (r) => (r.subject as { view?: string } | undefined)?.view === 'content',
    );
    expect(content.map((r) => r.result.outcome)).toEqual(expect.arrayContaining(['ok', 'refused']));
  });
});

describe('ledger pages of a viewer with units come from the ledger’s unit index (issue 18)', () => {
  interface Row {
    clueId: string;
    reportingUnit: string | null;
    toPoliceUnit: string | null;
    timeline: Array<{ reportingUnit: string }>;
  }
  /** Every clue a token sees, page after page of `first`. */
  async function allPages(token: string, first: number): Promise<Row[]> {
    const rows: Row[] = [];
    let after: string | null = null;
    for (;;) {
      const { body } = await gql(
        token,
        `query($first: Int, $after: String) { clues(first: $first, after: $after) {
          edges { node { clueId reportingUnit toPoliceUnit timeline { reportingUnit } } }
          pageInfo { hasNextPage endCursor } } }`,
        { first, after },
      );
      expect(body.errors).toBeUndefined();
      const page = body.data!.clues as {
        edges: Array<{ node: Row }>;
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
      rows.push(...page.edges.map((e) => e.node));
      if (!page.pageInfo.hasNextPage) return rows;
      after = page.pageInfo.endCursor;
    }
  }

  it('gives each scope, page by page, exactly the clues of the whole ledger in its units, in the same order', async () => {
    const everything = await allPages(tokens.analyst, 3);
    const seen = (units: string[]) =>
      everything
        .filter((c) =>
          clueInUnits(units, {
            ...(c.reportingUnit ? { reportingUnit: c.reportingUnit } : {}),
            ...(c.toPoliceUnit ? { toPoliceUnit: c.toPoliceUnit } : {}),
            timeline: c.timeline as ClueLedgerView['timeline'],
          }),
        )
        .map((c) => c.clueId);
    const districts = [...new Set(everything.map((c) => c.reportingUnit ?? ''))].filter(Boolean);
    const scopes = [
      [districts[0]!],
      // Two districts: the index's two ranges merged in clue order.
      districts.slice(0, 2),
      // A city and one of its districts: a clue under both is listed once.
      [`${districts[0]!.slice(0, 4)}00`, districts[0]!],
      [`${districts[0]!.slice(0, 2)}0000`],
      ['440305'],
    ];
    const sizes: number[] = [];
    for (const [i, units] of scopes.entries()) {
      const { token } = await users.create({ name: `scope${i}`, role: 'analyst', units });
      const ids = (await allPages(token, 2)).map((c) => c.clueId);
      expect({ units, ids }).toEqual({ units, ids: seen(units) });
      sizes.push(ids.length);
    }
    // The control: the scopes see different, non-trivial parts of the ledger.
    expect(everything.length).toBeGreaterThan(3);
    expect(sizes[0]).toBeGreaterThan(0);
    expect(sizes[0]).toBeLessThan(everything.length);
    expect(sizes[4]).toBe(0);
  });
});

describe('optional arguments sent as null', () => {
  it.each([
    [
      'clues',
      tokensOf('analyst'),
      '{ clues(filter: null, first: null, after: null, asOf: null) { edges { cursor } } }',
    ],
    ['clue', tokensOf('analyst'), '{ clue(clueId: "none", asOf: null) { clueId } }'],
    [
      'cases',
      tokensOf('procurator'),
      '{ cases(stage: null, first: null, after: null) { edges { cursor } } }',
    ],
    [
      'procuratorWorklist',
      tokensOf('procurator'),
      '{ procuratorWorklist(asOf: null) { reasons } }',
    ],
    [
      'form',
      tokensOf('analyst'),
      '{ form(formId: "shanghai-2024", unit: "310000", period: "2024-08", from: null, to: null, asOf: null) { periodLabelZh } }',
    ],
    [
      'screeningResults',
      tokensOf('agency_officer'),
      '{ screeningResults(screeningId: "SCR-1", first: null, after: null) { edges { node { line } } } }',
    ],
    [
      'auditTrail',
      tokensOf('auditor'),
      '{ auditTrail(filter: null, first: null, after: null) { edges { node { action } } } }',
    ],
  ])('%s takes them as not given', async (_field, token, query) => {
    const { status, body } = await gql(token(), query);
    expect({ status, errors: body.errors }).toEqual({ status: 200, errors: undefined });
  });

  it('still refuses a value that is given and wrong (the control)', async () => {
    const { body } = await gql(
      tokens.analyst,
      '{ clues(after: "x", asOf: "tomorrow") { edges { cursor } } }',
    );
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

/** A token read when the test runs (tokens are made in beforeAll). */
function tokensOf(role: keyof typeof tokens) {
  return () => tokens[role];
}
