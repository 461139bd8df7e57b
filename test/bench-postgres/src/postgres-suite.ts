/**
 * `npm run bench -- postgres`: the hub's PostgreSQL event store against Emmett's PostgreSQL
 * event store and against plain multi-row INSERTs of the same rows (the floor), on the same
 * server in the same run. Every run gets a fresh database of its own; the three systems run
 * in turns (a, b, c, a, b, c …) and each figure is the median of three, so drifts in the
 * machine's load meet all of them alike. synchronous_commit stays on (the server's default)
 * for all three: an acknowledged append survives a crash.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import pg from 'pg';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { createTestDatabase, PostgresEventStore } from '@hub/event-store-postgres';

const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const STREAMS = 1000;
const APPENDS_PER_STREAM = 10;
const BATCHES = 100;
const BATCH_SIZE = 100;
const WRITERS = 100;
const APPENDS_PER_WRITER = 100;
const ROUNDS = 3;

export type Workload = 'single_appends' | 'batches' | 'concurrent' | 'read_back';
type SystemName = 'hub' | 'emmett' | 'insert';

interface BenchEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/** An inspection-sized event (about 300 bytes of JSON). */
const anEvent = (i: number): BenchEvent => ({
  id: randomUUID(),
  type: 'InspectionConducted',
  data: {
    inspectionId: `INS-${i}`,
    subjectKind: 'employer',
    subject: { creditCode: '914403001922038216', name: '示例机械有限公司' },
    method: 'special',
    inspectedOn: '2024-06-20',
    workersChecked: i % 50,
  },
  metadata: { agency: 'emergency', reportingUnit: '310105', correlationId: randomUUID() },
});

/** What each system must do: append to one stream, read one stream back, close. */
interface System {
  append(stream: string, events: BenchEvent[]): Promise<void>;
  readStream(stream: string): Promise<number>;
  /** What the run says of itself, printed as a comment line (the hub: how its groups went). */
  diagnostics?(): string;
  close(): Promise<void>;
}

async function hubSystem(url: string): Promise<System> {
  const store = new PostgresEventStore({ connectionString: url });
  return {
    append: async (stream, events) => void (await store.append(stream, events)),
    readStream: async (stream) => (await store.readStream(stream)).length,
    // A run where many groups are decided again under the lock is slow for that reason.
    diagnostics: () =>
      `hub append groups: ${Object.entries(store.groupStats)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    close: () => store.close(),
  };
}

async function emmettSystem(url: string): Promise<System> {
  // Its default and best configuration: pooled connections, schema created on first use.
  const store = getPostgreSQLEventStore(url);
  return {
    append: async (stream, events) =>
      void (await store.appendToStream(
        stream,
        events.map((e) => ({
          type: e.type,
          data: e.data,
          metadata: { ...e.metadata, messageId: e.id },
        })),
      )),
    readStream: async (stream) => (await store.readStream(stream)).events.length,
    // Its close does not wait for its pool's connections to end: give them time before the
    // run's database is dropped (a connection ended by the drop would crash the run).
    close: async () => {
      await store.close();
      await new Promise((r) => setTimeout(r, 1000));
    },
  };
}

/**
 * The floor: one multi-row INSERT per append, the same rows and indexes (position, event id,
 * stream and revision unique), no concurrency check, no idempotency, no chain; revisions
 * counted by the writer. Read back with the same per-row work (JSON.parse of data and metadata).
 */
async function insertSystem(url: string): Promise<System> {
  // eslint-disable-next-line no-restricted-syntax -- the floor is plain pg, as anyone writes it
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // The run's database is dropped after the pool ends; a connection ended by that is expected.
  pool.on('error', () => undefined);
  await pool.query(`CREATE TABLE floor_events (
    position BIGSERIAL PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, stream TEXT NOT NULL,
    revision INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(), UNIQUE (stream, revision))`);
  const revisions = new Map<string, number>();
  return {
    async append(stream, events) {
      const from = revisions.get(stream) ?? 0;
      revisions.set(stream, from + events.length);
      const values: unknown[] = [];
      const rows = events.map((e, i) => {
        values.push(
          e.id,
          stream,
          from + i,
          e.type,
          JSON.stringify(e.data),
          JSON.stringify(e.metadata),
        );
        const p = i * 6;
        return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6})`;
      });
      await pool.query(
        `INSERT INTO floor_events (event_id, stream, revision, type, data, metadata) VALUES ${rows.join(', ')}`,
        values,
      );
    },
    async readStream(stream) {
      const { rows } = await pool.query<{ data: string; metadata: string }>(
        'SELECT * FROM floor_events WHERE stream = $1 ORDER BY revision',
        [stream],
      );
      for (const row of rows) {
        JSON.parse(row.data);
        JSON.parse(row.metadata);
      }
      return rows.length;
    },
    close: () => pool.end(),
  };
}

const SYSTEMS: Record<SystemName, (url: string) => Promise<System>> = {
  hub: hubSystem,
  emmett: emmettSystem,
  insert: insertSystem,
};

const seconds = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e9;

/**
 * One run of one workload on a fresh database: events appended per second, and for the
 * streams workload also events read back per second.
 */
async function runOnce(
  name: SystemName,
  workload: 'streams' | 'batches' | 'concurrent',
): Promise<{ written: number; read?: number }> {
  const db = await createTestDatabase(ADMIN_URL, 'hub_bench');
  const system = await SYSTEMS[name](db.url);
  try {
    const tag = randomUUID().slice(0, 8);
    let counter = 0;
    // Warm-up: schema creation and first connections are not measured.
    await system.append(`warm-${tag}`, [anEvent(counter++)]);
    if (workload === 'streams') {
      const started = process.hrtime.bigint();
      for (let r = 0; r < APPENDS_PER_STREAM; r++)
        for (let s = 0; s < STREAMS; s++)
          await system.append(`s-${tag}-${s}`, [anEvent(counter++)]);
      const written = (STREAMS * APPENDS_PER_STREAM) / seconds(started);
      const readStarted = process.hrtime.bigint();
      let read = 0;
      for (let s = 0; s < STREAMS; s++) read += await system.readStream(`s-${tag}-${s}`);
      const took = seconds(readStarted);
      if (read !== STREAMS * APPENDS_PER_STREAM)
        throw new Error(`${name} read back ${read} of ${STREAMS * APPENDS_PER_STREAM} events`);
      return { written, read: read / took };
    }
    if (workload === 'batches') {
      const started = process.hrtime.bigint();
      for (let b = 0; b < BATCHES; b++)
        await system.append(
          `b-${tag}-${b}`,
          Array.from({ length: BATCH_SIZE }, () => anEvent(counter++)),
        );
      return { written: (BATCHES * BATCH_SIZE) / seconds(started) };
    }
    // 100 concurrent writers, each 100 single-event appends to a stream of its own.
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        for (let i = 0; i < APPENDS_PER_WRITER; i++)
          await system.append(`w-${tag}-${w}`, [anEvent(counter++)]);
      }),
    );
    return { written: (WRITERS * APPENDS_PER_WRITER) / seconds(started) };
  } finally {
    if (system.diagnostics)
      process.stdout.write(
        `# ${workload === 'streams' ? 'single_appends' : workload}: ${system.diagnostics()}\n`,
      );
    await system.close();
    await db.drop();
  }
}

function bench(figure: string, value: number, unit: string): void {
  const shown = Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 3 : 1);
  process.stdout.write(`BENCH postgres.${figure} ${shown} ${unit}\n`);
}

function versionOf(pkg: string): string {
  const require = createRequire(import.meta.url);
  // The package's exports hide package.json: find it beside its entry point.
  const entry = require.resolve(pkg);
  const root = entry.slice(
    0,
    entry.lastIndexOf(`/node_modules/${pkg}/`) + `/node_modules/${pkg}/`.length,
  );
  return (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string }).version;
}

/** Every workload, or the ones named (`only`, for a quicker look). */
export async function postgresSuite(only?: readonly Workload[]): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  const server = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]!
    .server_version;
  const syncCommit = (await admin.query<{ synchronous_commit: string }>('SHOW synchronous_commit'))
    .rows[0]!.synchronous_commit;
  await admin.end();
  process.stdout.write(
    `# postgres suite: PostgreSQL ${server} on 127.0.0.1, synchronous_commit=${syncCommit}; ` +
      `hub PostgresEventStore (group commit, SHA-256 chain, pool 4); ` +
      `Emmett emmett-postgresql ${versionOf('@event-driven-io/emmett-postgresql')} (default: pooled); ` +
      `floor: pg ${versionOf('pg')} multi-row INSERT per append (pool 10); median of ${ROUNDS}, run in turns, fresh database each run\n`,
  );
  const emmett = `emmett_${versionOf('@event-driven-io/emmett-postgresql')}_pooled`;
  const workloads: Array<[Exclude<Workload, 'read_back'>, string]> = [
    [
      'single_appends',
      `${STREAMS} streams x ${APPENDS_PER_STREAM} single-event appends, one writer; then read_back: the ${STREAMS} streams read back one at a time`,
    ],
    ['batches', `${BATCHES} appends of ${BATCH_SIZE} events, one writer`],
    ['concurrent', `${WRITERS} concurrent writers x ${APPENDS_PER_WRITER} single-event appends`],
  ];
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const report = (workload: Workload, values: Record<SystemName, number[]>) => {
    const hub = median(values.hub);
    const peer = median(values.emmett);
    const floor = median(values.insert);
    bench(`${workload}.hub`, Math.round(hub), 'events/s');
    bench(`${workload}.${emmett}`, Math.round(peer), 'events/s');
    bench(`${workload}.plain_insert`, Math.round(floor), 'events/s');
    bench(`${workload}.hub_vs_emmett`, hub / peer, 'x');
    bench(`${workload}.hub_vs_plain_insert`, hub / floor, 'x');
  };
  for (const [workload, label] of workloads.filter(([w]) => !only?.length || only.includes(w))) {
    const written: Record<SystemName, number[]> = { hub: [], emmett: [], insert: [] };
    const read: Record<SystemName, number[]> = { hub: [], emmett: [], insert: [] };
    for (let round = 0; round < ROUNDS; round++)
      for (const name of Object.keys(SYSTEMS) as SystemName[]) {
        const figures = await runOnce(name, workload === 'single_appends' ? 'streams' : workload);
        written[name].push(figures.written);
        if (figures.read !== undefined) read[name].push(figures.read);
      }
    process.stdout.write(`# ${workload}: ${label}\n`);
    report(workload, written);
    if (workload === 'single_appends') report('read_back', read);
  }
}
