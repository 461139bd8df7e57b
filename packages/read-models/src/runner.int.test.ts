import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { generateDemoCampaign } from '@hub/demo';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { publishAsAgencies } from '@hub/ingestion';
import type { ProjectionBatch, ReadModelStore } from './port.js';
import { ProjectionRunner } from './runner.js';
import { cachedForm } from './reports.js';
import { SHANGHAI_2024, type DocumentProjection, type RecordedHubEvent } from '@hub/domain';
import { creditCodeFor, inspection } from '@hub/domain/testing';
import { SqliteReadModelStore } from './sqlite/sqlite-read-model-store.js';
import { PersonalDataVault } from '@hub/personal-data';

const sealing = new PersonalDataVault({ id: 'k1', secret: randomBytes(32) });

let dir: string;
let store: SqliteEventStore;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hub-runner-'));
  store = new SqliteEventStore({ filename: join(dir, 'events.db') });
  const { problems } = await publishAsAgencies(store, generateDemoCampaign(), { sealing });
  expect(problems).toEqual([]);
});
afterAll(async () => {
  for (const c of open) await c.close().catch(() => undefined);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function readModels(name: string, writerThread = false): SqliteReadModelStore {
  const rm = new SqliteReadModelStore(join(dir, `${name}.db`), { writerThread });
  open.push(rm);
  return rm;
}

/** Everything a read model holds, in a comparable form. */
function dump(name: string) {
  const db = new Database(join(dir, `${name}.db`), { readonly: true });
  try {
    return {
      checkpoints: db
        .prepare('SELECT projection, version, position FROM rm_checkpoints ORDER BY 1')
        .all(),
      documents: db.prepare('SELECT collection, key, value FROM rm_documents ORDER BY 1, 2').all(),
      facts: db.prepare('SELECT * FROM rm_facts ORDER BY measure, unit, day, position').all(),
    };
  } finally {
    db.close();
  }
}

/** A store that dies like a crashed process: the Nth commit never happens. */
class CrashingStore implements ReadModelStore {
  commits = 0;
  constructor(
    private readonly inner: ReadModelStore,
    private readonly crashAt: number,
    private readonly afterCommit: boolean,
  ) {}
  checkpoints = () => this.inner.checkpoints();
  reset = (p: string) => this.inner.reset(p);
  getDocuments = (c: string, k: readonly string[]) => this.inner.getDocuments(c, k);
  listDocuments = (c: string) => this.inner.listDocuments(c);
  pageDocuments: ReadModelStore['pageDocuments'] = (c, p) => this.inner.pageDocuments(c, p);
  pageKeys: ReadModelStore['pageKeys'] = (c, p) => this.inner.pageKeys(c, p);
  aggregate: ReadModelStore['aggregate'] = (q) => this.inner.aggregate(q);
  trace: ReadModelStore['trace'] = (q, l) => this.inner.trace(q, l);
  close = () => this.inner.close();
  async commit(batches: readonly ProjectionBatch[]) {
    this.commits += 1;
    if (this.commits === this.crashAt && !this.afterCommit) throw new Error('crash before commit');
    await this.inner.commit(batches);
    if (this.commits === this.crashAt)
      throw new Error('crash after commit, before the runner knew');
  }
}

describe('projection runner', () => {
  it('rebuilds a read model whose projection code changed version, instead of mixing two shapes', async () => {
    const byAgency: DocumentProjection<{ n: number }> = {
      kind: 'documents',
      name: 'activity-test',
      version: 1,
      handles: ['InspectionConducted'],
      keysOf: (e) => [e.metadata.agency],
      evolve: (doc) => ({ n: (doc?.n ?? 0) + 1 }),
    };
    const byUnit = {
      ...byAgency,
      version: 2,
      keysOf: (e: RecordedHubEvent) => [e.metadata.reportingUnit],
    };
    const upgraded = readModels('versions');
    await new ProjectionRunner({ store, readModels: upgraded, projections: [byAgency] }).catchUp();
    expect((await upgraded.listDocuments('activity-test')).map((d) => d.key)).toContain(
      'emergency',
    );
    await new ProjectionRunner({ store, readModels: upgraded, projections: [byUnit] }).catchUp();
    const clean = readModels('versions-clean');
    await new ProjectionRunner({ store, readModels: clean, projections: [byUnit] }).catchUp();
    expect(await upgraded.listDocuments('activity-test')).toEqual(
      await clean.listDocuments('activity-test'),
    );
    expect((await upgraded.checkpoints())[0]).toMatchObject({ version: 2 });
  });

  it('builds every read model up to the head of the store and reports no lag', async () => {
    const runner = new ProjectionRunner({ store, readModels: readModels('clean'), batchSize: 50 });
    const read = await runner.catchUp();
    expect(read).toBeGreaterThan(100);
    const status = await runner.status();
    const head = await store.headPosition();
    expect(status.map((s) => s.projection)).toEqual([
      'statistics',
      'clue-ledger',
      'clue-ledger-units',
      'case-tracking',
      'inspection-outcomes',
      'agency-activity',
    ]);
    for (const s of status)
      expect(s).toMatchObject({ position: head, lagEvents: 0, lagSeconds: 0, needsRebuild: false });
    expect(dump('clean').facts.length).toBeGreaterThan(100);
    expect(dump('clean').documents.length).toBeGreaterThan(10);
  });

  it.each([
    ['before', false, 1],
    ['after', true, 1],
    ['before', false, 3],
    ['after', true, 3],
  ])(
    'gives the same read models as a clean build after a crash %s a batch commit (%#: pages per commit)',
    async (_when, afterCommit, pagesPerCommit) => {
      const name = `crash-${afterCommit}-${pagesPerCommit}`;
      const crashing = new CrashingStore(readModels(name), 3, afterCommit);
      const options = { store, readModels: crashing, batchSize: 50, pagesPerCommit };
      await expect(new ProjectionRunner(options).catchUp()).rejects.toThrow(/crash/);
      // The restarted runner reads its checkpoints again and carries on.
      await new ProjectionRunner(options).catchUp();
      expect(dump(name)).toEqual(dump('clean'));
    },
  );

  it.each([1, 3])(
    'gives the same read models when pages are projected while the previous commit is on a writer thread (%i pages per commit)',
    async (pagesPerCommit) => {
      const name = `pipelined-${pagesPerCommit}`;
      const rm = readModels(name, true);
      const committed: number[] = [];
      const runner = new ProjectionRunner({ store, readModels: rm, batchSize: 7, pagesPerCommit });
      // Pages of 7 events: a clue's or a case's events fall on pages that overlap commits, and
      // with several pages per commit, on pages gathered into the same commit.
      await runner.catchUp((_p, events) => committed.push(events));
      const all = (await store.readAll({ maxCount: 100_000 })).length;
      expect(committed.length).toBe(Math.ceil(all / (7 * pagesPerCommit)));
      expect(committed.at(-1)).toBe(all);
      expect(committed).toEqual([...committed].sort((a, b) => a - b));
      expect(dump(name)).toEqual(dump('clean'));
    },
  );

  it('commits a page at once when it is not full (caught up), whatever the pages per commit', async () => {
    // A store of its own, filled in two steps with the shared store's first events.
    const events = await store.readAll({ maxCount: 130 });
    const own = new SqliteEventStore({ filename: join(dir, 'caught-up-events.db') });
    open.push(own);
    const copy = async (from: number, to: number) => {
      for (const e of events.slice(from, to))
        await own.append(e.streamName, [
          { id: e.id, type: e.type, data: e.data, metadata: e.metadata },
        ]);
    };
    await copy(0, 120);
    const rm = new CrashingStore(readModels('caught-up'), 0, false);
    const runner = new ProjectionRunner({
      store: own,
      readModels: rm,
      batchSize: 20,
      pagesPerCommit: 4,
    });
    const committed: number[] = [];
    await runner.catchUp((_p, n) => committed.push(n));
    // Full pages gather four to a commit; the last page (empty here) ends the pass.
    expect(committed).toEqual([80, 120]);
    await copy(120, 130);
    await runner.catchUp((_p, n) => committed.push(n));
    // Ten new events: one page, not full, committed at once.
    expect(committed).toEqual([80, 120, 10]);
    expect(rm.commits).toBe(3);
  });

  it.each([1, 5])(
    'commits the pages gathered before a page it cannot project, so that the next try starts after them (%i pages per commit)',
    async (pagesPerCommit) => {
      const events = await store.readAll({ maxCount: 100_000 });
      const bad = events[129]!.position;
      const failing: DocumentProjection<{ n: number }> = {
        kind: 'documents',
        name: 'fails-at-130',
        version: 1,
        handles: [...new Set(events.map((e) => e.type))],
        keysOf: (e) => [e.metadata.agency],
        evolve: (doc, e) => {
          if (e.recorded.position === bad) throw new Error('cannot project this event');
          return { n: (doc?.n ?? 0) + 1 };
        },
      };
      const rm = readModels(`fails-${pagesPerCommit}`, true);
      const runner = new ProjectionRunner({
        store,
        readModels: rm,
        projections: [failing],
        batchSize: 20,
        pagesPerCommit,
      });
      await expect(runner.catchUp()).rejects.toThrow('cannot project this event');
      // Pages of 20: the 130th event is on the seventh; the six before it are committed.
      expect((await rm.checkpoints()).map((c) => c.position)).toEqual([events[119]!.position]);
    },
  );

  it('stops projecting once the commit in flight has failed', async () => {
    let reads = 0;
    const counted = new Proxy(store, {
      get(target, property) {
        if (property === 'readAll')
          return (options?: { after?: bigint; maxCount?: number }) => {
            reads += 1;
            return target.readAll(options);
          };
        const value = Reflect.get(target, property) as unknown;
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
    const crashing = new CrashingStore(readModels('first-commit-fails'), 1, false);
    const runner = new ProjectionRunner({
      store: counted,
      readModels: crashing,
      batchSize: 20,
      pagesPerCommit: 3,
    });
    await expect(runner.catchUp()).rejects.toThrow(/crash/);
    // Three pages gathered into the failing commit, and at most one more read meanwhile (it
    // went on until the next commit was due: three more).
    expect(reads).toBeLessThanOrEqual(4);
  });

  it('rebuilds one projection from zero to the same read model', async () => {
    const rm = readModels('rebuild');
    const runner = new ProjectionRunner({ store, readModels: rm, batchSize: 50 });
    await runner.catchUp();
    const progress: number[] = [];
    await runner.rebuild('clue-ledger', (_p, events) => progress.push(events));
    expect(progress.length).toBeGreaterThan(1);
    expect(dump('rebuild')).toEqual(dump('clean'));
    await expect(runner.rebuild('nope')).rejects.toThrow(/no projection "nope"/);
  });

  it('reads back, while rebuilding, a document it wrote pages before the previous one', async () => {
    const events = await store.readAll({ maxCount: 100_000 });
    const perAgency: DocumentProjection<{ n: number }> = {
      kind: 'documents',
      name: 'per-agency-test',
      version: 1,
      handles: [...new Set(events.map((e) => e.type))],
      keysOf: (e) => [e.metadata.agency],
      evolve: (doc) => ({ n: (doc?.n ?? 0) + 1 }),
    };
    // Pages of one event: an agency's next event is mostly pages away, past the page still
    // committing (the runner holds that one's documents itself); the rest must be read back.
    const agencies = events.map((e) => String(e.metadata.agency));
    expect(agencies.some((a, i) => i >= 2 && agencies[i - 1] !== a && agencies[i - 2] !== a)).toBe(
      true,
    );
    const expected = new Map<string, number>();
    for (const a of agencies) expected.set(a, (expected.get(a) ?? 0) + 1);
    for (const [writerThread, pagesPerCommit] of [
      [false, 1],
      [true, 1],
      [true, 3],
    ] as const) {
      const rm = readModels(`read-back-${String(writerThread)}-${pagesPerCommit}`, writerThread);
      await new ProjectionRunner({
        store,
        readModels: rm,
        projections: [perAgency],
        batchSize: 1,
        pagesPerCommit,
      }).catchUp();
      const built = await rm.listDocuments('per-agency-test');
      expect(new Map(built.map((d) => [d.key, (d.value as { n: number }).n]))).toEqual(expected);
    }
  });

  it.each([
    ['counts it from positions', true],
    ['reads it, where the store cannot count', false],
  ])('reports lag once per distinct checkpoint, capped: %s', async (_, canCount) => {
    const all = (await store.readAll({ maxCount: 1_000_000 })).length;
    const reads: number[] = [];
    // The same store, its readAll watched, with or without countAfter.
    const watched = new Proxy(store, {
      get(target, property) {
        if (property === 'countAfter' && !canCount) return undefined;
        if (property === 'readAll')
          return (options?: { maxCount?: number }) => {
            reads.push(options?.maxCount ?? 1000);
            return target.readAll(options);
          };
        const value = Reflect.get(target, property) as unknown;
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
    const runner = new ProjectionRunner({
      store: watched,
      readModels: readModels(`lag-${canCount}`),
    });
    const fresh = await runner.status(all + 10);
    expect(fresh.map((s) => [s.lagEvents, s.lagCapped])).toEqual(fresh.map(() => [all, false]));
    expect(fresh.every((s) => s.lagSeconds > 0)).toBe(true);
    // Six projections, one checkpoint (none yet): one reading, of one event when counted.
    expect(reads).toEqual([canCount ? 1 : all + 10]);
    const capped = await runner.status(10);
    expect(capped.map((s) => [s.lagEvents, s.lagCapped])).toEqual(capped.map(() => [10, true]));
    await runner.catchUp();
    reads.length = 0;
    expect((await runner.status()).map((s) => s.lagEvents)).toEqual(fresh.map(() => 0));
    expect(reads).toEqual([]);
  });

  it('lets the thread run a timer between pages while behind, not only at the head', async () => {
    const head = Number(await store.headPosition());
    // Pages of 50 over the demo's events, committed on this thread: nothing else would yield.
    const rm = readModels('yields');
    const runner = new ProjectionRunner({ store, readModels: rm, batchSize: 50 });
    let appliedWhenTimerRan: number | undefined;
    let applied = 0;
    const timer = new Promise<void>((resolve) =>
      setTimeout(() => {
        appliedWhenTimerRan = applied;
        resolve();
      }, 0),
    );
    await runner.catchUp((position) => void (applied = Number(position)));
    await timer;
    expect(applied).toBe(head);
    // Due before the first page was read, it ran before the head was reached.
    expect(appliedWhenTimerRan).toBeLessThan(head);
  });

  it('follows new events in the background and shows lag while behind', async () => {
    const rm = readModels('follow');
    const runner = new ProjectionRunner({ store, readModels: rm, pollMs: 20 });
    const [behind] = await runner.status();
    expect(behind!.lagEvents).toBeGreaterThan(0);
    expect(behind!.lagSeconds).toBeGreaterThanOrEqual(0);
    runner.start();
    const deadline = Date.now() + 10_000;
    while ((await runner.status()).some((s) => s.lagEvents > 0) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await runner.stop();
    expect(dump('follow')).toEqual(dump('clean'));
  });
});

describe('projection runner pace', () => {
  it('looks again soon while events keep coming, and at its idle pace once they stop', async () => {
    const own = new SqliteEventStore({ filename: join(dir, 'pace-events.db') });
    open.push(own);
    let reads = 0;
    const counted = new Proxy(own, {
      get(target, property) {
        if (property === 'readAll')
          return (options: Parameters<SqliteEventStore['readAll']>[0]) => {
            reads += 1;
            return target.readAll(options);
          };
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
    let published = 0;
    const publishOne = async () => {
      published += 1;
      const { problems } = await publishAsAgencies(
        own,
        [{ agency: 'emergency', event: inspection(`INS-PACE-${published}`) }],
        { sealing },
      );
      expect(problems).toEqual([]);
    };
    // Idle, it would look only once a minute: everything sooner is the busy pace.
    const runner = new ProjectionRunner({
      store: counted,
      readModels: readModels('pace'),
      pollMs: 60_000,
      busyPollMs: 20,
    });
    await publishOne();
    runner.start();
    try {
      const until = Date.now() + 400;
      while (Date.now() < until) {
        await publishOne();
        await new Promise((r) => setTimeout(r, 2));
      }
      const readsWhileBusy = reads;
      // A look every 20 ms or so while events came (one a minute would be a single look).
      expect(readsWhileBusy).toBeGreaterThanOrEqual(5);
      // Each look finds a few events, which the store still holds: most come from memory.
      expect(own.recentReadCount()).toBeGreaterThanOrEqual(published / 2);
      // The last events are projected without waiting for the idle minute.
      const deadline = Date.now() + 5_000;
      while ((await runner.status()).some((st) => st.lagEvents > 0) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect((await runner.status()).every((st) => st.lagEvents === 0)).toBe(true);
      // Nothing new: after one look that found nothing, it waits its idle minute.
      const idleFrom = reads;
      await new Promise((r) => setTimeout(r, 300));
      expect(reads - idleFrom).toBeLessThanOrEqual(2);
    } finally {
      await runner.stop();
    }
  });
});

describe('form cache', () => {
  it('serves the same form until the statistics move on, then computes it again', async () => {
    const rm = readModels('cache');
    const runner = new ProjectionRunner({ store, readModels: rm });
    await runner.catchUp();
    const request = { template: SHANGHAI_2024, unit: '310000', period: '2024-08' };
    const before = await cachedForm(rm, request);
    expect(await cachedForm(rm, request)).toBe(before);
    const inspected = (f: typeof before) =>
      f.rows[f.rows.length - 1]!.cells.find((c) => c.figureId === 'inspectedEnterprises')!.value;
    const { problems } = await publishAsAgencies(
      store,
      [
        {
          agency: 'emergency',
          event: {
            ...inspection('INS-CACHE-1', {
              subject: { creditCode: creditCodeFor('MA1FL3LQ1', '310105'), name: '新检查企业' },
            }),
            occurredAt: '2024-07-20T10:00:00+08:00',
          },
        },
      ],
      { sealing },
    );
    expect(problems).toEqual([]);
    await runner.catchUp();
    const after = await cachedForm(rm, request);
    expect(after).not.toBe(before);
    expect(BigInt(inspected(after))).toBe(BigInt(inspected(before)) + 1n);
  });
});
