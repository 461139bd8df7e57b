/**
 * Server mode on PostgreSQL (EVENT_STORE=postgres, DATABASE_URL): the events and the read
 * models in a database of this test's own, the hub's commands and its HTTP API on top.
 */
import { rmSync } from 'node:fs';
import { inspection } from '@hub/domain/testing';
import { createTestDatabase } from '@hub/event-store-postgres';
import {
  createTokens,
  hubCli,
  serverKeys,
  startHubProcess,
  tempDataDir,
  type HubProcess,
} from '../support/hub-process';

jest.setTimeout(60_000);

const adminUrl = process.env.TEST_POSTGRES_URL;

(adminUrl ? describe : describe.skip)(
  `server mode on PostgreSQL${adminUrl ? '' : ` (skipped: ${process.env.TEST_POSTGRES_SKIP})`}`,
  () => {
    let db: { url: string; drop: () => Promise<void> };
    let dataDir: string;
    let env: Record<string, string>;
    let hub: HubProcess | undefined;
    beforeAll(async () => {
      db = await createTestDatabase(adminUrl!, 'hub_server_mode');
      dataDir = tempDataDir();
      env = {
        HUB_DATA_DIR: dataDir,
        EVENT_STORE: 'postgres',
        DATABASE_URL: db.url,
        ...serverKeys(),
      };
    });
    afterAll(async () => {
      hub?.child.kill('SIGTERM');
      if (hub) await new Promise((r) => hub!.child.once('exit', r));
      await db?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('loads the demo, verifies its chain and prints a form from PostgreSQL alone', () => {
      const demo = hubCli(['demo'], env);
      expect(demo.status).toBe(0);
      expect(demo.stdout).toMatch(/新写入 (\d+)，已存在 0/);
      const verify = hubCli(['verify'], env);
      expect(verify.stderr).toBe('');
      expect(verify.status).toBe(0);
      expect(verify.stdout).toMatch(/核验记录 records checked: [1-9]\d+/);
      expect(verify.stdout).toMatch(/链头 head: position \d+ sha256:[0-9a-f]{64}/);
      const report = hubCli(
        ['report', 'shanghai-2024', '--unit', '310000', '--period', '2024-08'],
        env,
      );
      expect(report.status).toBe(0);
      const total = report.stdout.split('\n').find((l) => l.startsWith(',合计,'))!;
      expect(
        total
          .split(',')
          .slice(2)
          .some((cell) => Number(cell) > 0),
      ).toBe(true);
    });

    it('publishes over HTTP into PostgreSQL; the same batch again writes nothing', async () => {
      const { emergency } = createTokens(dataDir, ['emergency'] as const, '000000', env);
      hub = await startHubProcess(env);
      const body = JSON.stringify({ events: [inspection(`I-server-${Date.now()}`)] });
      const publish = () =>
        fetch(`${hub!.url}/v1/events`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${emergency}` },
          body,
        });
      const first = await publish();
      expect(first.status).toBe(201);
      const { streams } = (await first.json()) as { streams: Array<{ position: string }> };
      const again = await publish();
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({
        streams: [{ duplicate: true, position: streams[0]!.position }],
      });
      expect((await fetch(`${hub.url}/readyz`)).status).toBe(200);
    });

    it('refuses EVENT_STORE=postgres without DATABASE_URL, server mode without its shared keys, an unreachable server, and a role without PostgreSQL or unknown, naming what', () => {
      const missing = hubCli(['demo'], { HUB_DATA_DIR: dataDir, EVENT_STORE: 'postgres' });
      expect(missing.status).toBe(2);
      expect(missing.stderr).toMatch(/EVENT_STORE=postgres needs DATABASE_URL/);
      const keyless = hubCli(['start', '--role', 'api'], {
        HUB_DATA_DIR: dataDir,
        EVENT_STORE: 'postgres',
        DATABASE_URL: db.url,
      });
      expect(keyless.status).toBe(2);
      expect(keyless.stderr).toMatch(
        /服务器模式.*HUB_PII_KEY（或 HUB_PII_KEY_FILE）.*needs HUB_PII_KEY, HUB_JWT_SECRET, HUB_SIGNING_KEY/,
      );
      const unreachable = hubCli(['demo'], {
        ...serverKeys(),
        HUB_DATA_DIR: dataDir,
        EVENT_STORE: 'postgres',
        DATABASE_URL: 'postgres://hub:secret@127.0.0.1:1/hub',
      });
      expect(unreachable.status).toBe(2);
      expect(unreachable.stderr).toMatch(
        /DATABASE_URL=postgres:\/\/\*\*\*@127\.0\.0\.1:1\/hub cannot be reached/,
      );
      expect(unreachable.stderr).not.toContain('secret');
      const apiAlone = hubCli(['start', '--role', 'api'], { HUB_DATA_DIR: dataDir });
      expect(apiAlone.status).toBe(2);
      expect(apiAlone.stderr).toMatch(/--role api needs DATABASE_URL/);
      const unknownRole = hubCli(['start', '--role', 'worker'], { HUB_DATA_DIR: dataDir });
      expect(unknownRole.status).toBe(2);
      expect(unknownRole.stderr).toMatch(/--role must be one of all\|api\|projector\|bridge/);
    });
  },
);
