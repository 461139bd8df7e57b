import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { clockAt, validatePublishedEvent, type AcceptedEvent } from '@hub/domain';
import type { AppendRequest } from '@hub/event-store';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { toAppendRequests } from '@hub/ingestion';
import { postJson } from './post-json.js';
import { bench, interleavedMedians, median, perSecond } from './report.js';
import { join, withTempDir } from './temp.js';
import { benchEvent } from './workload.js';

const HUB_MAIN = resolve(import.meta.dirname, '../../../services/hub/dist/main.js');
const BATCHES = 400;
const BATCH = 100;
const CLIENTS = 8;
/** Posted first, untimed, on both sides: each is measured warm (see httpIngestion). */
const WARM_UP_BATCHES = 200;
/** Each HTTP run's events/s counted until its projections had applied every event. */
const untilProjected: number[] = [];

type PublishedEvent = ReturnType<typeof publishedBatch>[number];
interface Published {
  warmUp: PublishedEvent[][];
  timed: PublishedEvent[][];
}

function publishedBatch(b: number) {
  return Array.from({ length: BATCH }, (_, i) => ({
    id: randomUUID(),
    type: 'InspectionConducted',
    schemaVersion: 1,
    reportingUnit: '310105',
    occurredAt: '2024-06-20T10:00:00+08:00',
    actor: { officerId: 'bench' },
    // Ten inspections of ten events each per batch: several streams per atomic append.
    data: {
      ...(benchEvent(b * BATCH + i).data as Record<string, unknown>),
      inspectionId: `INS-${b}-${i % 10}`,
    },
  }));
}

/** The node flags `npm start` runs the hub with (the hub as shipped). */
const HUB_NODE_FLAGS = (() => {
  const root = resolve(import.meta.dirname, '../../../package.json');
  const start = (JSON.parse(readFileSync(root, 'utf8')) as { scripts: { start: string } }).scripts
    .start;
  const flags = /\bnode((?: --\S+)*) services\/hub\/dist\/main\.js start/.exec(start);
  if (!flags) throw new Error(`cannot read the hub's node flags from "start": ${start}`);
  return flags[1]!.trim().split(' ').filter(Boolean);
})();

/** A hub process; `stop` resolves once it has exited (its data directory may then go). */
async function startHub(dataDir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const env = { ...process.env, HUB_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' };
  const child = spawn(process.execPath, [...HUB_NODE_FLAGS, HUB_MAIN, 'start'], { env });
  return new Promise((ok, fail) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /hub listening on (\S+)/.exec(out);
      if (m)
        ok({
          url: m[1]!,
          stop: async () => {
            const exited = new Promise((r) => child.once('exit', r));
            child.kill('SIGTERM');
            await exited;
          },
        });
    });
    child.once('exit', (code) => fail(new Error(`hub exited ${code}`)));
  });
}

/** Posts the request bodies from CLIENTS concurrent clients over keep-alive connections. */
async function postAll(url: string, token: string, bodies: readonly string[]) {
  // node:http with keep-alive: the lightest client there is, so the figure is the hub's.
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const target = new URL(`${url}/v1/events`);
  const post = async (body: string) => {
    const { status, text } = await postJson(agent, target, token, body);
    if (status !== 201) throw new Error(`HTTP ${status}: ${text}`);
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < bodies.length) await post(bodies[next++]!);
    }),
  );
  agent.destroy();
}

/** Waits until every projection of the hub has applied every event (its /metrics lag is 0). */
async function projectionsCaughtUp(url: string): Promise<void> {
  for (let tries = 0; tries < 3000; tries++) {
    const text = await (await fetch(`${url}/metrics`)).text();
    const lags = [...text.matchAll(/^hub_projection_lag_events\{[^}]*\} (\d+)/gm)];
    if (lags.length > 0 && lags.every((m) => m[1] === '0')) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the hub did not catch up with its projections within 60 s');
}

/**
 * HTTP ingestion of batches of 100 from several clients into a hub process. The warm-up
 * batches go first, untimed, and the projections catch up with them: the hub is measured
 * running, as it serves, not in its first seconds of compiling code; the direct baseline
 * runs in a process as warm.
 */
async function httpIngestion(published: Published): Promise<number> {
  return withTempDir(async (dir) => {
    const token = spawnSync(
      process.execPath,
      [HUB_MAIN, 'token', 'create', '--agency', 'emergency', '--units', '000000'],
      { env: { ...process.env, HUB_DATA_DIR: dir }, encoding: 'utf8' },
    )
      .stdout.trim()
      .split('\n')
      .pop()!;
    // Serialized before the clock starts: the client's own work is not the hub's.
    const bodiesOf = (batches: PublishedEvent[][]) =>
      batches.map((events) => JSON.stringify({ events }));
    const warmUp = bodiesOf(published.warmUp);
    const timed = bodiesOf(published.timed);
    const hub = await startHub(dir);
    try {
      await postAll(hub.url, token, warmUp);
      await projectionsCaughtUp(hub.url);
      const started = process.hrtime.bigint();
      await postAll(hub.url, token, timed);
      const rate = perSecond(BATCHES * BATCH, started);
      // The projections' share of the work that the ingest figure leaves out: when they have
      // applied every event too (within the 20 ms the lag is polled at).
      await projectionsCaughtUp(hub.url);
      untilProjected.push(perSecond(BATCHES * BATCH, started));
      return rate;
    } finally {
      await hub.stop();
    }
  });
}

/**
 * What the hub appends for a published batch: the same events with the metadata the hub keeps,
 * grouped by stream (ten streams of ten) into one atomic append. Worked out before timing, so
 * the direct caller appends exactly the records the hub writes, already valid.
 */
function recordsOf(events: PublishedEvent[]): AppendRequest[] {
  const clock = clockAt(new Date());
  // The bench's events hold no ID number: nothing is sealed, and a seal would be a bench bug.
  const sealer = {
    sealIdNumber: (): never => {
      throw new Error('bench events hold no ID number');
    },
    sealCertificateNumber: (): never => {
      throw new Error('bench events hold no ID number');
    },
  };
  const accepted: AcceptedEvent[] = events.map((raw, index) => {
    const result = validatePublishedEvent(raw, 'emergency', index, { clock, sealer });
    if (!result.ok) throw new Error(`bench event ${index} invalid: ${JSON.stringify(result)}`);
    return result.event;
  });
  return toAppendRequests(accepted, {});
}

/**
 * The same batches appended directly to the store, with the same concurrency: the records the
 * hub writes for them, in the same shape (ten streams of ten events, one atomic append each).
 * The warm-up batches go first, untimed, as they do to the hub.
 */
async function directAppends(published: Published): Promise<number> {
  const warmUp = published.warmUp.map(recordsOf);
  const timed = published.timed.map(recordsOf);
  return withTempDir(async (dir) => {
    const store = new SqliteEventStore({ filename: join(dir, 'events.db') });
    const appendAll = async (batches: AppendRequest[][]) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (next < batches.length) await store.appendMany(batches[next++]!);
        }),
      );
    };
    await appendAll(warmUp);
    const started = process.hrtime.bigint();
    await appendAll(timed);
    const rate = perSecond(BATCHES * BATCH, started);
    await store.close();
    return rate;
  });
}

/** Events waiting for the projections when the hub starts (see requestsWhileCatchingUp). */
const BACKLOG_BATCHES = 2000;

/** Latencies in ms, sorted: the value at quantile q. */
const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/**
 * How the hub answers while its projections catch up on a backlog (a restart after downtime, a
 * rebuild after an upgrade): 200,000 events are in the store and none projected when it starts.
 * One client asks GET /healthz, 5 ms apart, until the projections have applied every event,
 * then 200 times more with nothing left to project: the baseline, the same hub caught up. The
 * first request goes as soon as the hub listens and counts: a request thread that projects (or
 * follows the chain) without yielding answers it only when it has caught up.
 */
async function requestsWhileCatchingUp(): Promise<{
  catchingUp: number[];
  caughtUp: number[];
  seconds: number;
}> {
  return withTempDir(async (dir) => {
    const store = new SqliteEventStore({ filename: join(dir, 'events.db') });
    for (let b = 0; b < BACKLOG_BATCHES; b++)
      await store.appendMany(recordsOf(publishedBatch(BATCHES + WARM_UP_BATCHES + b)));
    await store.close();
    const hub = await startHub(dir);
    try {
      const probe = async () => {
        const started = performance.now();
        const res = await fetch(`${hub.url}/healthz`);
        await res.text();
        if (!res.ok) throw new Error(`/healthz answered ${res.status}`);
        return performance.now() - started;
      };
      const started = process.hrtime.bigint();
      const catchingUp: number[] = [];
      const lagOf = async () => {
        const text = await (await fetch(`${hub.url}/metrics`)).text();
        return [...text.matchAll(/^hub_projection_lag_events\{[^}]*\} (\d+)/gm)].reduce(
          (sum, m) => sum + Number(m[1]),
          0,
        );
      };
      do {
        for (let i = 0; i < 20; i++) {
          catchingUp.push(await probe());
          await new Promise((r) => setTimeout(r, 5));
        }
        if (process.hrtime.bigint() - started > 300_000_000_000n)
          throw new Error('the projections did not catch up within 300 s');
      } while ((await lagOf()) > 0);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const caughtUp: number[] = [];
      for (let i = 0; i < 200; i++) {
        caughtUp.push(await probe());
        await new Promise((r) => setTimeout(r, 5));
      }
      const sorted = (xs: number[]) => xs.sort((a, b) => a - b);
      return { catchingUp: sorted(catchingUp), caughtUp: sorted(caughtUp), seconds };
    } finally {
      await hub.stop();
    }
  });
}

export async function httpSuite(): Promise<void> {
  // In turns, median of three each (see interleavedMedians). The same published batches for
  // both (each run writes into a fresh store): WARM_UP_BATCHES untimed, then BATCHES timed.
  const published: Published = {
    warmUp: Array.from({ length: WARM_UP_BATCHES }, (_, b) => publishedBatch(BATCHES + b)),
    timed: Array.from({ length: BATCHES }, (_, b) => publishedBatch(b)),
  };
  const { http, direct } = await interleavedMedians(
    { http: () => httpIngestion(published), direct: () => directAppends(published) },
    3,
  );
  bench('http', 'ingest_batches_of_100', http, 'events/s');
  bench('http', 'baseline_direct_append_batches_of_100', direct, 'events/s');
  bench('http', 'ingest_vs_direct', http / direct, 'ratio');
  bench('http', 'ingest_until_projected_batches_of_100', median(untilProjected), 'events/s');

  // Three runs; each figure the median of the three runs' values.
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(await requestsWhileCatchingUp());
  const p99 = (xs: number[]) => quantile(xs, 0.99);
  const catchingUp = median(runs.map((r) => p99(r.catchingUp)));
  const caughtUp = median(runs.map((r) => p99(r.caughtUp)));
  bench('http', 'healthz_p99_while_projections_catch_up_200k', catchingUp, 'ms');
  bench(
    'http',
    'healthz_max_while_projections_catch_up_200k',
    median(runs.map((r) => r.catchingUp.at(-1)!)),
    'ms',
  );
  bench(
    'http',
    'healthz_answered_while_projections_catch_up_200k',
    median(runs.map((r) => r.catchingUp.length)),
    'requests',
  );
  bench('http', 'baseline_healthz_p99_caught_up', caughtUp, 'ms');
  bench('http', 'healthz_p99_catch_up_vs_caught_up', catchingUp / caughtUp, 'ratio');
  bench('http', 'projections_catch_up_200k', median(runs.map((r) => r.seconds)), 's');
}
