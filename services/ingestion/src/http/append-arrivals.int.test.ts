import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type ClientRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { inspection } from '@hub/domain/testing';
import { AppendArrivals } from '@hub/event-store';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { memoryAuditTrail } from '@hub/audit';
import { PersonalDataVault } from '@hub/personal-data';
import { createIngestionApp } from '../app.js';
import { SqliteCredentialStore } from '../credentials/sqlite-credential-store.js';
import { createIngestionMetrics } from '../metrics.js';

/**
 * Publish requests on their way to the store, as the hub wires them: the embedded store's group
 * commit waits for a batch still being received, so that concurrent publishers share a commit.
 */
describe('publish requests counted on their way to the store', () => {
  let dir: string;
  let store: SqliteEventStore;
  let credentials: SqliteCredentialStore;
  let server: Server;
  let arrivals: AppendArrivals;
  let token: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hub-arrivals-'));
    arrivals = new AppendArrivals();
    let readings = 0;
    store = new SqliteEventStore({
      filename: join(dir, 'events.db'),
      // The n-th transaction records second n: events with the same second were committed together.
      now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, ++readings)),
      commitDelay: { arrivals, maxWaitMs: 60_000 },
    });
    credentials = new SqliteCredentialStore(join(dir, 'hub.db'));
    const app = createIngestionApp({
      audit: memoryAuditTrail(),
      store,
      credentials,
      logger: pino({ level: 'silent' }),
      metrics: createIngestionMetrics(),
      bodyLimit: '64kb',
      sealing: new PersonalDataVault({ id: 'k1', secret: randomBytes(32) }),
      appendArrivals: arrivals,
    });
    token = (await credentials.create('emergency', 'test', ['310000'])).token;
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
  });
  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
    await store.close();
    await credentials.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A POST whose body is sent when the test says; resolves with the status once answered. */
  function publish(body: string, auth = `Bearer ${token}`) {
    const { port } = server.address() as AddressInfo;
    let req!: ClientRequest;
    const answered = new Promise<number>((resolve, reject) => {
      req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/v1/events',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            authorization: auth,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        },
      );
      req.on('error', reject);
    });
    req.flushHeaders();
    return { req, body, answered };
  }
  const until = async (check: () => boolean) => {
    for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(check()).toBe(true);
  };
  const batch = (id: string) => JSON.stringify({ events: [inspection(id)] });
  const committedSeconds = async () =>
    (await store.readAll()).map((e) => e.recordedAt.slice(17, 19));

  it('commits a batch with another still being received, in one transaction', async () => {
    const slow = publish(batch('I-slow'));
    slow.req.write(slow.body.slice(0, 10));
    await until(() => arrivals.pending === 1);

    const fast = publish(batch('I-fast'));
    fast.req.end(fast.body);
    // The fast batch waits in the store for the slow one, still on its way.
    await until(() => arrivals.pending === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(await store.headPosition()).toBeUndefined();

    slow.req.end(slow.body.slice(10));
    expect(await Promise.all([fast.answered, slow.answered])).toEqual([201, 201]);
    expect(await committedSeconds()).toEqual(['01', '01']);
    expect(arrivals.pending).toBe(0);
  });

  it('commits a batch at once when no other is on its way (control)', async () => {
    const first = publish(batch('I-1'));
    first.req.end(first.body);
    expect(await first.answered).toBe(201);
    const second = publish(batch('I-2'));
    second.req.end(second.body);
    expect(await second.answered).toBe(201);
    expect(await committedSeconds()).toEqual(['01', '02']);
  });

  it('stops counting a request refused, unauthenticated or abandoned', async () => {
    const invalid = publish(JSON.stringify({ events: [{ type: 'Nonsense' }] }));
    invalid.req.end(invalid.body);
    expect(await invalid.answered).toBe(400);

    const stranger = publish(batch('I-3'), 'Bearer nope');
    stranger.req.end(stranger.body);
    expect(await stranger.answered).toBe(401);

    const abandoned = publish(batch('I-4'));
    abandoned.answered.catch(() => undefined);
    abandoned.req.write(abandoned.body.slice(0, 10));
    await until(() => arrivals.pending === 1);
    abandoned.req.destroy();
    await until(() => arrivals.pending === 0);

    // Nothing was written, and nothing waits: the next batch commits at once.
    const next = publish(batch('I-5'));
    next.req.end(next.body);
    expect(await next.answered).toBe(201);
    expect(await committedSeconds()).toEqual(['01']);
  });
});
