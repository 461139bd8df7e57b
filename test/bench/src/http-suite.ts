import { spawn, spawnSync } from 'node:child_process';
import { Agent, request } from 'node:http';
import { resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { clockAt, validatePublishedEvent, type AcceptedEvent } from '@hub/domain';
import type { AppendRequest } from '@hub/event-store';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { toAppendRequests } from '@hub/ingestion';
import { bench, interleavedMedians, perSecond } from './report.js';
import { join, withTempDir } from './temp.js';
import { benchEvent } from './workload.js';

const HUB_MAIN = resolve(import.meta.dirname, '../../../services/hub/dist/main.js');
const BATCHES = 400;
const BATCH = 100;
const CLIENTS = 8;

type PublishedEvent = ReturnType<typeof publishedBatch>[number];

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

async function startHub(dataDir: string): Promise<{ url: string; stop: () => void }> {
  const env = { ...process.env, HUB_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' };
  const child = spawn(process.execPath, [HUB_MAIN, 'start'], { env });
  return new Promise((ok, fail) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /hub listening on (\S+)/.exec(out);
      if (m) ok({ url: m[1]!, stop: () => child.kill('SIGTERM') });
    });
    child.once('exit', (code) => fail(new Error(`hub exited ${code}`)));
  });
}

/** HTTP ingestion of batches of 100 from several clients into a hub process. */
async function httpIngestion(published: PublishedEvent[][]): Promise<number> {
  return withTempDir(async (dir) => {
    const token = spawnSync(
      process.execPath,
      [HUB_MAIN, 'token', 'create', '--agency', 'emergency', '--units', '000000'],
      { env: { ...process.env, HUB_DATA_DIR: dir }, encoding: 'utf8' },
    )
      .stdout.trim()
      .split('\n')
      .pop()!;
    const hub = await startHub(dir);
    try {
      const bodies = published.map((events) => JSON.stringify({ events }));
      // node:http with keep-alive: the lightest client there is, so the figure is the hub's.
      const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
      const target = new URL(`${hub.url}/v1/events`);
      const post = (body: string) =>
        new Promise<void>((resolve, reject) => {
          const req = request(
            {
              agent,
              host: target.hostname,
              port: target.port,
              path: target.pathname,
              method: 'POST',
              headers: {
                'Content-Type': 'application/json',
                'Content-Length': Buffer.byteLength(body),
                Authorization: `Bearer ${token}`,
              },
            },
            (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (c: Buffer) => chunks.push(c));
              res.on('end', () =>
                res.statusCode === 201
                  ? resolve()
                  : reject(
                      new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString()}`),
                    ),
              );
            },
          );
          req.on('error', reject);
          req.end(body);
        });
      let next = 0;
      const started = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (next < bodies.length) await post(bodies[next++]!);
        }),
      );
      agent.destroy();
      return perSecond(BATCHES * BATCH, started);
    } finally {
      hub.stop();
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
 */
async function directAppends(published: PublishedEvent[][]): Promise<number> {
  const batches = published.map(recordsOf);
  return withTempDir(async (dir) => {
    const store = new SqliteEventStore({ filename: join(dir, 'events.db') });
    let next = 0;
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < batches.length) {
          const b = next++;
          await store.appendMany(batches[b]!);
        }
      }),
    );
    const rate = perSecond(BATCHES * BATCH, started);
    await store.close();
    return rate;
  });
}

export async function httpSuite(): Promise<void> {
  // In turns, median of three each (see interleavedMedians).
  // The same published batches for both (each run writes into a fresh store).
  const published = Array.from({ length: BATCHES }, (_, b) => publishedBatch(b));
  const { http, direct } = await interleavedMedians(
    { http: () => httpIngestion(published), direct: () => directAppends(published) },
    3,
  );
  bench('http', 'ingest_batches_of_100', http, 'events/s');
  bench('http', 'baseline_direct_append_batches_of_100', direct, 'events/s');
  bench('http', 'ingest_vs_direct', http / direct, 'ratio');
}
