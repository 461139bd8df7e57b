import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import request from 'supertest';
import { memoryAuditTrail } from '@hub/audit';
import type { EventStore } from '@hub/event-store';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { PersonalDataVault } from '@hub/personal-data';
import { createIngestionApp } from './app.js';
import { SqliteCredentialStore } from './credentials/sqlite-credential-store.js';
import { createIngestionMetrics } from './metrics.js';
import { WriteHealth } from './write-health.js';

/**
 * A store like KurrentDB for a hub account without admin rights: its head lies in $all, which
 * such an account may not read, while its own streams answer.
 */
function headOnlyForAdmins(inner: EventStore, reachable: boolean): EventStore {
  const store: EventStore = {
    append: (...a) => inner.append(...a),
    appendMany: (r) => inner.appendMany(r),
    readStream: (...a) => inner.readStream(...a),
    readAll: (o) => inner.readAll(o),
    subscribeToAll: (...a) => inner.subscribeToAll(...a),
    headPosition: () => Promise.reject(new Error('access denied: $all is for $admins')),
    close: () => inner.close(),
  };
  if (reachable) store.checkReachable = () => Promise.resolve();
  return store;
}

describe('GET /readyz', () => {
  let dir: string;
  let inner: SqliteEventStore;
  let credentials: SqliteCredentialStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hub-ready-'));
    inner = new SqliteEventStore({ filename: join(dir, 'events.db') });
    credentials = new SqliteCredentialStore(join(dir, 'hub.db'));
  });
  afterEach(async () => {
    await inner.close();
    await credentials.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // As the hub composes it: the store seen through the write-health watch.
  const readyz = (store: EventStore) =>
    request(
      createIngestionApp({
        audit: memoryAuditTrail(),
        store: new WriteHealth().watch(store),
        credentials,
        logger: pino({ level: 'silent' }),
        metrics: createIngestionMetrics(),
        bodyLimit: '64kb',
        sealing: new PersonalDataVault({ id: 'k1', secret: randomBytes(32) }),
      }),
    ).get('/readyz');

  it('is ready on a store the hub may reach without reading its global log', async () => {
    const res = await readyz(headOnlyForAdmins(inner, true));
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ready');
  });

  it('is not ready when the only check it has is the refused head read (the control)', async () => {
    const res = await readyz(headOnlyForAdmins(inner, false));
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('NOT_READY');
    expect(res.body.detail).toMatch(/access denied/);
  });

  it('is ready on the embedded store, which reads its own head', async () => {
    expect((await readyz(inner)).status).toBe(200);
  });
});
