/**
 * An all-in-one hub (`hub start`, role all) in server mode beside a projector process on the
 * same PostgreSQL: projections and checkpoint signing run in one of them only (the projector
 * lease). The hub stands by while the projector is active, its GraphQL subscriptions still hear
 * of the ledger's changes (through PostgreSQL), and it takes over when the projector is killed.
 */
import { rmSync } from 'node:fs';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { published } from '@hub/domain/testing';
import { createTestDatabase } from '@hub/event-store-postgres';
import {
  createTokens,
  hubCli,
  serverKeys,
  startHubProcess,
  startRoleProcess,
  tempDataDir,
  type HubProcess,
} from '../support/hub-process';

jest.setTimeout(180_000);

const adminUrl = process.env.TEST_POSTGRES_URL;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually(check: () => Promise<boolean> | boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await sleep(200);
  }
}

const transfer = (clueId: string) =>
  published('ClueTransferred', {
    clueId,
    origin: 'enforcement',
    toPoliceUnit: '310105',
    suspectedOffence: '买卖国家机关证件罪',
    suspects: 1,
    fakeCertificates: 1,
  });

(adminUrl ? describe : describe.skip)(
  `an all-in-one hub in server mode beside a projector${adminUrl ? '' : ` (skipped: ${process.env.TEST_POSTGRES_SKIP})`}`,
  () => {
    let db: { url: string; drop: () => Promise<void> };
    const dirs: string[] = [];
    const processes: HubProcess[] = [];
    afterAll(async () => {
      for (const p of processes) p.child.kill('SIGKILL');
      await db?.drop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });

    it('stands by while the projector is active (its subscriptions hear of changes all the same) and takes over when it is killed', async () => {
      db = await createTestDatabase(adminUrl!, 'hubstate_allrole');
      const projectorDir = tempDataDir();
      const hubDir = tempDataDir();
      dirs.push(projectorDir, hubDir);
      const env = {
        EVENT_STORE: 'postgres',
        DATABASE_URL: db.url,
        SCREENING_THREADS: '0',
        API_RATE_LIMIT: '100000',
        ...serverKeys(),
      };
      const projector = await startRoleProcess('projector', { ...env, HUB_DATA_DIR: projectorDir });
      processes.push(projector);
      const projectorActive = async () => {
        try {
          const health = (await (await fetch(`${projector.url}/healthz`)).json()) as {
            active?: boolean;
          };
          return health.active === true;
        } catch {
          return false;
        }
      };
      await eventually(projectorActive, 30_000);

      const hubEnv = { ...env, HUB_DATA_DIR: hubDir, LOG_LEVEL: 'info' };
      const hub = await startHubProcess(hubEnv);
      processes.push(hub);
      // From the first line: the lease may say where it stands while the hub starts.
      const leaseLines = () =>
        hub
          .output()
          .split('\n')
          .filter((l) => l.includes('"leaseRole":"projector"') && l.includes('"lease"'))
          .map((l) => (JSON.parse(l) as { lease: string }).lease);
      await eventually(() => leaseLines().includes('standby'), 30_000);

      const emergency = createTokens(hubDir, ['emergency'] as const, '000000', hubEnv).emergency;
      const created = hubCli(
        ['user', 'create', '--role', 'analyst', '--name', '专班分析员', '--units', '310000'],
        hubEnv,
      );
      expect(created.status).toBe(0);
      const analyst = created.stdout.trim().split('\n').pop()!;
      const publish = async (clueId: string) => {
        const res = await fetch(`${hub.url}/v1/events`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${emergency}` },
          body: JSON.stringify({ events: [transfer(clueId)] }),
        });
        expect(res.status).toBe(201);
      };
      const stageOf = async (clueId: string): Promise<string | undefined> => {
        const res = await fetch(`${hub.url}/graphql`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${analyst}` },
          body: JSON.stringify({ query: `{ clue(clueId: "${clueId}") { stage } }` }),
        });
        const body = (await res.json()) as { data?: { clue: { stage: string } | null } };
        return body.data?.clue?.stage;
      };

      // A subscriber on the standing-by hub hears of a transfer the projector process projected.
      const client = createClient({
        url: hub.url.replace('http', 'ws') + '/graphql',
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${analyst}` },
      });
      try {
        const heard = new Promise<string>((resolve, reject) => {
          client.subscribe<{ ledgerChanged: { clueId: string; stage: string } }>(
            { query: 'subscription { ledgerChanged { clueId stage } }' },
            {
              next: (msg) => {
                if (msg.data?.ledgerChanged.clueId === 'CL-ALL-1')
                  resolve(msg.data.ledgerChanged.stage);
              },
              error: reject,
              complete: () => undefined,
            },
          );
        });
        await sleep(500); // let the subscription settle
        await publish('CL-ALL-1');
        await expect(heard).resolves.toBe('transferred');
      } finally {
        await client.dispose();
      }
      expect(await stageOf('CL-ALL-1')).toBe('transferred');
      // Nothing projected here meanwhile: the hub never held the lease.
      expect(leaseLines()).toEqual(['standby']);
      expect(await projectorActive()).toBe(true);

      // Control: the lease is the hub's to take once the projector is gone.
      projector.child.kill('SIGKILL');
      await eventually(() => leaseLines().includes('active'), 15_000);
      expect(leaseLines()).toEqual(['standby', 'active']);
      await publish('CL-ALL-2');
      await eventually(async () => (await stageOf('CL-ALL-2')) === 'transferred', 30_000);
    });
  },
);
