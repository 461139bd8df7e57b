import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { generateDemoCampaign } from '@hub/demo';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { publishAsAgencies } from '@hub/ingestion';
import { inspection } from '@hub/domain/testing';
import { ReadModelStoreFullError, type ProjectionBatch } from './port.js';
import { ProjectionRunner } from './runner.js';
import { SqliteReadModelStore } from './sqlite/sqlite-read-model-store.js';
import { PersonalDataVault } from '@hub/personal-data';

let dir: string;
let store: SqliteEventStore;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hub-concurrent-'));
  store = new SqliteEventStore({ filename: join(dir, 'events.db') });
  const campaign = generateDemoCampaign();
  const more = Array.from({ length: 3000 }, (_, i) => ({
    agency: 'emergency' as const,
    event: inspection(`INS-C-${i}`),
  }));
  const { problems } = await publishAsAgencies(store, [...campaign, ...more], {
    sealing: new PersonalDataVault({ id: 'k1', secret: randomBytes(32) }),
  });
  expect(problems).toEqual([]);
});
afterAll(async () => {
  for (const c of open) await c.close().catch(() => undefined);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function readModels(file: string, writerThread = false): SqliteReadModelStore {
  const rm = new SqliteReadModelStore(join(dir, file), { writerThread });
  open.push(rm);
  return rm;
}

function dump(file: string) {
  const db = new Database(join(dir, file), { readonly: true });
  try {
    return {
      checkpoints: db.prepare('SELECT projection, position FROM rm_checkpoints ORDER BY 1').all(),
      documents: db.prepare('SELECT collection, key, value FROM rm_documents ORDER BY 1, 2').all(),
      facts: db.prepare('SELECT * FROM rm_facts ORDER BY measure, unit, day, position').all(),
    };
  } finally {
    db.close();
  }
}

describe('read models written by two processes at once (a CLI beside the running hub)', () => {
  it('a commit waits for another connection that holds the write lock, instead of failing with SQLITE_BUSY', async () => {
    const file = 'busy.db';
    const rm = readModels(file, true);
    const other = new Database(join(dir, file));
    other.pragma('busy_timeout = 5000');
    // The other process writes and holds its transaction open for a moment.
    other.exec('BEGIN IMMEDIATE');
    other
      .prepare("INSERT INTO rm_documents (collection, key, value) VALUES ('other', 'k', '1')")
      .run();
    const committing = rm.commit([
      {
        projection: 'agency-activity',
        version: 1,
        after: undefined,
        position: 1n,
        documents: [{ key: 'a', value: 1 }],
        facts: [],
      },
    ]);
    await new Promise((r) => setTimeout(r, 300));
    other.exec('COMMIT');
    other.close();
    await expect(committing).resolves.toBeUndefined();
    expect((await rm.checkpoints()).map((c) => c.position)).toEqual([1n]);
  });

  it('a rebuild beside a running runner finishes, and the read model equals a clean build', async () => {
    const clean = new ProjectionRunner({
      store,
      readModels: readModels('clean.db'),
      batchSize: 200,
    });
    await clean.catchUp();

    const shared = 'shared.db';
    const hub = new ProjectionRunner({
      store,
      readModels: readModels(shared, true),
      batchSize: 200,
      pollMs: 5,
    });
    await hub.catchUp();
    hub.start();
    try {
      for (const name of ['statistics', 'clue-ledger', 'inspection-outcomes', 'agency-activity']) {
        const cli = new ProjectionRunner({ store, readModels: readModels(shared), batchSize: 200 });
        await expect(cli.rebuild(name)).resolves.toBeGreaterThan(0);
      }
    } finally {
      await hub.stop();
    }
    await hub.catchUp();
    expect(dump(shared)).toEqual(dump('clean.db'));
  });

  it('a rebuild writes only the read model it rebuilds', async () => {
    const file = 'only.db';
    const rm = readModels(file);
    const runner = new ProjectionRunner({ store, readModels: rm, batchSize: 500 });
    await runner.rebuild('clue-ledger');
    expect((await rm.checkpoints()).map((c) => c.projection)).toEqual(['clue-ledger']);
  });
});

describe('stopping the runner', () => {
  it.each([1, 2])(
    'finishes the pages in flight and leaves the rest for the next start (%i pages per commit)',
    async (pagesPerCommit) => {
      const rm = readModels(`stop-${pagesPerCommit}.db`, true);
      const runner = new ProjectionRunner({
        store,
        readModels: rm,
        batchSize: 100,
        pagesPerCommit,
      });
      const head = await store.headPosition();
      runner.start();
      await new Promise((r) => setTimeout(r, 50));
      await runner.stop();
      const positions = (await rm.checkpoints()).map((c) => c.position);
      // Stopped early: some pages committed, not all of them.
      expect(positions.every((p) => p < head!)).toBe(true);
      // And what it committed is consistent: the next catch-up completes from there.
      await runner.catchUp();
      expect((await rm.checkpoints()).every((c) => c.position === head)).toBe(true);
    },
  );
});

describe('on storage without room for a large page', () => {
  /** Refuses, as a full disk does, any commit of more than `room` events. */
  class SmallRoom {
    refused = 0;
    constructor(
      readonly inner: SqliteReadModelStore,
      private readonly room: bigint,
    ) {}
    checkpoints = () => this.inner.checkpoints();
    reset = (p: string) => this.inner.reset(p);
    getDocuments = (c: string, k: readonly string[]) => this.inner.getDocuments(c, k);
    listDocuments = (c: string) => this.inner.listDocuments(c);
    pageDocuments: SqliteReadModelStore['pageDocuments'] = (c, p) => this.inner.pageDocuments(c, p);
    pageKeys: SqliteReadModelStore['pageKeys'] = (c, p) => this.inner.pageKeys(c, p);
    aggregate: SqliteReadModelStore['aggregate'] = (q) => this.inner.aggregate(q);
    trace: SqliteReadModelStore['trace'] = (q, l) => this.inner.trace(q, l);
    close = () => this.inner.close();
    async commit(batches: readonly ProjectionBatch[]) {
      if (batches.some((b) => b.position - (b.after ?? 0n) > this.room)) {
        this.refused += 1;
        throw new ReadModelStoreFullError();
      }
      await this.inner.commit(batches);
    }
  }

  it('commits each page alone when pages gathered do not fit, without shrinking the pages', async () => {
    // Room for one page of 100 events, not for five gathered.
    const onePage = new SmallRoom(readModels('room-for-one-page.db'), 100n);
    const committed: number[] = [];
    const runner = new ProjectionRunner({
      store,
      readModels: onePage,
      batchSize: 100,
      pagesPerCommit: 5,
    });
    await runner.catchUp((_p, n) => committed.push(n));
    const head = await store.headPosition();
    expect((await onePage.checkpoints()).every((c) => c.position === head)).toBe(true);
    expect(onePage.refused).toBe(1);
    // Every commit after the refusal held one page of 100 (the last one the rest).
    const sizes = committed.map((n, i) => n - (committed[i - 1] ?? 0));
    expect(sizes.slice(0, -1).every((n) => n === 100)).toBe(true);
  });

  it('shrinks the page until it fits and reaches the head', async () => {
    const small = new SmallRoom(readModels('small-room.db'), 400n);
    const runner = new ProjectionRunner({ store, readModels: small, batchSize: 2000 });
    await expect(runner.catchUp()).resolves.toBeGreaterThan(0);
    const head = await store.headPosition();
    expect((await small.checkpoints()).every((c) => c.position === head)).toBe(true);
    expect(small.refused).toBeGreaterThan(0);
  });
});
