/**
 * The TypeScript client (packages/client, issue 19.3) against the hub as shipped: typed
 * publishing, a resend after a lost answer recording nothing twice, retries with backoff on
 * 503 and dropped connections, problem+json as typed errors, batching, reads of the ledger.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { HubClient, HubProblemError, HubUnavailableError } from '@hub/client';
import { SqliteEventStore } from '@hub/event-store-sqlite';
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
let token: string;
const inspection = (inspectionId: string, id?: string) => ({
  ...(id ? { id } : {}),
  reportingUnit: '310105',
  occurredAt: '2024-06-20T10:00:00+08:00',
  actor: { officerId: 'E-042' },
  data: {
    inspectionId,
    subjectKind: 'employer' as const,
    subject: { creditCode: '914403001922038216', name: '示例机械有限公司' },
    method: 'special' as const,
    inspectedOn: '2024-06-20',
    workersChecked: 12,
  },
});
async function storedIds(): Promise<string[]> {
  const store = new SqliteEventStore({ filename: join(dataDir, 'events.db') });
  try {
    return (await store.readAll({ maxCount: 100_000 })).map((e) => e.id);
  } finally {
    await store.close();
  }
}

/**
 * A proxy in front of the hub that misbehaves on its first requests as the network does:
 * `lose-answer` forwards the request (the hub records it) and drops the connection before
 * the answer; `unavailable` answers 503 without forwarding.
 */
async function flakyProxy(faults: Array<'lose-answer' | 'unavailable'>) {
  const target = new URL(hub.url);
  let seen = 0;
  const server: Server = createServer((req, res) => {
    const fault = faults[seen++];
    if (fault === 'unavailable') {
      res.writeHead(503, { 'Content-Type': 'application/problem+json', 'Retry-After': '1' });
      res.end(
        JSON.stringify({
          code: 'NOT_READY',
          status: 503,
          title: 'Not ready',
          titleZh: '服务尚未就绪',
        }),
      );
      return;
    }
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        if (fault === 'lose-answer') {
          answer.resume();
          answer.on('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests: () => seen, close: () => server.close() };
}

beforeAll(async () => {
  dataDir = tempDataDir();
  token = createTokens(dataDir, ['emergency'] as const, '310000').emergency;
  hub = await startHubProcess({ HUB_DATA_DIR: dataDir });
});
afterAll(() => {
  hub?.child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('HubClient', () => {
  it('publishes a typed event, and the same event again is a duplicate that writes nothing', async () => {
    const client = new HubClient({ baseUrl: hub.url, token });
    const id = randomUUID();
    const first = await client.publish('InspectionConducted', inspection('CL-1', id));
    expect(first).toMatchObject({ accepted: 1, duplicate: false, eventIds: [id] });
    const again = await client.publish('InspectionConducted', inspection('CL-1', id));
    expect(again).toMatchObject({ accepted: 1, duplicate: true });
    expect((await storedIds()).filter((x) => x === id)).toHaveLength(1);
  });

  it('resends a batch whose answer was lost, and the hub records it once', async () => {
    const proxy = await flakyProxy(['lose-answer', 'unavailable']);
    try {
      const client = new HubClient({ baseUrl: proxy.url, token, baseDelayMs: 20 });
      const result = await client.publish('InspectionConducted', inspection('CL-2'));
      // Attempt 1 was recorded but its answer lost; attempt 2 met a 503; attempt 3 was told
      // the batch is already there.
      expect(proxy.requests()).toBe(3);
      expect(result.duplicate).toBe(true);
      expect((await storedIds()).filter((x) => x === result.eventIds[0])).toHaveLength(1);
    } finally {
      proxy.close();
    }
  });

  it('gives up after its attempts with HubUnavailableError when nothing answers', async () => {
    const client = new HubClient({
      baseUrl: 'http://127.0.0.1:9',
      token,
      attempts: 2,
      baseDelayMs: 10,
    });
    await expect(client.publish('InspectionConducted', inspection('CL-3'))).rejects.toBeInstanceOf(
      HubUnavailableError,
    );
  });

  it('throws a refusal as HubProblemError with its code, Chinese title and pointers, at once', async () => {
    const proxyless = new HubClient({ baseUrl: hub.url, token, baseDelayMs: 5_000 });
    const started = Date.now();
    const refused = await proxyless
      .publish('FindingRecorded', {
        reportingUnit: '310105',
        occurredAt: '2024-06-20T10:00:00+08:00',
        actor: { officerId: 'E-042' },
        // A worker finding without the worker: the hub refuses it.
        data: { inspectionId: 'CL-1', findingId: 'F-1', subjectKind: 'employer', kind: 'forged' },
      })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HubProblemError);
    const problem = refused as HubProblemError;
    expect(problem).toMatchObject({ status: 400, code: 'INVALID_EVENTS' });
    expect(problem.titleZh).toMatch(/\p{Script=Han}/u);
    expect(problem.errors[0]?.pointer).toBe('/events/0/data/worker');
    // Not retried: a refusal is final.
    expect(Date.now() - started).toBeLessThan(2_000);
    const wrongToken = new HubClient({ baseUrl: hub.url, token: 'hub_nobody_x' });
    await expect(wrongToken.forms.list()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('batches events as they are added, 500 to a batch, and reads the ledger back', async () => {
    const client = new HubClient({ baseUrl: hub.url, token });
    const batcher = client.batcher({ maxEvents: 500 });
    for (let i = 0; i < 1200; i++) batcher.add('InspectionConducted', inspection(`BATCH-${i}`));
    const results = await batcher.flush();
    expect(results.map((r) => r.accepted)).toEqual([500, 500, 200]);

    await client.publish('ClueTransferred', {
      reportingUnit: '310105',
      occurredAt: '2024-07-08T09:00:00+08:00',
      actor: { officerId: 'E-042' },
      data: {
        clueId: 'CL-CLUE-1',
        origin: 'enforcement',
        toPoliceUnit: '310105',
        suspectedOffence: '伪造、变造、买卖国家机关证件罪',
        suspects: 1,
        fakeCertificates: 1,
      },
    });
    await waitForProjections(hub.url);
    const clue = await client.ledger.clue('CL-CLUE-1');
    expect(JSON.stringify(clue)).toContain('CL-CLUE-1');
    const forms = await client.forms.list();
    expect(forms.map((f) => f.id)).toContain('shanghai-2024');
  });
});

describe('HubClient signing batches', () => {
  let signedDir: string;
  let signedHub: HubProcess;
  let signedToken: string;
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  beforeAll(async () => {
    signedDir = tempDataDir();
    signedToken = createTokens(signedDir, ['emergency'] as const, '310000').emergency;
    const pem = join(signedDir, 'emergency-sign.pub.pem');
    writeFileSync(pem, publicKey.export({ type: 'spki', format: 'pem' }));
    const registered = hubCli(
      ['agency-key', 'register', '--agency', 'emergency', '--public-key', pem],
      {
        HUB_DATA_DIR: signedDir,
      },
    );
    expect(registered.status).toBe(0);
    signedHub = await startHubProcess({
      HUB_DATA_DIR: signedDir,
      HUB_SIGNATURES_REQUIRED: 'emergency',
    });
  });
  afterAll(() => {
    signedHub?.child.kill('SIGKILL');
    rmSync(signedDir, { recursive: true, force: true });
  });

  it('signs every batch with the agency key, where the hub requires it', async () => {
    const signing = new HubClient({
      baseUrl: signedHub.url,
      token: signedToken,
      signingKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    });
    expect(await signing.publish('InspectionConducted', inspection('SIGNED-1'))).toMatchObject({
      accepted: 1,
      duplicate: false,
    });
    // Control: the same client without the key is refused.
    const unsigned = new HubClient({ baseUrl: signedHub.url, token: signedToken });
    await expect(
      unsigned.publish('InspectionConducted', inspection('SIGNED-2')),
    ).rejects.toMatchObject({
      code: 'SIGNATURE_REQUIRED',
      status: 401,
    });
    // Another key than the registered one: refused as invalid.
    const other = generateKeyPairSync('ed25519')
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const wrongKey = new HubClient({
      baseUrl: signedHub.url,
      token: signedToken,
      signingKeyPem: other,
    });
    await expect(
      wrongKey.publish('InspectionConducted', inspection('SIGNED-3')),
    ).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    });
  });
});
