import { getSQLiteEventStore } from '@event-driven-io/emmett-sqlite';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { bench, perSecond } from './report.js';
import { join, withTempDir } from './temp.js';
import { benchEvent } from './workload.js';

const STREAMS = 1000;
const PER_STREAM = 10;

interface Figures {
  append: number;
  read: number;
  concurrent: number;
  concurrentCommitted: number;
  concurrentFailed: number;
  concurrentAttempted: number;
}

/**
 * 100 writers × 100 single-event appends; a failed append is counted and the writer goes on.
 * Writers stop starting appends at the deadline: Emmett's file mode can spend minutes in lock
 * waits here, and the benchmark must end.
 */
async function concurrentWriters(
  append: (stream: string, i: number) => Promise<unknown>,
  deadlineMs = 60_000,
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

/** Our embedded store on the PEERS.md workload. */
async function ours(): Promise<Figures> {
  return withTempDir(async (dir) => {
    const store = new SqliteEventStore({ filename: join(dir, 'events.db') });
    let started = process.hrtime.bigint();
    for (let s = 0; s < STREAMS; s++)
      await store.append(
        `s-${s}`,
        Array.from({ length: PER_STREAM }, (_, i) => benchEvent(i)),
      );
    const append = perSecond(STREAMS * PER_STREAM, started);
    started = process.hrtime.bigint();
    let read = 0;
    for (let s = 0; s < STREAMS; s++) read += (await store.readStream(`s-${s}`)).length;
    const readRate = perSecond(read, started);
    const run = await concurrentWriters((stream, i) => store.append(stream, [benchEvent(i)]));
    let committed = 0;
    for (let w = 0; w < 100; w++) committed += (await store.readStream(`c-${w}`)).length;
    await store.close();
    return {
      append,
      read: readRate,
      concurrent: Math.round(committed / run.seconds),
      concurrentCommitted: committed,
      concurrentFailed: run.failed,
      concurrentAttempted: run.attempted,
    };
  });
}

let emmettUncaught = 0;
const countUncaught = () => {
  emmettUncaught += 1;
};

/** Emmett's SQLite event store, default (file) mode, same workload. Counts only what is read back. */
async function emmett(): Promise<Figures> {
  // Under concurrency Emmett 0.38.5 rejects promises nobody awaits; count them instead of dying.
  process.on('unhandledRejection', countUncaught);
  process.on('uncaughtException', countUncaught);
  try {
    return await emmettRun();
  } finally {
    process.off('unhandledRejection', countUncaught);
    process.off('uncaughtException', countUncaught);
  }
}

async function emmettRun(): Promise<Figures> {
  return withTempDir(async (dir) => {
    const fileName = join(dir, 'emmett.db');
    const store = getSQLiteEventStore({ fileName, schema: { autoMigration: 'CreateOrUpdate' } });
    const toEmmett = (i: number) => {
      const e = benchEvent(i);
      return { type: e.type, data: e.data as Record<string, unknown>, metadata: e.metadata };
    };
    let started = process.hrtime.bigint();
    for (let s = 0; s < STREAMS; s++)
      await store.appendToStream(
        `s-${s}`,
        Array.from({ length: PER_STREAM }, (_, i) => toEmmett(i)),
      );
    const append = perSecond(STREAMS * PER_STREAM, started);
    started = process.hrtime.bigint();
    let read = 0;
    for (let s = 0; s < STREAMS; s++) read += (await store.readStream(`s-${s}`)).events.length;
    const readRate = perSecond(read, started);
    // Emmett logs each failed append itself; keep the figures readable.
    const { log, error } = console;
    console.log = console.error = () => undefined;
    const run = await concurrentWriters(
      (stream, i) => store.appendToStream(stream, [toEmmett(i)]),
      30_000,
    ).finally(() => {
      console.log = log;
      console.error = error;
    });
    // Emmett's concurrent appends may fail or vanish: count what was really committed.
    const check = getSQLiteEventStore({ fileName });
    let committed = 0;
    for (let w = 0; w < 100; w++) {
      try {
        committed += (await check.readStream(`c-${w}`)).events.length;
      } catch {
        // an unreadable stream counts as nothing committed
      }
    }
    return {
      append,
      read: readRate,
      concurrent: Math.round(committed / run.seconds),
      concurrentCommitted: committed,
      concurrentFailed: run.failed,
      concurrentAttempted: run.attempted,
    };
  });
}

function median(values: Figures[], key: keyof Figures): number {
  return values.map((v) => v[key]).sort((a, b) => a - b)[1]!;
}

export async function peerSuite(): Promise<void> {
  const oursRuns = [await ours(), await ours(), await ours()];
  const emmettRuns = [await emmett(), await emmett(), await emmett()];
  for (const [figure, key] of [
    ['append_1000x10', 'append'],
    ['read_streams', 'read'],
    ['concurrent_single_appends_committed', 'concurrent'],
  ] as const) {
    const a = median(oursRuns, key);
    const b = median(emmettRuns, key);
    bench('store', `${figure}_embedded`, a, 'events/s');
    bench('store', `baseline_${figure}_emmett_sqlite_0_38_5`, b, 'events/s');
    bench('store', `${figure}_vs_emmett`, b === 0 ? Infinity : a / b, 'ratio');
  }
  bench(
    'store',
    'concurrent_committed_of_10000_embedded',
    median(oursRuns, 'concurrentCommitted'),
    'events',
  );
  bench(
    'store',
    'concurrent_committed_of_10000_emmett',
    median(emmettRuns, 'concurrentCommitted'),
    'events',
  );
  bench(
    'store',
    'concurrent_failed_appends_embedded',
    median(oursRuns, 'concurrentFailed'),
    'appends',
  );
  bench(
    'store',
    'concurrent_failed_appends_emmett',
    median(emmettRuns, 'concurrentFailed'),
    'appends',
  );
  bench(
    'store',
    'concurrent_attempted_appends_emmett_within_30s',
    median(emmettRuns, 'concurrentAttempted'),
    'appends',
  );
  bench('store', 'emmett_unhandled_errors_3_runs', emmettUncaught, 'errors');
}
