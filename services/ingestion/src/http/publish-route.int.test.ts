/**
 * POST /v1/events is routed first, before the other services' routes: it must still stand
 * behind the same credential check and the same per-credential rate limit as every /v1 route.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { memoryAuditTrail } from '@hub/audit';
import { inspection } from '@hub/domain/testing';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { PersonalDataVault } from '@hub/personal-data';
import { createIngestionApp } from '../app.js';
import { SqliteCredentialStore } from '../credentials/sqlite-credential-store.js';
import { createIngestionMetrics } from '../metrics.js';

let dir: string;
let store: SqliteEventStore;
let credentials: SqliteCredentialStore;
const audit = memoryAuditTrail();
let app: ReturnType<typeof createIngestionApp>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hub-publish-route-'));
  store = new SqliteEventStore({ filename: join(dir, 'events.db') });
  credentials = new SqliteCredentialStore(join(dir, 'hub.db'));
  // Another service's route under /v1, as reporting's are.
  const other = express.Router();
  other.get('/v1/ping', (req, res) => void res.json({ agency: req.credential!.agency }));
  app = createIngestionApp({
    audit,
    store,
    credentials,
    logger: pino({ level: 'silent' }),
    metrics: createIngestionMetrics(),
    bodyLimit: '5mb',
    sealing: new PersonalDataVault({ id: 'k1', secret: randomBytes(32) }),
    rateLimitPerMinute: 3,
    routers: [other],
  });
});
afterAll(async () => {
  await store.close();
  await credentials.close();
  rmSync(dir, { recursive: true, force: true });
});

const publish = (token: string | undefined) => {
  const req = request(app).post('/v1/events').set('Content-Type', 'application/json');
  if (token) req.set('Authorization', `Bearer ${token}`);
  return req.send(JSON.stringify({ events: [inspection('INS-R')] }));
};

describe('POST /v1/events, routed before the other /v1 routes', () => {
  it('refuses a request without a credential, on the record, and writes nothing', async () => {
    const res = await publish(undefined);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNAUTHENTICATED');
    const failed = await audit.query({ action: 'auth.failed' }, { first: 10 });
    expect(failed.records.map((r) => r.subject)).toEqual([{ view: '/v1/events' }]);
    expect(await store.readAll()).toEqual([]);
  });

  it('shares one quota per credential with the other /v1 routes, and a new credential has its own', async () => {
    const { token } = await credentials.create('emergency', 'test', ['000000']);
    expect((await publish(token)).status).toBe(201);
    expect(
      (await request(app).get('/v1/ping').set('Authorization', `Bearer ${token}`)).status,
    ).toBe(200);
    expect((await publish(token)).status).toBe(201);
    // The quota of three is spent, on either route.
    const limited = await publish(token);
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    const other = await request(app).get('/v1/ping').set('Authorization', `Bearer ${token}`);
    expect(other.status).toBe(429);
    // Control: another credential is not limited by the first one's requests.
    const fresh = await credentials.create('emergency', 'second', ['000000']);
    const ping = await request(app).get('/v1/ping').set('Authorization', `Bearer ${fresh.token}`);
    expect(ping.status).toBe(200);
    expect(ping.body).toEqual({ agency: 'emergency' });
  });
});
