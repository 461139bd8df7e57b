/**
 * GraphQL end to end against a running hub on the demo data: a user token from the CLI,
 * queries over HTTP, a ledger subscription over WebSocket that hears a new transfer, and the
 * offline query page.
 */
import { rmSync } from 'node:fs';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { published } from '@hub/domain/testing';
import {
  createTokens,
  hubCli,
  startHubProcess,
  tempDataDir,
  waitForProjections,
  type HubProcess,
} from '../support/hub-process';

jest.setTimeout(60_000);

let dataDir: string;
let hub: HubProcess;
let analyst: string;
let emergency: string;
const officers: Record<'changning' | 'xuhui', string> = { changning: '', xuhui: '' };

async function gql(query: string) {
  const res = await fetch(`${hub.url}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${analyst}` },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
}

beforeAll(async () => {
  dataDir = tempDataDir();
  expect(hubCli(['demo'], { HUB_DATA_DIR: dataDir }).status).toBe(0);
  emergency = createTokens(dataDir, ['emergency'] as const).emergency;
  const created = hubCli(
    ['user', 'create', '--role', 'analyst', '--name', '专班分析员', '--units', '310000'],
    {
      HUB_DATA_DIR: dataDir,
    },
  );
  expect(created.status).toBe(0);
  analyst = created.stdout.trim().split('\n').pop()!;
  for (const [name, unit] of [
    ['changning', '310105'],
    ['xuhui', '310104'],
  ] as const) {
    const officer = hubCli(
      [
        'user',
        'create',
        '--role',
        'agency_officer',
        '--agency',
        'emergency',
        '--name',
        `执法员${unit}`,
        '--units',
        unit,
      ],
      { HUB_DATA_DIR: dataDir },
    );
    expect(officer.status).toBe(0);
    officers[name] = officer.stdout.trim().split('\n').pop()!;
  }
  hub = await startHubProcess({ HUB_DATA_DIR: dataDir, NODE_ENV: 'production' });
  await waitForProjections(hub.url);
});
afterAll(() => {
  hub?.child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('GraphQL through the hub', () => {
  it('answers the task force: who am I, a form, a ledger page', async () => {
    const result = await gql(`{
      me { name role }
      form(formId: "shanghai-2024", unit: "310000", period: "2024-08") { titleZh periodLabelZh rows { labelZh cells { figureId display headerZh } } }
      clues(first: 3) { edges { node { clueId stage steps { ruleId status } } } pageInfo { hasNextPage } }
    }`);
    expect(result.errors).toBeUndefined();
    expect(result.data!.me).toEqual({ name: '专班分析员', role: 'analyst' });
    const form = result.data!.form as {
      titleZh: string;
      periodLabelZh: string;
      rows: Array<{ labelZh: string; cells: Array<{ headerZh: string }> }>;
    };
    // The title names the actual months; the city's 16 districts, then the total.
    expect(form.titleZh).toBe('2024年7-8月份工作情况统计表');
    expect(form.periodLabelZh).toBe('2024年7-8月');
    expect(form.rows[0]!.labelZh).toBe('黄浦区');
    expect(form.rows[form.rows.length - 1]!.labelZh).toBe('合计');
    expect(form.rows[0]!.cells[0]!.headerZh).toBe('开展执法检查的企业数量(家)');
    expect((result.data!.clues as { edges: unknown[] }).edges).toHaveLength(3);
  });

  it('tells a WebSocket subscriber of a ledger change as soon as a transfer is recorded', async () => {
    const client = createClient({
      url: hub.url.replace('http', 'ws') + '/graphql',
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${analyst}` },
    });
    try {
      const received = new Promise<{ clueId: string; stage: string }>((resolve, reject) => {
        client.subscribe<{ ledgerChanged: { clueId: string; stage: string } }>(
          { query: 'subscription { ledgerChanged { clueId stage } }' },
          {
            next: (msg) => {
              if (msg.data?.ledgerChanged.clueId === 'CL-LIVE-1') resolve(msg.data.ledgerChanged);
            },
            error: reject,
            complete: () => undefined,
          },
        );
      });
      await new Promise((r) => setTimeout(r, 500)); // let the subscription settle
      const before = await gql('{ clue(clueId: "CL-LIVE-1") { clueId } }');
      expect(before.data).toEqual({ clue: null });
      const res = await fetch(`${hub.url}/v1/events`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${emergency}` },
        body: JSON.stringify({
          events: [
            published('ClueTransferred', {
              clueId: 'CL-LIVE-1',
              origin: 'enforcement',
              toPoliceUnit: '310105',
              suspectedOffence: '买卖国家机关证件罪',
              suspects: 1,
              fakeCertificates: 2,
            }),
          ],
        }),
      });
      expect(res.status).toBe(201);
      await expect(received).resolves.toEqual({ clueId: 'CL-LIVE-1', stage: 'transferred' });
      // The same query again is answered anew: the ledger's checkpoint moved (no stale cache).
      const after = await gql('{ clue(clueId: "CL-LIVE-1") { clueId } }');
      expect(after.data).toEqual({ clue: { clueId: 'CL-LIVE-1' } });
    } finally {
      await client.dispose();
    }
  });

  it('tells a subscriber of a step that has just become overdue', async () => {
    const client = createClient({
      url: hub.url.replace('http', 'ws') + '/graphql',
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${analyst}` },
    });
    try {
      const received = new Promise<{ clueId: string; step: { ruleId: string; party: string } }>(
        (resolve, reject) => {
          client.subscribe<{
            newlyOverdue: { clueId: string; step: { ruleId: string; party: string } };
          }>(
            { query: 'subscription { newlyOverdue { clueId step { ruleId party status } } }' },
            {
              next: (msg) => {
                if (msg.data?.newlyOverdue.clueId === 'CL-LATE-1') resolve(msg.data.newlyOverdue);
              },
              error: reject,
              complete: () => undefined,
            },
          );
        },
      );
      await new Promise((r) => setTimeout(r, 500));
      // A transfer recorded today that happened a week ago: the police decision is overdue.
      const res = await fetch(`${hub.url}/v1/events`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${emergency}` },
        body: JSON.stringify({
          events: [
            published(
              'ClueTransferred',
              {
                clueId: 'CL-LATE-1',
                origin: 'enforcement',
                toPoliceUnit: '310105',
                suspectedOffence: '买卖国家机关证件罪',
                suspects: 1,
                fakeCertificates: 1,
              },
              { occurredAt: new Date(Date.now() - 7 * 86_400_000).toISOString() },
            ),
          ],
        }),
      });
      expect(res.status).toBe(201);
      await expect(received).resolves.toMatchObject({
        clueId: 'CL-LATE-1',
        step: { ruleId: 'filing-decision', party: 'police' },
      });
    } finally {
      await client.dispose();
    }
  });

  it('tells an agency officer of its own clues that have just become overdue, and not of others’ (issue 14.5)', async () => {
    type Overdue = { newlyOverdue: { clueId: string; step: { ruleId: string } } };
    const listen = (token: string) => {
      const client = createClient({
        url: hub.url.replace('http', 'ws') + '/graphql',
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
      });
      const seen: string[] = [];
      client.subscribe<Overdue>(
        { query: 'subscription { newlyOverdue { clueId step { ruleId } } }' },
        {
          next: (msg) => void seen.push(msg.data!.newlyOverdue.clueId),
          error: () => undefined,
          complete: () => undefined,
        },
      );
      return { client, seen };
    };
    const changning = listen(officers.changning);
    const xuhui = listen(officers.xuhui);
    try {
      await new Promise((r) => setTimeout(r, 500));
      const weekAgo = new Date(Date.now() - 7 * 86_400_000).toISOString();
      const transfer = (clueId: string, unit: string) =>
        published(
          'ClueTransferred',
          {
            clueId,
            origin: 'enforcement',
            toPoliceUnit: unit,
            suspectedOffence: '买卖国家机关证件罪',
            suspects: 1,
            fakeCertificates: 1,
          },
          { occurredAt: weekAgo, reportingUnit: unit },
        );
      for (const event of [transfer('CL-LATE-CN', '310105'), transfer('CL-LATE-XH', '310104')]) {
        const res = await fetch(`${hub.url}/v1/events`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${emergency}` },
          body: JSON.stringify({ events: [event] }),
        });
        expect(res.status).toBe(201);
      }
      for (let i = 0; i < 100 && !(changning.seen.length && xuhui.seen.length); i++)
        await new Promise((r) => setTimeout(r, 100));
      // Each hears of its own district's clue (the positive control), neither of the other's.
      expect([...new Set(changning.seen)]).toEqual(['CL-LATE-CN']);
      expect([...new Set(xuhui.seen)]).toEqual(['CL-LATE-XH']);
    } finally {
      await changning.client.dispose();
      await xuhui.client.dispose();
    }
  });

  it('refuses a WebSocket without a valid token', async () => {
    const client = createClient({
      url: hub.url.replace('http', 'ws') + '/graphql',
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: 'Bearer nope' },
    });
    const outcome = await new Promise<string>((resolve) => {
      client.subscribe(
        { query: 'subscription { ledgerChanged { clueId } }' },
        {
          next: () => resolve('data'),
          error: () => resolve('refused'),
          complete: () => resolve('complete'),
        },
      );
    });
    expect(outcome).toBe('refused');
    await client.dispose();
  });

  it('serves its query page from the hub itself, with nothing loaded from elsewhere', async () => {
    const res = await fetch(`${hub.url}/graphql/ui`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<textarea id="query"');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\//);
  });
});
