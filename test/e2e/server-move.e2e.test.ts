/**
 * `hub migrate to-postgres`: an embedded hub (its data directory) moved into server mode, run
 * as an operator runs it. The history must verify in PostgreSQL against the checkpoints signed
 * before the move, and credentials and users keep working on an API process of server mode;
 * every refusal writes nothing, each beside the run that succeeds.
 */
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createTestDatabase, PostgresEventStore } from '@hub/event-store-postgres';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { loadConfig, openVault } from '@hub/hub';
import {
  hubCli,
  serverKeys,
  startRoleProcess,
  tempDataDir,
  type HubProcess,
} from '../support/hub-process';

jest.setTimeout(180_000);

const adminUrl = process.env.TEST_POSTGRES_URL;

/** Server mode on `url`, with the data directory's own keys (what the move requires). */
const serverEnv = (dataDir: string, url: string): Record<string, string> => ({
  HUB_DATA_DIR: dataDir,
  EVENT_STORE: 'postgres',
  DATABASE_URL: url,
  HUB_PII_KEY_FILE: join(dataDir, 'pii.key'),
  HUB_JWT_SECRET_FILE: join(dataDir, 'jwt.key'),
  HUB_SIGNING_KEY_FILE: join(dataDir, 'hub-signing.key'),
  SCREENING_THREADS: '0',
  LOG_LEVEL: 'warn',
});

async function count(url: string, table: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const exists = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [table]);
    if (!exists.rows[0]?.t) return 0;
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}

const embeddedEvents = (dataDir: string) => {
  const db = new Database(join(dataDir, 'events.db'), { readonly: true });
  try {
    return db.prepare<[], number>('SELECT count(*) FROM events').pluck().get()!;
  } finally {
    db.close();
  }
};

/** An embedded hub with history, a credential, a user, a signed checkpoint and audit records. */
function embeddedHub(): {
  dataDir: string;
  agencyToken: string;
  userToken: string;
  checkpoint: string;
} {
  const dataDir = tempDataDir();
  const env = { HUB_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  expect(hubCli(['demo'], env).status).toBe(0);
  const token = hubCli(['token', 'create', '--agency', 'emergency', '--units', '000000'], env);
  const user = hubCli(
    ['user', 'create', '--role', 'analyst', '--name', '张三', '--units', '310000'],
    env,
  );
  const checkpoint = join(dataDir, 'agency-kept-checkpoint.json');
  expect(hubCli(['verify', 'checkpoint', '--out', checkpoint], env).status).toBe(0);
  return {
    dataDir,
    agencyToken: token.stdout.trim().split('\n').pop()!,
    userToken: user.stdout.trim().split('\n').pop()!,
    checkpoint,
  };
}

(adminUrl ? describe : describe.skip)(
  `moving an embedded hub into server mode${adminUrl ? '' : ` (skipped: ${process.env.TEST_POSTGRES_SKIP})`}`,
  () => {
    const databases: Array<{ url: string; drop: () => Promise<void> }> = [];
    const dirs: string[] = [];
    const processes: HubProcess[] = [];
    let hub: ReturnType<typeof embeddedHub>;
    const database = async () => {
      const db = await createTestDatabase(adminUrl!, 'hub_move');
      databases.push(db);
      return db.url;
    };
    beforeAll(() => {
      hub = embeddedHub();
      dirs.push(hub.dataDir);
    });
    afterAll(async () => {
      for (const p of processes) p.child.kill('SIGKILL');
      for (const db of databases) await db.drop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });

    it('refuses keys other than the data directory’s and writes nothing; with its keys, moves history and state so that everything verifies and works in server mode', async () => {
      const url = await database();
      const wrongKeys = {
        ...serverEnv(hub.dataDir, url),
        HUB_PII_KEY_FILE: '',
        HUB_JWT_SECRET_FILE: '',
        HUB_SIGNING_KEY_FILE: '',
        ...serverKeys(),
      };
      const refused = hubCli(['migrate', 'to-postgres'], wrongKeys);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toContain('HUB_PII_KEY');
      expect(refused.stderr).toContain('HUB_SIGNING_KEY');
      expect(await count(url, 'event_log')).toBe(0);
      expect(await count(url, 'hub_credentials')).toBe(0);

      const env = serverEnv(hub.dataDir, url);
      const moved = hubCli(['migrate', 'to-postgres'], env);
      expect(moved.stderr).toBe('');
      expect(moved.status).toBe(0);
      const events = embeddedEvents(hub.dataDir);
      expect(events).toBeGreaterThan(100);
      expect(moved.stdout).toContain(`copied ${events}`);
      expect(await count(url, 'event_log')).toBe(events);
      expect(await count(url, 'hub_credentials')).toBe(1);
      expect(await count(url, 'hub_users')).toBe(1);

      // The data subjects' keys moved too (vault.db is gone): an ID number sealed before the
      // move opens in server mode.
      expect(existsSync(join(hub.dataDir, 'vault.db'))).toBe(false);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const { rows } = await client.query<{ data: string }>(
        "SELECT data FROM event_log WHERE type = 'CertificateIssued' ORDER BY position LIMIT 1",
      );
      await client.end();
      const sealed = (JSON.parse(rows[0]!.data) as { holder: { idNumber: string } }).holder
        .idNumber;
      const masked = sealed.split(':')[4]!;
      const vault = await openVault(loadConfig({ ...process.env, ...env }));
      try {
        const opened = await vault.unseal(sealed);
        expect(opened).toMatch(/^\d{17}[\dX]$/);
        expect(`${opened.slice(0, 6)}********${opened.slice(-4)}`).toBe(masked);
      } finally {
        await vault.close();
      }

      // The history verifies in PostgreSQL against the checkpoint an agency kept before the
      // move and the one the hub stored, and the audit trail (with the move's record) holds.
      const verified = hubCli(['verify', '--checkpoint', hub.checkpoint], env);
      expect(verified.status).toBe(0);
      expect(verified.stdout).toContain('checkpoints matched: 2 of 2');
      expect(verified.stdout).toContain('the history is intact');
      expect(verified.stdout).toContain('the audit trail is intact');

      // The credential and the user issued by the embedded hub work on a server-mode process.
      const api = await startRoleProcess('api', { ...env, API_RATE_LIMIT: '100000' });
      processes.push(api);
      const publish = (token: string) =>
        fetch(`${api.url}/v1/events`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body: JSON.stringify({
            events: [
              {
                id: '6f1d2c3b-0a9e-4d8c-9b7a-1e2f3a4b5c6d',
                type: 'InspectionConducted',
                schemaVersion: 1,
                reportingUnit: '310105',
                occurredAt: '2024-11-14T10:00:00+08:00',
                actor: { officerId: 'move-test' },
                data: {
                  inspectionId: 'INS-MOVE-1',
                  subjectKind: 'employer',
                  subject: { creditCode: '914403001922038216', name: '示例机械有限公司' },
                  method: 'special',
                  inspectedOn: '2024-11-14',
                  workersChecked: 3,
                },
              },
            ],
          }),
        });
      expect((await publish('not-a-token')).status).toBe(401);
      expect((await publish(hub.agencyToken)).status).toBe(201);
      const graphql = (token: string) =>
        fetch(`${api.url}/graphql`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: '{ me { role } }' }),
        });
      expect((await graphql('not-a-token')).status).toBe(401);
      const me = await graphql(hub.userToken);
      expect(me.status).toBe(200);
      expect(await me.json()).toEqual({
        data: { me: { role: 'analyst' } },
      });

      // Run again once server mode has written: refused, and nothing changes.
      const again = hubCli(['migrate', 'to-postgres'], env);
      expect(again.status).toBe(2);
      expect(again.stderr).toContain('the move is done');
      expect(await count(url, 'event_log')).toBe(events + 1);
      expect(await count(url, 'hub_credentials')).toBe(1);
    });

    it('goes on where an interrupted move stopped', async () => {
      const url = await database();
      // The first 100 records, as a move interrupted after its first page would leave them.
      const source = new SqliteEventStore({ filename: join(hub.dataDir, 'events.db') });
      const target = new PostgresEventStore({ connectionString: url });
      await target.importStored(source.readStored(undefined, 100));
      await source.close();
      await target.close();

      const env = serverEnv(hub.dataDir, url);
      const moved = hubCli(['migrate', 'to-postgres'], env);
      expect(moved.status).toBe(0);
      const events = embeddedEvents(hub.dataDir);
      expect(moved.stdout).toContain(`copied ${events - 100}，已有 already there 100`);
      const verified = hubCli(['verify', '--checkpoint', hub.checkpoint], env);
      expect(verified.stdout).toContain('the history is intact');
      expect(verified.stdout).toContain('checkpoints matched: 2 of 2');
    });

    it('refuses a database that holds another hub’s history, and writes nothing', async () => {
      const url = await database();
      const other = embeddedHub();
      dirs.push(other.dataDir);
      // Control: the other hub moves into the empty database.
      expect(hubCli(['migrate', 'to-postgres'], serverEnv(other.dataDir, url)).status).toBe(0);
      const held = await count(url, 'event_log');
      expect(held).toBe(embeddedEvents(other.dataDir));

      const refused = hubCli(['migrate', 'to-postgres'], serverEnv(hub.dataDir, url));
      expect(refused.status).toBe(2);
      expect(refused.stderr).toContain('already holds another history');
      expect(await count(url, 'event_log')).toBe(held);
      expect(await count(url, 'hub_credentials')).toBe(1);
    });

    it('refuses a record changed in the data directory’s store, naming where, and copies nothing of its page', async () => {
      const url = await database();
      const tampered = tempDataDir();
      dirs.push(tampered);
      cpSync(hub.dataDir, tampered, { recursive: true });
      for (const lock of ['hub.lock', 'hub.pid']) rmSync(join(tampered, lock), { force: true });
      const db = new Database(join(tampered, 'events.db'));
      db.prepare("UPDATE events SET data = replace(data, '310', '320') WHERE position = 200").run();
      db.close();
      // Control: the same copy, unchanged, moves (the first test).
      const refused = hubCli(['migrate', 'to-postgres'], serverEnv(tampered, url));
      expect(refused.status).toBe(2);
      expect(refused.stderr).toContain('record 200 does not carry the chain link');
      expect(await count(url, 'event_log')).toBe(0);
      expect(readFileSync(join(tampered, 'pii.key'), 'utf8')).toBe(
        readFileSync(join(hub.dataDir, 'pii.key'), 'utf8'),
      );
    });
  },
);
