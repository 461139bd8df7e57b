/**
 * Each request gets an id and one log line when it ends; headers (credentials) and the query
 * of GraphQL and audit requests (an ID number may be asked for) are never logged.
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type Server } from 'node:http';
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

type Line = Record<string, unknown> & {
  msg: string;
  level: number;
  req?: { id: string; method: string; url: string };
};

let dir: string;
let store: SqliteEventStore;
let credentials: SqliteCredentialStore;
let token: string;
const ID_NUMBER = '11010519491231002X';

/** An ingestion app whose log lines (at `level`) are kept in `lines`. */
function appLogging(level: string, lines: Line[]) {
  const services = express.Router();
  services.get('/v1/ping', (req, res) => {
    req.log.info({ note: 'from the handler' }, 'pinged');
    res.json({ ok: true });
  });
  services.get('/v1/boom', () => {
    throw new Error('boom');
  });
  services.get('/v1/slow', (_req, res) => void setTimeout(() => res.json({ late: true }), 300));
  // Routes for people (GraphQL, the audit trail) sit before the agency credential.
  const people = express.Router();
  people.get('/graphql', (_req, res) => void res.json({ data: null }));
  people.get('/v1/audit', (_req, res) => void res.json({ records: [] }));
  return createIngestionApp({
    audit: memoryAuditTrail(),
    store,
    credentials,
    logger: pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line) as Line) }),
    metrics: createIngestionMetrics(),
    bodyLimit: '5mb',
    sealing: new PersonalDataVault({ id: 'k1', secret: randomBytes(32) }),
    routers: [services],
    userRouters: [people],
  });
}

const ended = (lines: Line[]) =>
  lines.filter((l) => /^request (completed|errored|aborted)$/.test(l.msg));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hub-request-log-'));
  store = new SqliteEventStore({ filename: join(dir, 'events.db') });
  credentials = new SqliteCredentialStore(join(dir, 'hub.db'));
  token = (await credentials.create('emergency', 'request log', ['000000'])).token;
});
afterAll(async () => {
  await store.close();
  await credentials.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the request log', () => {
  it('answers with the caller’s request id when well formed, and with a new one otherwise', async () => {
    const app = appLogging('info', []);
    const given = await request(app).get('/healthz').set('X-Request-Id', 'agency-42.req:7');
    expect(given.headers['x-request-id']).toBe('agency-42.req:7');
    for (const bad of ['with space', 'x'.repeat(129), '<script>']) {
      const res = await request(app).get('/healthz').set('X-Request-Id', bad);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
    const none = await request(app).get('/healthz');
    expect(none.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs one line per request with its id, method, path, status and duration, and the agency', async () => {
    const lines: Line[] = [];
    const app = appLogging('info', lines);
    const res = await request(app)
      .get('/v1/ping?page=2')
      .set('Authorization', `Bearer ${token}`)
      .set('X-Request-Id', 'ping-1')
      .expect(200);
    expect(res.body).toEqual({ ok: true });
    const [line, ...more] = ended(lines);
    expect(more).toEqual([]);
    expect(line).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { id: 'ping-1', method: 'GET', url: '/v1/ping?page=2' },
      res: { statusCode: 200 },
      agency: 'emergency',
    });
    expect(typeof line!.responseTime).toBe('number');
    // The handler's own line carries the request's bindings too.
    expect(lines.find((l) => l.msg === 'pinged')).toMatchObject({
      req: { id: 'ping-1' },
      agency: 'emergency',
      note: 'from the handler',
    });
    // No header is logged: the credential is nowhere in the log.
    expect(JSON.stringify(lines)).not.toContain(token);
    expect(JSON.stringify(lines)).not.toContain('authorization');
  });

  it('logs a publish with its events, and nothing of probes and scrapers', async () => {
    const lines: Line[] = [];
    const app = appLogging('info', lines);
    await request(app).get('/healthz').expect(200);
    await request(app).get('/metrics').expect(200);
    expect(ended(lines)).toEqual([]);
    await request(app)
      .post('/v1/events')
      .set('Authorization', `Bearer ${token}`)
      .send({ events: [inspection('INS-LOG-' + String(Math.random()).slice(2, 8))] })
      .expect(201);
    expect(lines.find((l) => l.msg === 'events appended')).toMatchObject({
      events: 1,
      types: ['InspectionConducted'],
      req: { method: 'POST', url: '/v1/events' },
    });
    expect(ended(lines)).toEqual([
      expect.objectContaining({ msg: 'request completed', res: { statusCode: 201 } }),
    ]);
  });

  it('logs the path alone of GraphQL and audit requests, whose query may name an ID number', async () => {
    const lines: Line[] = [];
    const app = appLogging('info', lines);
    await request(app).get(`/graphql?query={holder(idNumber:"${ID_NUMBER}"){name}}`).expect(200);
    await request(app).get(`/v1/audit?holder=${ID_NUMBER}`).expect(200);
    expect(ended(lines).map((l) => l.req!.url)).toEqual(['/graphql', '/v1/audit']);
    expect(JSON.stringify(lines)).not.toContain(ID_NUMBER);
  });

  it('logs a failed request as errored, and a request its client gave up on as aborted', async () => {
    const lines: Line[] = [];
    const app = appLogging('info', lines);
    await request(app).get('/v1/boom').set('Authorization', `Bearer ${token}`).expect(500);
    expect(ended(lines)).toEqual([
      expect.objectContaining({ level: 50, msg: 'request errored', res: { statusCode: 500 } }),
    ]);

    const server: Server = app.listen(0);
    try {
      const port = (server.address() as { port: number }).port;
      await new Promise<void>((resolve) => {
        const req = httpRequest({
          port,
          path: '/v1/slow',
          headers: { Authorization: `Bearer ${token}` },
        });
        req.on('error', () => resolve());
        req.end();
        setTimeout(() => req.destroy(), 50);
      });
      for (let waited = 0; ended(lines).length < 2 && waited < 5_000; waited += 20)
        await new Promise((r) => setTimeout(r, 20));
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(ended(lines)[1]).toMatchObject({
      level: 40,
      msg: 'request aborted',
      req: { url: '/v1/slow' },
    });
  });

  it('writes nothing for requests that went well when info is off, and still logs failures', async () => {
    const lines: Line[] = [];
    const app = appLogging('warn', lines);
    await request(app).get('/v1/ping').set('Authorization', `Bearer ${token}`).expect(200);
    await request(app)
      .post('/v1/events')
      .set('Authorization', `Bearer ${token}`)
      .send({ events: [inspection('INS-LOG-' + String(Math.random()).slice(2, 8))] })
      .expect(201);
    expect(lines).toEqual([]);
    // (control) the same logger does write at warn and above.
    await request(app).get('/v1/boom').set('Authorization', `Bearer ${token}`).expect(500);
    expect(ended(lines)).toEqual([expect.objectContaining({ msg: 'request errored' })]);
  });
});
