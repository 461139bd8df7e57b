/**
 * POST /v1/events under abuse (issue 14): events dated in the future, compressed bodies.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { pino } from 'pino';
import request from 'supertest';
import { clockAt } from '@hub/domain';
import { inspection } from '@hub/domain/testing';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { createIngestionApp } from '../app.js';
import { SqliteCredentialStore } from '../credentials/sqlite-credential-store.js';
import { createIngestionMetrics } from '../metrics.js';
import { PersonalDataVault } from '@hub/personal-data';
import { memoryAuditTrail } from '@hub/audit';

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
    audit: memoryAuditTrail(),
    store,
    credentials,
    logger: pino({ level: 'silent' }),
    metrics: createIngestionMetrics(),
    bodyLimit: '5mb',
    recordingClock: () => clockAt(NOW, { futureToleranceMs: 10 * 60_000 }),
    sealing: new PersonalDataVault({ id: 'k1', secret: randomBytes(32) }),
  });
  token = (await credentials.create('emergency', 'test', ['000000'])).token;
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

describe('POST /v1/events with a compressed body', () => {
  /** The gzip bytes as they are (supertest would serialise a Buffer sent as JSON). */
  const gzipped = async (text: string) => {
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/v1/events`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/json',
          'Content-Encoding': 'gzip',
        },
        body: gzipSync(text),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    } finally {
      server.close();
    }
  };

  describe('when it inflates more than 100 times past the first megabyte (a bomb)', () => {
    it('answers 413 with the stable code, Chinese first, and writes nothing', async () => {
      const before = (await store.readAll()).length;
      // A valid batch, padded with whitespace: 4 MB of JSON from a few kilobytes.
      const padded = `{"events":[${JSON.stringify(inspection('INS-GZ'))}]${' '.repeat(4_000_000)}}`;
      const res = await gzipped(padded);
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({
        code: 'COMPRESSION_RATIO_TOO_HIGH',
        detail: expect.stringMatching(/^压缩比超过 100:1/),
      });
      expect((await store.readAll()).length).toBe(before);
    });
  });

  describe('when it inflates past BODY_LIMIT', () => {
    it('answers 413 with the stable code', async () => {
      // Random text compresses little: it is the size, not the ratio, that is refused.
      const big = `{"events":[],"pad":"${randomBytes(4_500_000).toString('base64')}"}`;
      const res = await gzipped(big);
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({
        code: 'BODY_TOO_LARGE',
        detail: expect.stringMatching(/^请求体解压后超过 5 MB 的上限/),
      });
    });
  });

  describe('when it is an ordinary gzip batch', () => {
    it('records it', async () => {
      const res = await gzipped(JSON.stringify({ events: [inspection('INS-GZ-OK')] }));
      expect(res.status).toBe(201);
    });
  });
});
