/**
 * Roles as processes on one PostgreSQL: two API processes take writes under load while two
 * projector processes elect one active worker; the active one is killed with kill -9, the
 * other takes over within 10 s, and the read models end equal to a clean rebuild.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import pg from 'pg';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { inspection, published } from '@hub/domain/testing';
import { createTestDatabase } from '@hub/event-store-postgres';
import { PostgresEventStore } from '@hub/event-store-postgres';
import { hubProjections, loadConfig, openVault } from '@hub/hub';
import { PostgresReadModelStore, ProjectionRunner } from '@hub/read-models';
import {
  createTokens,
  HUB_MAIN,
  hubCli,
  startRoleProcess,
  tempDataDir,
  type HubProcess,
} from '../support/hub-process';

jest.setTimeout(120_000);

const adminUrl = process.env.TEST_POSTGRES_URL;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function health(p: HubProcess): Promise<{ active?: boolean } | undefined> {
  try {
    return (await (await fetch(`${p.url}/healthz`)).json()) as { active?: boolean };
  } catch {
    return undefined;
  }
}

(adminUrl ? describe : describe.skip)(
  `roles as processes${adminUrl ? '' : ` (skipped: ${process.env.TEST_POSTGRES_SKIP})`}`,
  () => {
    let db: { url: string; drop: () => Promise<void> };
    let dataDir: string;
    const processes: HubProcess[] = [];
    let apis: HubProcess[] = [];
    let emergency = '';
    beforeAll(async () => {
      db = await createTestDatabase(adminUrl!, 'hub_roles');
      dataDir = tempDataDir();
    });
    afterAll(async () => {
      for (const p of processes) p.child.kill('SIGKILL');
      await db?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('2 API + 2 projector processes: kill -9 the active projector under load, the other takes over, read models equal a clean rebuild', async () => {
      const env = {
        HUB_DATA_DIR: dataDir,
        EVENT_STORE: 'postgres',
        DATABASE_URL: db.url,
        SCREENING_THREADS: '0',
        API_RATE_LIMIT: '100000',
      };
      emergency = createTokens(dataDir, ['emergency'] as const).emergency;
      const projectors = [
        await startRoleProcess('projector', env),
        await startRoleProcess('projector', env),
      ];
      apis = [await startRoleProcess('api', env), await startRoleProcess('api', env)];
      processes.push(...projectors, ...apis);

      let active: HubProcess | undefined;
      for (let i = 0; i < 50 && !active; i++) {
        const states = await Promise.all(projectors.map(health));
        expect(states.filter((s) => s?.active)).not.toHaveLength(2);
        active = projectors.find((_, j) => states[j]?.active);
        if (!active) await sleep(200);
      }
      expect(active).toBeDefined();
      const standby = projectors.find((p) => p !== active)!;

      // Load: the demo campaign straight into the store (ledger, forms) beside batches of
      // inspections over HTTP, spread over both API processes.
      const demo = spawn(process.execPath, [HUB_MAIN, 'demo'], {
        env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
      });
      const demoDone = new Promise<number | null>((r) => demo.once('exit', r));
      let accepted = 0;
      const publish = async (w: number) => {
        for (let i = 0; i < 15; i++) {
          const response = await fetch(`${apis[(w + i) % 2]!.url}/v1/events`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${emergency}` },
            body: JSON.stringify({
              events: Array.from({ length: 20 }, (_, k) =>
                inspection(`INS-${w}-${i}-${k}`, { workersChecked: k + 1 }),
              ),
            }),
          });
          expect(response.status).toBe(201);
          accepted += 20;
        }
      };
      const load = Promise.all(Array.from({ length: 4 }, (_, w) => publish(w)));
      while (accepted < 300) await sleep(20);
      active!.child.kill('SIGKILL');
      const killedAt = Date.now();
      let tookOver = false;
      while (!tookOver && Date.now() - killedAt < 10_000) {
        tookOver = (await health(standby))?.active === true;
        if (!tookOver) await sleep(100);
      }
      expect(tookOver).toBe(true);
      const takeoverMs = Date.now() - killedAt;
      await load;
      expect(await demoDone).toBe(0);
      expect(accepted).toBe(4 * 15 * 20);

      // Everything recorded is projected by the new active projector.
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        const head = (
          await client.query<{ position: string }>('SELECT position FROM event_log_tail')
        ).rows[0]!.position;
        const caughtUp = async () => {
          const { rows } = await client.query<{ behind: string }>(
            'SELECT count(*) AS behind FROM rm_checkpoints WHERE position < $1',
            [head],
          );
          return rows[0]!.behind === '0';
        };
        for (let i = 0; i < 150 && !(await caughtUp()); i++) await sleep(200);
        expect(await caughtUp()).toBe(true);

        // A clean rebuild from the first event into a schema of its own.
        const config = loadConfig(env, dataDir);
        const vault = openVault(config);
        const store = new PostgresEventStore({ connectionString: db.url });
        const rebuilt = new PostgresReadModelStore({ connectionString: db.url, schema: 'rebuild' });
        try {
          await new ProjectionRunner({
            store,
            readModels: rebuilt,
            projections: hubProjections(vault),
          }).catchUp();
        } finally {
          await rebuilt.close();
          await store.close();
          vault.close();
        }
        const differ = async (table: string, columns: string) => {
          const { rows } = await client.query<{ n: string }>(
            `SELECT count(*) AS n FROM ((SELECT ${columns} FROM public.${table} EXCEPT SELECT ${columns} FROM rebuild.${table})
               UNION ALL (SELECT ${columns} FROM rebuild.${table} EXCEPT SELECT ${columns} FROM public.${table})) d`,
          );
          return Number(rows[0]!.n);
        };
        const count = async (table: string) =>
          Number(
            (await client.query<{ n: string }>(`SELECT count(*) AS n FROM public.${table}`))
              .rows[0]!.n,
          );
        expect(await count('rm_documents')).toBeGreaterThan(100);
        expect(await count('rm_facts')).toBeGreaterThan(100);
        expect(await differ('rm_documents', 'collection, key, value')).toBe(0);
        expect(await differ('rm_facts', '*')).toBe(0);
        expect(await differ('rm_checkpoints', 'projection, version, position')).toBe(0);
        // Positive control: the comparison sees a single changed document.
        await client.query(
          `UPDATE rebuild.rm_documents SET value = jsonb_set(value, '{changed}', 'true') WHERE ctid = (SELECT ctid FROM rebuild.rm_documents LIMIT 1)`,
        );
        expect(await differ('rm_documents', 'collection, key, value')).toBe(2);
      } finally {
        await client.end();
      }

      // Both API processes answer from the same read models.
      const ledgers = await Promise.all(
        apis.map(async (api) => {
          const r = await fetch(`${api.url}/v1/ledger/clues`, {
            headers: { Authorization: `Bearer ${emergency}` },
          });
          expect(r.status).toBe(200);
          return r.json();
        }),
      );
      expect(ledgers[0]).toEqual(ledgers[1]);
      console.log(`projector takeover after kill -9 in ${takeoverMs} ms`);
    });
    it('a GraphQL subscriber on one API process hears of a transfer published through the other', async () => {
      expect(apis).toHaveLength(2);
      const created = hubCli(
        ['user', 'create', '--role', 'analyst', '--name', '专班分析员', '--units', '310000'],
        { HUB_DATA_DIR: dataDir },
      );
      expect(created.status).toBe(0);
      const analyst = created.stdout.trim().split('\n').pop()!;
      const client = createClient({
        url: apis[1]!.url.replace('http', 'ws') + '/graphql',
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${analyst}` },
      });
      try {
        const received = new Promise<{ clueId: string; stage: string }>((resolve, reject) => {
          client.subscribe<{ ledgerChanged: { clueId: string; stage: string } }>(
            { query: 'subscription { ledgerChanged { clueId stage } }' },
            {
              next: (msg) => {
                if (msg.data?.ledgerChanged.clueId === 'CL-ROLES-1')
                  resolve(msg.data.ledgerChanged);
              },
              error: reject,
              complete: () => undefined,
            },
          );
        });
        await sleep(500); // let the subscription settle
        const res = await fetch(`${apis[0]!.url}/v1/events`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${emergency}` },
          body: JSON.stringify({
            events: [
              published('ClueTransferred', {
                clueId: 'CL-ROLES-1',
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
        await expect(received).resolves.toEqual({ clueId: 'CL-ROLES-1', stage: 'transferred' });
      } finally {
        await client.dispose();
      }
    });
  },
);
