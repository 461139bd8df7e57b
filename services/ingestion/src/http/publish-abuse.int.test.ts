/**
 * POST /v1/events under abuse (issue 14): events dated in the future, compressed bodies.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import request from 'supertest';
import { clockAt } from '@hub/domain';
import { inspection } from '@hub/domain/testing';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { createIngestionApp } from '../app.js';
import { SqliteCredentialStore } from '../credentials/sqlite-credential-store.js';
import { createIngestionMetrics } from '../metrics.js';

/** The hub's clock in these tests: 2024-07-01 08:00 in Shanghai, ten minutes' tolerance. */
const NOW = new Date('2024-07-01T00:00:00Z');

let dir: string;
let store: SqliteEventStore;
let credentials: SqliteCredentialStore;
let app: ReturnType<typeof createIngestionApp>;
let token: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hub-publish-abuse-'));
  store = new SqliteEventStore({ filename: join(dir, 'events.db') });
  credentials = new SqliteCredentialStore(join(dir, 'hub.db'));
  app = createIngestionApp({
    store,
    credentials,
    logger: pino({ level: 'silent' }),
    metrics: createIngestionMetrics(),
    bodyLimit: '64kb',
    recordingClock: () => clockAt(NOW, { futureToleranceMs: 10 * 60_000 }),
  });
  token = (await credentials.create('emergency', 'test')).token;
});
afterAll(async () => {
  await store.close();
  await credentials.close();
  rmSync(dir, { recursive: true, force: true });
});

const publish = (events: unknown[]) =>
  request(app)
    .post('/v1/events')
    .set('Authorization', `Bearer ${token}`)
    .set('Content-Type', 'application/json')
    .send(JSON.stringify({ events }));

describe('POST /v1/events', () => {
  describe('when an event is dated a year in the future', () => {
    it('refuses the batch with 400 and the stable code, writing nothing', async () => {
      const future = { ...inspection('INS-F'), occurredAt: '2025-07-01T09:00:00+08:00' };
      const res = await publish([inspection('INS-OK'), future]);
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([
        expect.objectContaining({
          index: 1,
          pointer: '/events/1/occurredAt',
          code: 'OCCURRED_IN_FUTURE',
          message: expect.stringMatching(/^时间 2025-07-01T09:00:00\+08:00 晚于平台当前时间/),
        }),
      ]);
      expect(await store.readAll()).toEqual([]);
    });
  });

  describe('when an event is dated within the configured clock-skew tolerance', () => {
    it('records it', async () => {
      const ahead = {
        ...inspection('INS-SKEW', { inspectedOn: '2024-07-01' }),
        occurredAt: '2024-07-01T08:09:00+08:00',
      };
      expect((await publish([ahead])).status).toBe(201);
    });
  });

  describe('when a date inside the data lies in the future', () => {
    it('refuses it where it is', async () => {
      const res = await publish([inspection('INS-D', { inspectedOn: '2024-12-24' })]);
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([
        expect.objectContaining({
          pointer: '/events/0/data/inspectedOn',
          code: 'OCCURRED_IN_FUTURE',
        }),
      ]);
    });
  });

  describe('when an event is dated decades back', () => {
    it('records it (it is flagged where it is shown, not refused)', async () => {
      const old = {
        ...inspection('INS-OLD', { inspectedOn: '1995-03-01' }),
        occurredAt: '1995-03-01T09:00:00+08:00',
      };
      expect((await publish([old])).status).toBe(201);
    });
  });
});
