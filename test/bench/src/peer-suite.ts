import { getSQLiteEventStore } from '@event-driven-io/emmett-sqlite';
import {
  getSQLiteEventStore as getSQLiteEventStore042,
  sqliteConnection as sqliteConnection042,
} from '@hub/bench-emmett-042';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { bench, perSecond } from './report.js';
import { join, withTempDir } from './temp.js';
import { benchEvent } from './workload.js';

const STREAMS = 1000;
const PER_STREAM = 10;
const BATCHES = 100;
const BATCH = 100;

/** W1 append 1,000 × 10, W2 100 appends of 100, W3 concurrent writers (committed/s), W4 read W1. */
interface Figures {
  append: number;
  batches: number;
  concurrent: number;
  read: number;
  concurrentCommitted: number;
  concurrentFailed: number;
  concurrentAttempted: number;
}

/** What the PEERS.md workloads need of a store. */
interface PeerStore {
  append(stream: string, events: ReturnType<typeof benchEvent>[]): Promise<unknown>;
  /** Events of a stream, read back; a stream that cannot be read counts as nothing. */
  count(stream: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * 100 writers × 100 single-event appends; a failed append is counted and the writer goes on.
 * Writers stop starting appends at the deadline: Emmett's file mode can spend minutes in lock
 * waits here, and the benchmark must end.
 */
async function concurrentWriters(
  append: (stream: string, i: number) => Promise<unknown>,
  deadlineMs: number,
): Promise<{ seconds: number; failed: number; attempted: number }> {
  let failed = 0;
  let attempted = 0;
  const started = process.hrtime.bigint();
  const deadline = Date.now() + deadlineMs;
  await Promise.all(
    Array.from({ length: 100 }, async (_, w) => {
      for (let i = 0; i < 100 && Date.now() < deadline; i++) {
        attempted += 1;
        try {
          await append(`c-${w}`, i);
        } catch {
          failed += 1;
        }
      }
    }),
  );
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, failed, attempted };
}

/** The four workloads on one store; only what is read back counts as committed. */
async function workloads(store: PeerStore, deadlineMs: number): Promise<Figures> {
  const w1 = Array.from({ length: STREAMS }, (_, s) =>
    Array.from({ length: PER_STREAM }, (_, i) => benchEvent(s * PER_STREAM + i)),
  );
  let started = process.hrtime.bigint();
  for (let s = 0; s < STREAMS; s++) await store.append(`s-${s}`, w1[s]!);
  const append = perSecond(STREAMS * PER_STREAM, started);

  const w2 = Array.from({ length: BATCHES }, (_, b) =>
    Array.from({ length: BATCH }, (_, i) => benchEvent(b * BATCH + i)),
  );
  started = process.hrtime.bigint();
  for (let b = 0; b < BATCHES; b++) await store.append(`b-${b}`, w2[b]!);
  const batches = perSecond(BATCHES * BATCH, started);

  started = process.hrtime.bigint();
  let read = 0;
  for (let s = 0; s < STREAMS; s++) read += await store.count(`s-${s}`);
  const readRate = perSecond(read, started);

  const run = await concurrentWriters(
    (stream, i) => store.append(stream, [benchEvent(i)]),
    deadlineMs,
  );
  let committed = 0;
  for (let w = 0; w < 100; w++) committed += await store.count(`c-${w}`);
  return {
    append,
    batches,
    read: readRate,
    concurrent: Math.round(committed / run.seconds),
    concurrentCommitted: committed,
    concurrentFailed: run.failed,
    concurrentAttempted: run.attempted,
  };
}

/** Our embedded store as shipped (group commit, synchronous=FULL, SHA-256 chain). */
async function ours(): Promise<Figures> {
  return withTempDir(async (dir) => {
    const store = new SqliteEventStore({ filename: join(dir, 'events.db') });
    try {
      return await workloads(
        {
          append: (stream, events) => store.append(stream, events),
          count: async (stream) => (await store.readStream(stream)).length,
          close: () => store.close(),
        },
        60_000,
      );
    } finally {
      await store.close();
    }
  });
}

const toEmmett = (e: ReturnType<typeof benchEvent>) => ({
  type: e.type,
  data: e.data as Record<string, unknown>,
  metadata: e.metadata,
});

let emmettUncaught = 0;
const emmettRunsFailed = { '0.38.5': 0, '0.42.4': 0 };
/** The first reason each version's run failed outright, printed with the count. */
const emmettFailure: Partial<Record<keyof typeof emmettRunsFailed, string>> = {};
const countUncaught = () => {
  emmettUncaught += 1;
};

/**
 * Runs an Emmett workload with its failures counted, not fatal, and its own logging muted; a
 * run that fails outright (a sequential append or a read rejected) is counted and left out.
 */
async function emmettGuarded<T>(
  version: keyof typeof emmettRunsFailed,
  run: () => Promise<T>,
): Promise<T | undefined> {
  // Under concurrency Emmett 0.38.5 rejects promises nobody awaits; count them instead of dying.
  process.on('unhandledRejection', countUncaught);
  process.on('uncaughtException', countUncaught);
  // Emmett logs each failed append itself; keep the figures readable.
  const { log, error } = console;
  console.log = console.error = () => undefined;
  try {
    return await run();
  } catch (error) {
    emmettRunsFailed[version] += 1;
    emmettFailure[version] ??= error instanceof Error ? error.message : String(error);
    return undefined;
  } finally {
    console.log = log;
    console.error = error;
    process.off('unhandledRejection', countUncaught);
    process.off('uncaughtException', countUncaught);
  }
}

/** Emmett SQLite 0.38.5 in its default (file) mode: a connection opened per call. */
async function emmett038(): Promise<Figures | undefined> {
  return withTempDir((dir) =>
    emmettGuarded('0.38.5', async () => {
      const fileName = join(dir, 'emmett.db');
      const store = getSQLiteEventStore({ fileName, schema: { autoMigration: 'CreateOrUpdate' } });
      // Read back with a store of its own: the one written through may have failed.
      const check = getSQLiteEventStore({ fileName });
      return workloads(
        {
          append: (stream, events) => store.appendToStream(stream, events.map(toEmmett)),
          count: async (stream) => {
            try {
              return (await check.readStream(stream)).events.length;
            } catch {
              return 0;
            }
          },
          close: () => Promise.resolve(),
        },
        30_000,
      );
    }),
  );
}

/**
 * Emmett SQLite 0.42.4 at its fastest: one shared connection (singleton with an explicit
 * connection; `singleton: true` alone keeps a connection per call for a file), WAL as Emmett
 * sets it and synchronous=FULL set here, as ours.
 */
async function emmett042Shared(): Promise<Figures | undefined> {
  return withTempDir((dir) =>
    emmettGuarded('0.42.4', async () => {
      const fileName = join(dir, 'emmett.db');
      const connection = sqliteConnection042({ fileName });
      await connection.command('PRAGMA journal_mode = WAL');
      await connection.command('PRAGMA synchronous = FULL');
      const store = getSQLiteEventStore042({
        fileName,
        schema: { autoMigration: 'CreateOrUpdate' },
        connectionOptions: { singleton: true, connection },
      });
      try {
        return await workloads(
          {
            append: (stream, events) => store.appendToStream(stream, events.map(toEmmett)),
            count: async (stream) => {
              try {
                return (await store.readStream(stream)).events.length;
              } catch {
                return 0;
              }
            },
            close: () => Promise.resolve(),
          },
          30_000,
        );
      } finally {
        connection.close();
      }
    }),
  );
}

/** The median of the runs that completed (of three; a failed run is reported apart). */
function median(values: Figures[], key: keyof Figures): number {
  const sorted = values.map((v) => v[key]).sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** Median of three runs of each system, taken in turns so that drift meets all of them. */
export async function peerSuite(): Promise<void> {
  const runs: Record<'ours' | 'e038' | 'e042', Figures[]> = { ours: [], e038: [], e042: [] };
  for (let round = 0; round < 3; round++) {
    runs.ours.push(await ours());
    const e042 = await emmett042Shared();
    if (e042) runs.e042.push(e042);
    const e038 = await emmett038();
    if (e038) runs.e038.push(e038);
  }
  for (const [figure, key] of [
    ['append_1000x10', 'append'],
    ['append_100x100', 'batches'],
    ['concurrent_single_appends_committed', 'concurrent'],
    ['read_streams', 'read'],
  ] as const) {
    const a = median(runs.ours, key);
    const shared = median(runs.e042, key);
    const perCall = median(runs.e038, key);
    bench('store', `${figure}_embedded`, a, 'events/s');
    bench('store', `baseline_${figure}_emmett_sqlite_0_42_4_shared_connection`, shared, 'events/s');
    bench(
      'store',
      `${figure}_vs_emmett_0_42_4_shared`,
      shared === 0 ? Infinity : a / shared,
      'ratio',
    );
    bench(
      'store',
      `baseline_${figure}_emmett_sqlite_0_38_5_connection_per_call`,
      perCall,
      'events/s',
    );
    bench('store', `${figure}_vs_emmett_0_38_5`, perCall === 0 ? Infinity : a / perCall, 'ratio');
  }
  for (const [label, key] of [
    ['embedded', 'ours'],
    ['emmett_0_42_4_shared', 'e042'],
    ['emmett_0_38_5', 'e038'],
  ] as const) {
    bench(
      'store',
      `concurrent_committed_of_10000_${label}`,
      median(runs[key], 'concurrentCommitted'),
      'events',
    );
    bench(
      'store',
      `concurrent_failed_appends_${label}`,
      median(runs[key], 'concurrentFailed'),
      'appends',
    );
  }
  bench(
    'store',
    'concurrent_attempted_appends_emmett_0_38_5_within_30s',
    median(runs.e038, 'concurrentAttempted'),
    'appends',
  );
  bench('store', 'emmett_unhandled_errors_3_runs', emmettUncaught, 'errors');
  bench('store', 'emmett_0_42_4_runs_failed_of_3', emmettRunsFailed['0.42.4'], 'runs');
  bench('store', 'emmett_0_38_5_runs_failed_of_3', emmettRunsFailed['0.38.5'], 'runs');
  // A failed run leaves its figures out (a ratio over none prints as Infinity): say why.
  for (const [version, reason] of Object.entries(emmettFailure))
    console.log(`# emmett ${version}: a run failed outright: ${reason.split('\n')[0]}`);
}
