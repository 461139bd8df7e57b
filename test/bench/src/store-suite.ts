import { hash, randomBytes } from 'node:crypto';
import { chainInput } from '@hub/event-store';
import Database from 'better-sqlite3';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { peerSuite } from './peer-suite.js';
import { bench, interleavedRuns, median, medianOf3, perSecond } from './report.js';
import { join, withTempDir } from './temp.js';
import { benchEvent } from './workload.js';

const BATCHES = 1000;
const BATCH = 100;

/** Batched appends (1,000 appends of 100 events) on the embedded store as shipped. */
async function batchedAppends(chain: 'sha256' | 'sm3' | false = 'sha256'): Promise<number> {
  return withTempDir(async (dir) => {
    const store = new SqliteEventStore({ filename: join(dir, 'events.db'), chain });
    const batches = Array.from({ length: BATCHES }, (_, b) =>
      Array.from({ length: BATCH }, (_, i) => benchEvent(b * BATCH + i)),
    );
    const started = process.hrtime.bigint();
    for (let b = 0; b < BATCHES; b++) await store.append(`inspection-${b}`, batches[b]!);
    const rate = perSecond(BATCHES * BATCH, started);
    await store.close();
    return rate;
  });
}

/** As the store: event ids join event_ids every 20,000 events, sorted by key. */
const ID_INDEX_LAG = 20_000;

/**
 * The floor: the same rows made durable as fast as better-sqlite3 can (WAL, synchronous=FULL,
 * the store's tables and unique indexes, one prepared 100-row INSERT of the events per batch,
 * one transaction per batch). No checks: only the durable work. `chained`: it writes the chain
 * link the store writes too (SHA-256 of the same canonical bytes, the previous link included);
 * without it, the floor writes no chain at all. `idIndex`: the store's index of event ids (a 64-bit key per id, which
 * idempotency needs, written as the store writes it: the last 20,000 ids at once, sorted, in
 * the transaction of the batch that follows them, 100 to a statement), the text id unique in
 * the events table as the store kept it before schema 2, or none (what Emmett keeps).
 */
async function rawInserts(
  idIndex: 'keyed' | 'text' | 'none' = 'keyed',
  chained = false,
): Promise<number> {
  return withTempDir(async (dir) => {
    const db = new Database(join(dir, 'raw.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    // The store's own checkpoint size, so that the floor is not slowed by more checkpoints.
    db.pragma('wal_autocheckpoint = 10000');
    db.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY ${idIndex === 'text' ? 'AUTOINCREMENT' : ''}, event_id TEXT NOT NULL ${idIndex === 'text' ? 'UNIQUE' : ''}, stream TEXT NOT NULL,
      revision INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at TEXT NOT NULL,
      chain TEXT, UNIQUE (stream, revision));
      CREATE TABLE event_ids (id_key INTEGER PRIMARY KEY, position INTEGER NOT NULL)`);
    const insert = db.prepare(
      `INSERT INTO events (position, event_id, stream, revision, type, data, metadata, recorded_at${chained ? ', chain' : ''}) VALUES ${Array.from(
        { length: BATCH },
        () => (chained ? '(?, ?, ?, ?, ?, ?, ?, ?, ?)' : '(?, ?, ?, ?, ?, ?, ?, ?)'),
      ).join(', ')}`,
    );
    // Prepared multi-row statements for the ids too (ID_INDEX_LAG is a multiple of BATCH).
    const insertIds = db.prepare(
      `INSERT INTO event_ids (id_key, position) VALUES ${Array.from({ length: BATCH }, () => '(?, ?)').join(', ')}`,
    );
    const batches = Array.from({ length: BATCHES }, (_, b) =>
      Array.from({ length: BATCH }, (_, i) => benchEvent(b * BATCH + i)),
    );
    const secret = randomBytes(32).toString('hex');
    let waiting: Array<[bigint, number]> = [];
    const write = db.transaction((params: unknown[]) => {
      if (waiting.length >= ID_INDEX_LAG) {
        waiting.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
        for (let at = 0; at < waiting.length; at += BATCH)
          insertIds.run(waiting.slice(at, at + BATCH).flat());
        waiting = [];
      }
      insert.run(params);
    });
    let position = 0;
    let link: string | null = null;
    const started = process.hrtime.bigint();
    for (let b = 0; b < BATCHES; b++) {
      const now = new Date().toISOString();
      const stream = `inspection-${b}`;
      const params: unknown[] = [];
      batches[b]!.forEach((e, i) => {
        position += 1;
        const data = JSON.stringify(e.data);
        const metadata = JSON.stringify(e.metadata);
        params.push(position, e.id, stream, i, e.type, data, metadata, now);
        // The same link the store writes, worked out the fastest way found (one call per event).
        if (chained) {
          link = `sha256:${hash(
            'sha256',
            chainInput(link, {
              position,
              stream,
              revision: i,
              id: e.id,
              type: e.type,
              recordedAt: now,
              dataJson: data,
              metadataJson: metadata,
            }),
          )}`;
          params.push(link);
        }
        // The store's key: the first 8 bytes of SHA-256 of its secret and the id.
        if (idIndex === 'keyed')
          waiting.push([hash('sha256', secret + e.id, 'buffer').readBigInt64BE(0), position]);
      });
      write(params);
    }
    const rate = perSecond(BATCHES * BATCH, started);
    db.close();
    return rate;
  });
}

/** 10,000 single-event appends from 100 concurrent writers. */
async function concurrentSingles(groupCommit: boolean): Promise<number> {
  return withTempDir(async (dir) => {
    const store = new SqliteEventStore({ filename: join(dir, 'events.db'), groupCommit });
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: 100 }, async (_, w) => {
        for (let i = 0; i < 100; i++) await store.append(`writer-${w}`, [benchEvent(i)]);
      }),
    );
    const rate = perSecond(10_000, started);
    const committed = (await store.readAll({ maxCount: 20_000 })).length;
    await store.close();
    if (committed !== 10_000) throw new Error(`only ${committed} of 10000 appends were committed`);
    return rate;
  });
}

async function readAllThroughput(): Promise<number> {
  return withTempDir(async (dir) => {
    const store = new SqliteEventStore({ filename: join(dir, 'events.db') });
    for (let b = 0; b < 200; b++)
      await store.append(
        `s-${b}`,
        Array.from({ length: 500 }, (_, i) => benchEvent(i)),
      );
    const started = process.hrtime.bigint();
    let after: bigint | undefined;
    let count = 0;
    for (;;) {
      const page = await store.readAll({
        ...(after === undefined ? {} : { after }),
        maxCount: 1000,
      });
      if (page.length === 0) break;
      count += page.length;
      after = page[page.length - 1]!.position;
    }
    const rate = perSecond(count, started);
    await store.close();
    return rate;
  });
}

export async function storeSuite(): Promise<void> {
  // The store as shipped (SHA-256 chain), the same batches with the SM3 chain and with none,
  // and raw better-sqlite3 inserts of the same rows, in turns (see interleavedRuns), five rounds.
  const rounds = await interleavedRuns({
    sha256: () => batchedAppends('sha256'),
    sm3: () => batchedAppends('sm3'),
    unchained: () => batchedAppends(false),
    raw: () => rawInserts('keyed'),
    // The floor writing the same chain links as the store (its every column).
    rawChained: () => rawInserts('keyed', true),
    // The floor with the text id unique in the events table (the store's schema before 2).
    rawTextIdIndex: () => rawInserts('text'),
    // What the event id's index (idempotency) costs the floor: Emmett keeps none.
    rawNoIdIndex: () => rawInserts('none'),
  });
  const m = {
    sha256: median(rounds.sha256),
    sm3: median(rounds.sm3),
    unchained: median(rounds.unchained),
    raw: median(rounds.raw),
    rawChained: median(rounds.rawChained),
    rawTextIdIndex: median(rounds.rawTextIdIndex),
    rawNoIdIndex: median(rounds.rawNoIdIndex),
  };
  bench('store', 'batched_append_100', m.sha256, 'events/s');
  bench('store', 'baseline_raw_better_sqlite3_floor_100', m.raw, 'events/s');
  bench('store', 'batched_append_vs_raw_floor', m.sha256 / m.raw, 'ratio');
  // How steady: each round's ratio (the store and the floor side by side in time).
  const floorRounds = rounds.sha256.map((v, i) => v / rounds.raw[i]!);
  bench('store', 'batched_append_vs_raw_floor_round_min', Math.min(...floorRounds), 'ratio');
  bench('store', 'batched_append_vs_raw_floor_round_max', Math.max(...floorRounds), 'ratio');
  // The same durable work to the column: the floor writes the chain the store writes.
  bench('store', 'baseline_raw_floor_chained_100', m.rawChained, 'events/s');
  bench('store', 'batched_append_vs_raw_floor_chained', m.sha256 / m.rawChained, 'ratio');
  const chainedRounds = rounds.sha256.map((v, i) => v / rounds.rawChained[i]!);
  bench(
    'store',
    'batched_append_vs_raw_floor_chained_round_min',
    Math.min(...chainedRounds),
    'ratio',
  );
  bench(
    'store',
    'batched_append_vs_raw_floor_chained_round_max',
    Math.max(...chainedRounds),
    'ratio',
  );
  bench('store', 'raw_floor_chain_cost', m.rawChained / m.raw, 'ratio');
  bench('store', 'raw_floor_text_event_id_unique_100', m.rawTextIdIndex, 'events/s');
  bench('store', 'batched_append_vs_raw_floor_text_event_id', m.sha256 / m.rawTextIdIndex, 'ratio');
  bench('store', 'raw_floor_without_event_id_index_100', m.rawNoIdIndex, 'events/s');
  bench('store', 'raw_floor_event_id_index_cost', m.raw / m.rawNoIdIndex, 'ratio');
  bench('store', 'batched_append_100_unchained', m.unchained, 'events/s');
  bench('store', 'batched_append_100_chain_sm3', m.sm3, 'events/s');
  // The cost of the chain: 1 − chained/unchained (the target is at most 0.15).
  bench('store', 'chain_sha256_vs_unchained', m.sha256 / m.unchained, 'ratio');
  bench('store', 'chain_sm3_vs_unchained', m.sm3 / m.unchained, 'ratio');

  // In turns, five rounds: the ratio divides two I/O-bound figures, each as noisy as the disk.
  const runs = await interleavedRuns({
    grouped: () => concurrentSingles(true),
    ungrouped: () => concurrentSingles(false),
  });
  const grouped = median(runs.grouped);
  const ungrouped = median(runs.ungrouped);
  bench('store', 'concurrent_single_appends_group_commit', grouped, 'events/s');
  bench('store', 'baseline_concurrent_single_appends_no_group_commit', ungrouped, 'events/s');
  bench('store', 'group_commit_vs_none', grouped / ungrouped, 'ratio');
  // How steady: each round's ratio (its two runs side by side in time), lowest and highest. The
  // baseline is bound by one sync per append, the grouped store by CPU as much as by syncs, so
  // neighbours loading the disk raise the ratio and neighbours loading the CPU lower it.
  const perRound = runs.grouped.map((g, i) => g / runs.ungrouped[i]!);
  bench('store', 'group_commit_vs_none_round_min', Math.min(...perRound), 'ratio');
  bench('store', 'group_commit_vs_none_round_max', Math.max(...perRound), 'ratio');

  bench('store', 'read_all', await medianOf3(readAllThroughput), 'events/s');
  await peerSuite();
}
