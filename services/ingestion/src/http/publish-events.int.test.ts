import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import request from 'supertest';
import { finding, inspection, published, VALID_ID } from '@hub/domain/testing';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { createIngestionApp } from '../app.js';
import { SqliteCredentialStore } from '../credentials/sqlite-credential-store.js';
import { createIngestionMetrics } from '../metrics.js';
import { PersonalDataVault } from '@hub/personal-data';
import { memoryAuditTrail } from '@hub/audit';

describe('POST /v1/events', () => {
  let dir: string;
  let store: SqliteEventStore;
  let credentials: SqliteCredentialStore;
  let app: ReturnType<typeof createIngestionApp>;
  let emergency: string;
  let police: string;
  const logLines: string[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hub-ingest-'));
    store = new SqliteEventStore({ filename: join(dir, 'events.db') });
    credentials = new SqliteCredentialStore(join(dir, 'hub.db'));
    const logger = pino({ level: 'info' }, { write: (line: string) => logLines.push(line) });
    app = createIngestionApp({
      audit: memoryAuditTrail(),
      store,
      credentials,
      logger,
      metrics: createIngestionMetrics(),
      bodyLimit: '64kb',
      sealing: new PersonalDataVault({ id: 'k1', secret: randomBytes(32) }),
    });
    emergency = (await credentials.create('emergency', 'test', ['310000'])).token;
    police = (await credentials.create('police', 'test', ['310000'])).token;
  });
  afterEach(async () => {
    await store.close();
    await credentials.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (token: string | undefined, body: unknown, raw = false) => {
    const r = request(app).post('/v1/events').set('Content-Type', 'application/json');
    if (token) r.set('Authorization', `Bearer ${token}`);
    return r.send(raw ? (body as string) : JSON.stringify(body));
  };
  const allEvents = async () => store.readAll({ maxCount: 10_000 });

  it('appends a valid batch and answers 201 with the streams written', async () => {
    const res = await post(emergency, {
      events: [inspection('I-1'), finding({ inspectionId: 'I-1' })],
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      accepted: 2,
      streams: [{ stream: 'inspection-I-1', nextExpectedRevision: 1, duplicate: false }],
    });
    const [first] = await allEvents();
    expect(first?.metadata).toMatchObject({ agency: 'emergency', reportingUnit: '310105' });
  });

  it('acknowledges a replayed batch idempotently and writes nothing again', async () => {
    const batch = { events: [inspection('I-2'), finding({ inspectionId: 'I-2' })] };
    expect((await post(emergency, batch)).status).toBe(201);
    const replay = await post(emergency, batch);
    expect(replay.status).toBe(200);
    expect(replay.body.streams[0].duplicate).toBe(true);
    expect(await allEvents()).toHaveLength(2);
  });

  it('refuses the same event id with a different payload with 409', async () => {
    const event = inspection('I-3');
    await post(emergency, { events: [event] });
    const res = await post(emergency, {
      events: [{ ...event, data: { ...(event.data as object), workersChecked: 99 } }],
    });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('IDEMPOTENCY_CONFLICT');
    expect(((await allEvents())[0]?.data as { workersChecked: number }).workersChecked).toBe(12);
  });

  it('answers 400 for malformed JSON, as problem+json', async () => {
    const res = await post(emergency, '{"events": [', true);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.title).toBe('Malformed JSON');
  });

  it('answers every refusal with a stable code and a Chinese title beside the English one', async () => {
    const event = inspection('I-Z');
    expect((await post(emergency, { events: [event] })).status).toBe(201);
    const conflict = await post(emergency, {
      events: [{ ...event, data: { ...(event.data as object), workersChecked: 99 } }],
    });
    const refusals = [
      await post(emergency, '{"events": [', true),
      await post(undefined, { events: [inspection('I-Y')] }),
      await post(emergency, { events: [] }),
      await post(emergency, { events: [published('NoSuchEvent', {})] }),
      await post(police, { events: [inspection('I-X')] }),
      conflict,
      await request(app).get('/no-such-route'),
    ];
    expect(refusals.map((r) => [r.status, (r.body as { code?: string }).code])).toEqual([
      [400, 'MALFORMED_JSON'],
      [401, 'UNAUTHENTICATED'],
      [400, 'INVALID_BATCH'],
      [400, 'INVALID_EVENTS'],
      [403, 'EVENTS_FORBIDDEN'],
      [409, 'IDEMPOTENCY_CONFLICT'],
      [404, 'NOT_FOUND'],
    ]);
    for (const r of refusals) {
      expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(r.body.titleZh).toMatch(/\p{Script=Han}/u);
      expect(r.body.title).toMatch(/^[A-Za-z]/);
      expect(r.body.status).toBe(r.status);
    }
  });

  it('answers 400 listing each problem by index and path, and writes nothing of the batch', async () => {
    const res = await post(emergency, {
      events: [
        inspection('I-4'),
        published('NoSuchEvent', {}),
        finding({ worker: { idNumber: '110105194912310021', name: '张\u200B三' } }),
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ index: 1, pointer: '/events/1/type' }),
        expect.objectContaining({ index: 2, pointer: '/events/2/data/worker/idNumber' }),
        expect.objectContaining({ index: 2, pointer: '/events/2/data/worker/name' }),
      ]),
    );
    expect(await allEvents()).toHaveLength(0);
  });

  it('answers 403 when an agency publishes another agency’s event, and writes nothing', async () => {
    const res = await post(emergency, {
      events: [
        inspection('I-5'),
        published('CaseFiled', { caseId: 'K-1', suspects: 1, offence: 'x' }),
      ],
    });
    expect(res.status).toBe(403);
    expect(res.body.errors[0]).toMatchObject({ index: 1, pointer: '/events/1/type' });
    expect(await allEvents()).toHaveLength(0);
    expect(
      (
        await post(police, {
          events: [published('CaseFiled', { caseId: 'K-1', suspects: 1, offence: 'x' })],
        })
      ).status,
    ).toBe(201);
  });

  it('answers 401 without a credential or with a revoked one', async () => {
    expect((await post(undefined, { events: [inspection()] })).status).toBe(401);
    const { token, credential } = await credentials.create('market', 'old system', ['310000']);
    await credentials.revoke(credential.tokenId);
    expect((await post(token, { events: [inspection()] })).status).toBe(401);
  });

  it('answers 413 for a body over the limit, before parsing it', async () => {
    const res = await post(emergency, { events: [inspection()], padding: 'x'.repeat(70 * 1024) });
    expect(res.status).toBe(413);
    expect(await allEvents()).toHaveLength(0);
  });

  it('lets exactly one of two concurrent writers at the same expected revision win; the other gets 409', async () => {
    await post(emergency, { events: [inspection('I-6')] });
    const attempt = () =>
      post(emergency, {
        events: [finding({ inspectionId: 'I-6', findingId: `F-${Math.random()}` })],
        expectedRevisions: { 'inspection-I-6': 0 },
      });
    const statuses = (await Promise.all([attempt(), attempt()])).map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409]);
    expect(await store.readStream('inspection-I-6')).toHaveLength(2);
  });

  it('never writes raw ID numbers or tokens to the log', async () => {
    await post(emergency, { events: [finding({ inspectionId: 'I-7' })] });
    const log = logLines.join('\n');
    expect(log).toContain('events appended');
    expect(log).not.toContain(VALID_ID);
    expect(log).not.toContain(emergency);
  });

  it('serves health, readiness and Prometheus metrics', async () => {
    await post(emergency, { events: [inspection('I-8')] });
    expect((await request(app).get('/healthz')).status).toBe(200);
    expect((await request(app).get('/readyz')).body.status).toBe('ready');
    const metrics = await request(app).get('/metrics');
    expect(metrics.text).toMatch(
      /hub_events_ingested_total\{agency="emergency",type="InspectionConducted"\} 1/,
    );
  });
});
