import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import request from 'supertest';
import { inspection } from '@hub/domain/testing';
import { EventStoreFullError, type EventStore } from '@hub/event-store';
import { SqliteEventStore, ThreadedSqliteEventStore } from '@hub/event-store-sqlite';
import {
  createIngestionApp,
  createIngestionMetrics,
  directoryWriteProbe,
  publishAsAgencies,
  SqliteCredentialStore,
  WriteHealth,
} from '@hub/ingestion';
import { ProjectionRunner, SqliteReadModelStore } from '@hub/read-models';
import { mountSmallDisk, type SmallDisk } from '../support/small-disk';
import { PersonalDataVault } from '@hub/personal-data';
import { memoryAuditTrail } from '@hub/audit';

const sealing = new PersonalDataVault({ id: 'k1', secret: randomBytes(32) });

// A real full disk: a small tmpfs, filled. Where it cannot be mounted the tests say why.
const MiB = 1024 * 1024;
const mounted = mountSmallDisk(32 * MiB);
const disk = 'dir' in mounted ? mounted : undefined;
const reason = 'reason' in mounted ? mounted.reason : '';
const onDisk = disk ? describe : describe.skip;
afterAll(() => disk?.unmount());

const batch = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => inspection(`INS-FULL-${from + i}`));

// The embedded store as the hub opens it (appends on a writer thread) and on the caller's thread.
const variants = [
  ['with a writer thread', (filename: string) => new ThreadedSqliteEventStore({ filename })],
  ['on the calling thread', (filename: string) => new SqliteEventStore({ filename })],
] as const;

describe.each(variants)('%s', (_, openStore) => {
  onDisk(`the event store on a full disk${disk ? '' : ` (skipped: ${reason})`}`, () => {
    const d = disk as SmallDisk;
    let dir: string;
    let store: EventStore;
    let credentials: SqliteCredentialStore;
    let token: string;
    let app: ReturnType<typeof createIngestionApp>;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'hub-full-'));
      store = openStore(join(d.dir, `events-${Math.random().toString(36).slice(2)}.db`));
      credentials = new SqliteCredentialStore(join(dir, 'hub.db'));
      token = (await credentials.create('emergency', 'test', ['000000'])).token;
      const health = new WriteHealth(directoryWriteProbe(d.dir));
      app = createIngestionApp({
        audit: memoryAuditTrail(),
        store: health.watch(store),
        credentials,
        logger: pino({ level: 'silent' }),
        metrics: createIngestionMetrics(),
        bodyLimit: '5mb',
        sealing,
        readinessChecks: [() => health.check()],
      });
    });
    afterAll(async () => {
      d.free();
      await store.close();
      await credentials.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const publish = (from: number) =>
      request(app)
        .post('/v1/events')
        .set('Authorization', `Bearer ${token}`)
        .send({ events: batch(from, 200) });

    it('answers 507 with a problem that says the store cannot write, and /readyz is 503 until space returns', async () => {
      expect((await publish(0)).status).toBe(201);
      d.fill();
      const refused = await publish(1000);
      expect(refused.status).toBe(507);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.body).toMatchObject({ status: 507, code: 'EVENT_STORE_FULL' });
      expect(refused.body.detail).toMatch(/无法写入.*cannot write/);
      const notReady = await request(app).get('/readyz');
      expect(notReady.status).toBe(503);
      expect(notReady.body).toMatchObject({ code: 'NOT_READY', cause: 'EVENT_STORE_FULL' });

      d.free();
      expect((await request(app).get('/readyz')).status).toBe(200);
      expect((await publish(1000)).status).toBe(201);
    });

    it('the store itself reports EventStoreFullError, and nothing of the append is kept', async () => {
      const head = await store.headPosition();
      d.fill();
      try {
        await expect(
          store.appendMany([{ stream: 'full-test', events: batch(5000, 200).map(toNew) }]),
        ).rejects.toBeInstanceOf(EventStoreFullError);
      } finally {
        d.free();
      }
      expect(await store.headPosition()).toBe(head);
    });
  });
});

function toNew(e: ReturnType<typeof inspection>) {
  return { id: e.id, type: e.type, data: e.data, metadata: {} };
}

onDisk(`projections on a nearly full disk${disk ? '' : ` (skipped: ${reason})`}`, () => {
  const d = disk as SmallDisk;
  let dir: string;
  let store: SqliteEventStore;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hub-full-rm-'));
    store = new SqliteEventStore({ filename: join(dir, 'events.db') });
    const events = batch(0, 40_000).map((event) => ({ agency: 'emergency' as const, event }));
    const { problems } = await publishAsAgencies(store, events, { sealing, chunkSize: 1000 });
    expect(problems).toEqual([]);
  }, 120_000);
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('catch-up in pages of 10,000 still reaches the head with little space left', async () => {
    const clean = join(dir, 'clean.db');
    const reference = new SqliteReadModelStore(clean);
    await new ProjectionRunner({ store, readModels: reference }).catchUp();
    await reference.close();

    const file = join(d.dir, 'hub.db');
    const readModels = new SqliteReadModelStore(file, { writerThread: true });
    try {
      // Room for the finished read model and a little more, not for a WAL of many pages.
      d.fill(HEADROOM ?? statSync(clean).size + MARGIN);
      const runner = new ProjectionRunner({ store, readModels, batchSize: 10_000 });
      let error: unknown;
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          await runner.catchUp();
          error = undefined;
          break;
        } catch (e) {
          error = e;
        }
      }
      expect(error).toBeUndefined();
      const head = await store.headPosition();
      expect((await readModels.checkpoints()).every((c) => c.position === head)).toBe(true);
    } finally {
      await readModels.close();
      d.free();
    }
    expect(contents(file)).toEqual(contents(clean));
  }, 120_000);
});

// Measured with documents in a WITHOUT ROWID table: a finished read model of 13.26 MiB, the
// runner needing 13.5 MiB, its predecessor (WAL never folded in) over 14 MiB. With the rowid
// table (its key index apart) the finished file is 14.43 MiB and the runner needs under 15.
const MARGIN = 0.75 * MiB;
const HEADROOM = process.env.TEST_FULL_HEADROOM
  ? Number(process.env.TEST_FULL_HEADROOM)
  : undefined;

function contents(file: string) {
  const db = new Database(file, { readonly: true });
  try {
    return {
      documents: db.prepare('SELECT count(*) AS n FROM rm_documents').get(),
      facts: db.prepare('SELECT count(*) AS n, sum(value) AS v FROM rm_facts').get(),
      checkpoints: db.prepare('SELECT projection, position FROM rm_checkpoints ORDER BY 1').all(),
    };
  } finally {
    db.close();
  }
}
