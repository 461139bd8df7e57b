/**
 * Roles as processes on one PostgreSQL: two API processes take writes under load while two
 * projector processes elect one active worker; the active one is killed with kill -9, the
 * other takes over within 10 s, and the read models end equal to a clean rebuild. API
 * processes with data directories of their own (other machines) behave as one hub.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import pg from 'pg';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { inspection, published, residentIdFor } from '@hub/domain/testing';
import { createTestDatabase } from '@hub/event-store-postgres';
import { PostgresAuditLog, verifyAuditChain } from '@hub/audit';
import { checkpointProblem, type ChainCheckpoint } from '@hub/evidence';
import { PostgresEventStore } from '@hub/event-store-postgres';
import { hubProjections, loadConfig, openVault } from '@hub/hub';
import { PostgresReadModelStore, ProjectionRunner } from '@hub/read-models';
import {
  createTokens,
  HUB_MAIN,
  hubCli,
  serverKeys,
  startRoleProcess,
  tempDataDir,
  type HubProcess,
} from '../support/hub-process';

jest.setTimeout(120_000);

const adminUrl = process.env.TEST_POSTGRES_URL;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One request on a connection of its own: between requests the test runs hub commands that
 * take longer than the server's keep-alive, and a reused socket would be closed under it.
 */
function call(
  p: HubProcess,
  path: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${p.url}${path}`,
      {
        agent: false,
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          Authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

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
    let env: Record<string, string>;
    const otherDirs: string[] = [];
    /** Two API processes with data directories of their own, as on two machines. */
    let separate:
      | { a: HubProcess; b: HubProcess; envA: Record<string, string>; envB: Record<string, string> }
      | undefined;
    beforeAll(async () => {
      db = await createTestDatabase(adminUrl!, 'hubstate_roles');
      dataDir = tempDataDir();
      env = {
        HUB_DATA_DIR: dataDir,
        EVENT_STORE: 'postgres',
        DATABASE_URL: db.url,
        SCREENING_THREADS: '0',
        API_RATE_LIMIT: '100000',
        // Server mode: every process holds the same keys, given to it, never made by it.
        ...serverKeys(),
      };
    });
    afterAll(async () => {
      for (const p of processes) p.child.kill('SIGKILL');
      await db?.drop();
      for (const dir of [dataDir, ...otherDirs]) rmSync(dir, { recursive: true, force: true });
    });

    it('2 API + 2 projector processes: kill -9 the active projector under load, the other takes over, read models equal a clean rebuild', async () => {
      emergency = createTokens(dataDir, ['emergency'] as const, '000000', env).emergency;
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
        const vault = await openVault(config);
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
          await vault.close();
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
        env,
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

    it('API processes with data directories of their own act as one hub: credentials, users and console sessions, the audit chain and signed checkpoints are shared', async () => {
      const [dirA, dirB] = [tempDataDir(), tempDataDir()];
      otherDirs.push(dirA, dirB);
      const envA = { ...env, HUB_DATA_DIR: dirA };
      const envB = { ...env, HUB_DATA_DIR: dirB };
      const [a, b] = [await startRoleProcess('api', envA), await startRoleProcess('api', envB)];
      processes.push(a, b);
      separate = { a, b, envA, envB };
      const publish = (p: HubProcess, token: string, id: string) =>
        call(p, '/v1/events', token, { events: [inspection(id)] });

      // A credential issued through one machine's hub command is accepted by the other's API …
      const viaA = createTokens(dirA, ['emergency'] as const, '000000', envA).emergency;
      const viaB = createTokens(dirB, ['emergency'] as const, '000000', envB).emergency;
      expect((await publish(b, viaA, 'INS-SHARED-1')).status).toBe(201);
      expect((await publish(a, viaB, 'INS-SHARED-2')).status).toBe(201);
      // … a token no process issued is refused by both …
      const forged = `${viaA.slice(0, -4)}AAAA`;
      expect((await publish(a, forged, 'INS-SHARED-3')).status).toBe(401);
      // … and revoking through one machine holds on the other at once.
      const tokenIdOf = (token: string) =>
        createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 12);
      expect(hubCli(['token', 'revoke', tokenIdOf(viaA)], envB).status).toBe(0);
      expect((await publish(a, viaA, 'INS-SHARED-4')).status).toBe(401);
      expect((await publish(a, viaB, 'INS-SHARED-5')).status).toBe(201);

      // A user created through one machine is accepted by the other's API …
      const ask = (p: HubProcess, token: string) =>
        call(p, '/graphql', token, { query: '{ __typename }' });
      const madeOnA = hubCli(
        ['user', 'create', '--role', 'analyst', '--name', '两地分析员', '--units', '310000'],
        envA,
      );
      expect(madeOnA.status).toBe(0);
      const userToken = madeOnA.stdout.trim().split('\n').pop()!;
      const userId = /created user ([0-9a-f-]{36})/.exec(madeOnA.stdout)?.[1];
      expect(userId).toBeDefined();
      expect((await ask(b, userToken)).status).toBe(200);
      expect(hubCli(['user', 'list'], envB).stdout).toContain(userId);
      // The console too: the one-time link A's command printed signs in on B, and the session
      // B opened is live on A.
      const link = /#link=([A-Za-z0-9_-]+)/.exec(madeOnA.stdout)?.[1];
      expect(link).toBeDefined();
      const signIn = await fetch(`${b.url}/console/api/session/link`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ link }),
      });
      expect(signIn.status).toBe(200);
      const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
      const session = (p: HubProcess) =>
        fetch(`${p.url}/console/api/session`, { headers: { cookie } });
      expect((await session(a)).status).toBe(200);
      // Not vacuous: the link was used once, on B, and signs in no one on A.
      const again = await fetch(`${a.url}/console/api/session/link`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ link }),
      });
      expect(again.status).not.toBe(200);
      // … and disabling it through that other machine refuses it on the first at once, though
      // the first has just checked (and remembers) the token's signature.
      expect((await ask(a, userToken)).status).toBe(200);
      expect(hubCli(['user', 'revoke', userId!], envB).status).toBe(0);
      const refused = await ask(a, userToken);
      expect(refused.status).toBe(401);
      expect(refused.text).toContain('UNAUTHENTICATED');
      expect((await ask(b, userToken)).status).toBe(401);
      const ended = await session(a);
      expect(ended.status).not.toBe(200);
      expect(await ended.text()).toContain('SESSION_EXPIRED');

      // Both processes audit into one chain, at the same time.
      const other = createTokens(dirA, ['emergency'] as const, '000000', envA).emergency;
      const asksCheckpoint = (p: HubProcess, token: string) =>
        Array.from({ length: 10 }, () => call(p, '/v1/evidence/checkpoint', token));
      const answers = await Promise.all([...asksCheckpoint(a, viaB), ...asksCheckpoint(b, other)]);
      expect(answers.every((r) => r.status === 200 || r.status === 204)).toBe(true);
      const log = new PostgresAuditLog({ connectionString: db.url, alg: 'sha256' });
      try {
        // Each process is asked with a credential of its own: the actor says who wrote what.
        const asked = async (token: string) =>
          (
            await log.query(
              { action: 'evidence.checkpoint', actorId: tokenIdOf(token) },
              { first: 100 },
            )
          ).records.length;
        // Reads are audited from a buffer: wait for both processes to write theirs.
        for (let i = 0; i < 50 && ((await asked(viaB)) < 10 || (await asked(other)) < 10); i++)
          await sleep(200);
        expect(await asked(viaB)).toBe(10);
        expect(await asked(other)).toBe(10);
        const intact = await verifyAuditChain(log);
        expect(intact.problems).toEqual([]);
        expect(intact.records).toBeGreaterThanOrEqual(20);
        // Positive control: the same check names a record changed after it was chained.
        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        try {
          const { rows } = await client.query<{ seq: string; document: string }>(
            'SELECT seq, document FROM audit_log ORDER BY seq DESC LIMIT 1',
          );
          const last = rows[0]!;
          await client.query('UPDATE audit_log SET document = $1 WHERE seq = $2', [
            last.document.replace('"outcome":"ok"', '"outcome":"denied"'),
            last.seq,
          ]);
          const changed = await verifyAuditChain(log);
          expect(changed.problems.length).toBeGreaterThan(0);
          await client.query('UPDATE audit_log SET document = $1 WHERE seq = $2', [
            last.document,
            last.seq,
          ]);
          expect((await verifyAuditChain(log)).problems).toEqual([]);
        } finally {
          await client.end();
        }
      } finally {
        await log.close();
      }

      // A checkpoint signed through one machine is what the other hands out, and verifies
      // with the public key the other serves: both hold the one hub signing key.
      const signed = hubCli(['verify', 'checkpoint'], envA);
      expect(signed.status).toBe(0);
      const checkpoint = JSON.parse(signed.stdout) as ChainCheckpoint;
      const servedByB = await call(b, '/v1/evidence/checkpoint', viaB);
      expect(servedByB.status).toBe(200);
      expect(JSON.parse(servedByB.text)).toEqual(checkpoint);
      const publicKeyOfB = (await call(b, '/v1/evidence/public-key', viaB)).text;
      expect(checkpointProblem(checkpoint, publicKeyOfB)).toBeUndefined();
      // Not vacuous: the same checkpoint with another count does not verify.
      expect(
        checkpointProblem({ ...checkpoint, count: checkpoint.count + 1 }, publicKeyOfB),
      ).toMatch(/签名无效/);
      const verified = hubCli(['verify'], envB);
      expect(verified.stderr).toBe('');
      const matched = /checkpoints matched: (\d+) of (\d+)/.exec(verified.stdout);
      expect(Number(matched?.[1])).toBeGreaterThanOrEqual(1);
      expect(matched?.[1]).toBe(matched?.[2]);
      expect(verified.stdout).toMatch(/audit result: the audit trail is intact/);
    }, 300_000);

    it('API processes with data directories of their own share the vault: sealed through one, unmasked through the other on the audit record; a person forgotten through one stays sealed on both', async () => {
      expect(separate).toBeDefined();
      const { a, b, envA, envB } = separate!;
      const tokens = createTokens(
        envA.HUB_DATA_DIR!,
        ['construction', 'police'] as const,
        '000000',
        envA,
      );
      const ID = (serial: number) => residentIdFor('19800101', 700 + serial);
      const issued = (serial: number, number = `A${700000 + serial}`) =>
        published(
          'CertificateIssued',
          {
            certificateType: 'construction_special_operations',
            number,
            holder: { idNumber: ID(serial), name: `工人${serial}` },
            operationCategory: '建筑电工',
            operationItem: '建筑电工',
            issuedOn: '2022-03-01',
            validUntil: '2030-02-28',
            issuingAuthority: '上海市住房和城乡建设管理委员会',
          },
          { reportingUnit: '310000', occurredAt: '2022-03-01T09:00:00+08:00' },
        );
      // A projector of this test's own: run alone, the test has no other; beside the first
      // test's, it stands by.
      processes.push(await startRoleProcess('projector', env));
      const first = [issued(1), issued(2)];
      // Sealed through A, under keys A made for the two people.
      expect((await call(a, '/v1/events', tokens.construction, { events: first })).status).toBe(
        201,
      );
      // The same events again through B, which has not met these people: B adopts A's keys and
      // seals to the same bytes, so the retry is a duplicate (200), not a conflict (409).
      const retried = await call(b, '/v1/events', tokens.construction, { events: first });
      expect(retried.status).toBe(200);
      // A further certificate of person 1 through B goes under the same key.
      const later = issued(1, 'A700011');
      expect((await call(b, '/v1/events', tokens.construction, { events: [later] })).status).toBe(
        201,
      );

      // Wait for the active projector to have the registry.
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        // Every projection has checkpoints, none behind the head (an empty table is not caught up).
        const caughtUp = async () => {
          const head = (
            await client.query<{ position: string }>('SELECT position FROM event_log_tail')
          ).rows[0]!.position;
          const { rows } = await client.query<{ behind: string; all: string }>(
            'SELECT count(*) FILTER (WHERE position < $1) AS behind, count(*) AS all FROM rm_checkpoints',
            [head],
          );
          return rows[0]!.behind === '0' && rows[0]!.all !== '0';
        };
        for (let i = 0; i < 150 && !(await caughtUp()); i++) await sleep(200);
        expect(await caughtUp()).toBe(true);
      } finally {
        await client.end();
      }
      const registryKeyOf = async (number: string) => {
        const verified = await call(b, '/v1/certificates/verifications', tokens.construction, {
          verificationId: `VER-${number}`,
          reportingUnit: '310105',
          certificate: { type: 'construction_special_operations', number },
        });
        expect(verified.status).toBe(200);
        return (JSON.parse(verified.text) as { certificate: { registryKey: string } }).certificate
          .registryKey;
      };
      const unmask = async (p: HubProcess, id: string, number: string) =>
        call(p, '/v1/certificates/unmask', tokens.police, {
          unmaskingId: id,
          reportingUnit: '310105',
          certificate: {
            type: 'construction_special_operations',
            registryKey: await registryKeyOf(number),
          },
          purpose: '核查涉嫌买卖国家机关证件案',
          caseId: 'K-ROLES',
        });

      // Sealed through A, opened through B, on the shared audit record.
      const opened = await unmask(b, 'UNM-ROLES-1', 'A700001');
      expect(opened.status).toBe(200);
      expect(JSON.parse(opened.text)).toMatchObject({ idNumber: ID(1) });
      const tokenIdOf = (token: string) =>
        createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 12);
      const log = new PostgresAuditLog({ connectionString: db.url, alg: 'sha256' });
      try {
        const unmaskings = await log.query(
          { action: 'personal_data.unmask', actorId: tokenIdOf(tokens.police) },
          { first: 10 },
        );
        expect(unmaskings.records).toHaveLength(1);
        expect(JSON.stringify(unmaskings.records[0])).toContain('"outcome":"ok"');
      } finally {
        await log.close();
      }

      // Person 1 forgotten through B's hub command: one key, whichever process sealed.
      const forgot = hubCli(
        ['personal-data', 'forget', '--id-number', ID(1), '--reason', '保存期限届满'],
        envB,
      );
      expect(forgot.stderr).toBe('');
      expect(forgot.stdout).toContain('destroyed 1 key(s)');
      // A, which made the key and opened nothing with it yet, cannot open either certificate.
      for (const [id, number] of [
        ['UNM-ROLES-2', 'A700001'],
        ['UNM-ROLES-3', 'A700011'],
      ] as const) {
        const refused = await unmask(a, id, number);
        expect(refused.status).toBe(410);
        expect(refused.text).toContain('PERSONAL_DATA_DESTROYED');
      }
      // Positive control: person 2, sealed by A too, still opens through A.
      const other = await unmask(a, 'UNM-ROLES-4', 'A700002');
      expect(other.status).toBe(200);
      expect(JSON.parse(other.text)).toMatchObject({ idNumber: ID(2) });
    }, 300_000);
    it('API processes with data directories of their own share screening jobs: submitted through one, its status and results read through the other', async () => {
      expect(separate).toBeDefined();
      const { a, b, envA, envB } = separate!;
      const tokens = createTokens(
        envA.HUB_DATA_DIR!,
        ['construction', 'police'] as const,
        '000000',
        envA,
      );
      // Person 2's certificate, registered by the test before, and a number nobody issued.
      const roster = [
        '证书类型,证书编号,身份证号,姓名,作业类别,单位',
        `construction_special_operations,A700002,${residentIdFor('19800101', 702)},工人2,建筑电工,甲公司`,
        `construction_special_operations,A799999,${residentIdFor('19800101', 799)},工人99,建筑电工,甲公司`,
      ].join('\n');
      const submitted = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(
          `${a.url}/v1/certificates/screenings?purpose=${encodeURIComponent('用人单位自查名单比对')}&reportingUnit=310105`,
          {
            agent: false,
            method: 'POST',
            headers: {
              Authorization: `Bearer ${tokens.construction}`,
              'Content-Type': 'text/csv',
              'Idempotency-Key': 'roles-roster-1',
            },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () => resolve({ status: res.statusCode!, text }));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(roster);
      });
      expect(submitted.status).toBe(202);
      const { status } = JSON.parse(submitted.text) as { status: string };
      let job = { status: 'running', rows: 0 };
      for (let i = 0; i < 100 && job.status === 'running'; i++) {
        const polled = await call(b, status, tokens.construction);
        expect(polled.status).toBe(200);
        job = JSON.parse(polled.text) as typeof job;
        if (job.status === 'running') await sleep(100);
      }
      expect(job).toMatchObject({ status: 'done', rows: 2 });
      const results = await call(b, `${status}/results`, tokens.construction);
      expect(results.status).toBe(200);
      const rows = results.text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { result?: string });
      expect(rows.map((r) => r.result)).toEqual(['valid', 'unknown_number']);
      expect(results.text).not.toContain(residentIdFor('19800101', 702));
      // The same bytes through the process that ran it.
      expect((await call(a, `${status}/results`, tokens.construction)).text).toBe(results.text);
      // Not vacuous: B answers 404 for a screening no process has, and for another agency.
      expect((await call(b, `${status}X`, tokens.construction)).status).toBe(404);
      expect((await call(b, status, tokens.police)).status).toBe(404);
      // The results are in PostgreSQL, in neither machine's data directory.
      for (const dir of [envA.HUB_DATA_DIR!, envB.HUB_DATA_DIR!]) {
        const files = existsSync(join(dir, 'screenings'))
          ? readdirSync(join(dir, 'screenings'))
          : [];
        expect(files).toEqual([]);
      }
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        const { rows: chunks } = await client.query<{ n: string }>(
          'SELECT count(*) AS n FROM hub_screening_results WHERE job_id = $1',
          [status.split('/').pop()],
        );
        expect(Number(chunks[0]!.n)).toBeGreaterThanOrEqual(1);
      } finally {
        await client.end();
      }
    }, 300_000);
  },
);
