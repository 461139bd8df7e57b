import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { streamOf, type HubEvent } from '@hub/domain';
import type { AppendRequest, NewEvent } from '@hub/event-store';
import Database from 'better-sqlite3';
import { PersonalDataVault } from '@hub/personal-data';
import { pino } from 'pino';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import {
  ensureTopics,
  KafkaEgress,
  KafkaIngress,
  SqliteCheckpointStore,
  type KafkaPort,
} from '@hub/kafka-bridge';
import { eventually, testKafka } from '@hub/kafka-bridge/testing';
import { bench, perSecond } from './report.js';
import { join, withTempDir } from './temp.js';

const require = createRequire(import.meta.url);
const { launchBroker } = require('../../support/kafka-broker.cjs') as {
  launchBroker: () => Promise<{ brokers: string; version: string; destroy: () => Promise<void> }>;
};

const N = 20_000;
const ROUNDS = 3;
/** The bridge's client library as installed (resolved from the bridge, whose dependency it is). */
const CLIENT_VERSION = (
  JSON.parse(
    readFileSync(
      join(
        dirname(createRequire(require.resolve('@hub/kafka-bridge')).resolve('@platformatic/kafka')),
        '..',
        'package.json',
      ),
      'utf8',
    ),
  ) as { version: string }
).version;
/** Names the baseline's client and broker in the figure, e.g. platformatic_kafka_1_22_0_kafka_4_4_0. */
const LABEL = (brokerVersion: string) =>
  `platformatic_kafka_${CLIENT_VERSION}_kafka_${brokerVersion}`.replace(/\./g, '_');
const logger = pino({ level: 'silent' });

/**
 * Starts an agency's producer in a process of its own (kafka-producer-process.ts) with `count`
 * messages for `topic`, ready to send; `go()` sends them and resolves once all are acknowledged.
 */
async function agencyProducer(
  brokers: string,
  topic: string,
  count: number,
): Promise<{ go: () => Promise<void> }> {
  const child = fork(fileURLToPath(new URL('./kafka-producer-process.js', import.meta.url)));
  const next = () =>
    new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`the producer process exited (${code})`)));
    });
  const ready = next();
  child.send({ brokers, topic, count });
  await ready;
  return {
    go: () => {
      const done = next();
      child.send('go');
      return done;
    },
  };
}

/**
 * Baseline: the same client (@platformatic/kafka through the bridge's port, its consumer loop
 * and commits included) consuming the same messages over the same broker, from the same
 * producer process (idempotent, acks all, no compression), with the same fetch settings and
 * no hub.
 */
async function plainKafka(brokers: string): Promise<number> {
  const kafka = testKafka(brokers);
  const topic = `bench.plain.${randomUUID()}`;
  // As many partitions as an ingress topic (ensureTopics' default).
  await kafka.ensureTopics([topic], { partitions: 3, replicationFactor: 1 });
  const producer = await agencyProducer(brokers, topic, N);
  let received = 0;
  const consumer = await kafka.consume({
    groupId: `bench-${randomUUID()}`,
    topics: [topic],
    onBatches: async (batches) => {
      for (const batch of batches) received += batch.messages.length;
    },
    onFailure: () => undefined,
  });
  const started = process.hrtime.bigint();
  await producer.go();
  await eventually(() => received >= N, 300_000);
  const rate = perSecond(N, started);
  await consumer.close();
  return rate;
}

/** Where a floor puts each read's events durably, and how many it holds. */
interface FloorSink {
  append(messages: readonly FloorMessage[]): Promise<void>;
  stored(): Promise<number>;
  close(): Promise<void>;
}

/**
 * The hub's store: each read in one atomic append, to the streams the hub would name (its
 * chain and its index of event ids, the promises the hub keeps, included).
 */
function storeSink(dir: string): FloorSink {
  const store = new SqliteEventStore({ filename: join(dir, 'events.db') });
  const recordedAt = new Date().toISOString();
  return {
    append: async (messages) => {
      const byStream = new Map<string, AppendRequest & { events: NewEvent[] }>();
      for (const raw of messages) {
        const stream = streamOf(raw);
        let request = byStream.get(stream);
        if (!request)
          byStream.set(stream, (request = { stream, expectedRevision: 'any', events: [] }));
        request.events.push({
          id: raw.id,
          type: raw.type,
          data: raw.data,
          metadata: metadataOf(raw, recordedAt),
        });
      }
      await store.appendMany([...byStream.values()]);
    },
    stored: async () => Number(await store.headPosition()),
    close: () => store.close(),
  };
}

/**
 * The least durable write there is: better-sqlite3 as fast as it goes (WAL, synchronous=FULL,
 * the events table with its (stream, revision) key, 100-row INSERTs, one transaction a read,
 * revisions kept in memory), with no chain and no index of event ids (what Emmett keeps).
 */
function rawSink(dir: string): FloorSink {
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('wal_autocheckpoint = 10000');
  db.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY, event_id TEXT NOT NULL,
    stream TEXT NOT NULL, revision INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,
    metadata TEXT NOT NULL, recorded_at TEXT NOT NULL, UNIQUE (stream, revision))`);
  const ROWS = 100;
  const statements = new Map<number, Database.Statement>();
  const insert = (rows: number) => {
    let statement = statements.get(rows);
    if (!statement) {
      statement = db.prepare(
        `INSERT INTO events VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      );
      statements.set(rows, statement);
    }
    return statement;
  };
  const revisions = new Map<string, number>();
  const recordedAt = new Date().toISOString();
  let position = 0;
  const write = db.transaction((messages: readonly FloorMessage[]) => {
    for (let at = 0; at < messages.length; at += ROWS) {
      const chunk = messages.slice(at, at + ROWS);
      const params: unknown[] = [];
      for (const raw of chunk) {
        const stream = streamOf(raw);
        const revision = (revisions.get(stream) ?? -1) + 1;
        revisions.set(stream, revision);
        params.push(
          ++position,
          raw.id,
          stream,
          revision,
          raw.type,
          JSON.stringify(raw.data),
          JSON.stringify(metadataOf(raw, recordedAt)),
          recordedAt,
        );
      }
      insert(chunk.length).run(params);
    }
  });
  return {
    append: async (messages) => void write(messages),
    stored: async () => position,
    close: async () => void db.close(),
  };
}

const metadataOf = (raw: FloorMessage, recordedAt: string) => ({
  agency: 'emergency',
  reportingUnit: raw.reportingUnit,
  occurredAt: raw.occurredAt,
  schemaVersion: raw.schemaVersion,
  actor: raw.actor,
  recordedAt,
});

/**
 * A floor: the least any ingress must do with the same messages, with nothing of the hub's
 * own. The same consumer as the baseline parses each message and puts each read durably into
 * `sink` (no validation, no sealing, no dead letters); the port commits the read's offsets once
 * it is in. Beside the next reads, in order, it produces each read's messages to an inbox
 * topic, acks all, as the egress runs beside the ingress: what the end-to-end figure cannot
 * beat either. In turns with the others.
 */
async function floor(
  kafka: KafkaPort,
  brokers: string,
  sinkIn: (dir: string) => FloorSink,
): Promise<{ ingress: number; endToEnd: number }> {
  return withTempDir(async (dir) => {
    const sink = sinkIn(dir);
    const topic = `bench.floor.${randomUUID()}`;
    const inbox = `bench.floor.inbox.${randomUUID()}`;
    await kafka.ensureTopics([topic, inbox], { partitions: 3, replicationFactor: 1 });
    const producer = await agencyProducer(brokers, topic, N);
    const relay = await kafka.producer();
    let relayed = 0;
    let relaying = Promise.resolve();
    let relayFailed: Error | undefined;
    let ingressRate = 0;
    const consumer = await kafka.consume({
      groupId: `bench-floor-${randomUUID()}`,
      topics: [topic],
      onBatches: async (batches) => {
        const messages: FloorMessage[] = [];
        const values: Buffer[] = [];
        for (const batch of batches)
          for (const message of batch.messages) {
            messages.push(JSON.parse(message.value!.toString('utf8')) as FloorMessage);
            values.push(message.value!);
          }
        await sink.append(messages);
        // Relayed beside the next reads (in order), as the egress runs beside the ingress.
        relaying = relaying
          .then(async () => {
            await relay.send(values.map((value) => ({ topic: inbox, value })));
            relayed += values.length;
          })
          .catch((error: unknown) => void (relayFailed ??= error as Error));
      },
      onFailure: () => undefined,
    });
    // Timed as the bridge is: polled alike.
    const started = process.hrtime.bigint();
    const stored = eventually(async () => (await sink.stored()) === N, 300_000).then(() => {
      ingressRate = perSecond(N, started);
    });
    await producer.go();
    await stored;
    await eventually(() => {
      if (relayFailed) throw relayFailed;
      return relayed >= N;
    }, 300_000);
    const endToEnd = perSecond(N, started);
    await consumer.close();
    await relay.close();
    await sink.close();
    return { ingress: ingressRate, endToEnd };
  });
}

/** A message as the agency's producer sends it (JSON, parsed without a check). */
type FloorMessage = Pick<HubEvent, 'type' | 'data'> & {
  id: string;
  schemaVersion: number;
  reportingUnit: string;
  occurredAt: string;
  actor: Record<string, unknown>;
};

/**
 * The hub's bridge, ingress and egress running together as in the hub, on a fresh store: from
 * the first message produced, how long until all N are in the store, and until all N are
 * relayed to the inboxes. The ingress group is the same in every round, so each round reads
 * only what it produced.
 */
async function bridge(
  kafka: KafkaPort,
  brokers: string,
  groupId: string,
): Promise<{ ingress: number; endToEnd: number }> {
  return withTempDir(async (dir) => {
    const store = new SqliteEventStore({ filename: join(dir, 'events.db') });
    const checkpoints = new SqliteCheckpointStore(join(dir, 'hub.db'));
    const sealing = new PersonalDataVault({ id: 'k1', secret: randomBytes(32) });
    const ingress = new KafkaIngress({ kafka, store, logger, sealing, groupId });
    const egress = new KafkaEgress({ kafka, store, checkpoints, logger });
    await ingress.start();
    await egress.start();
    const producer = await agencyProducer(brokers, 'hub.ingress.emergency', N);
    const started = process.hrtime.bigint();
    let ingressRate = 0;
    const stored = eventually(async () => (await store.headPosition()) === BigInt(N), 300_000).then(
      () => {
        ingressRate = perSecond(N, started);
      },
    );
    await producer.go();
    await stored;
    await eventually(async () => (await checkpoints.load('kafka-egress')) === BigInt(N), 300_000);
    const endToEnd = perSecond(N, started);
    await ingress.stop();
    await egress.stop();
    await checkpoints.close();
    await store.close();
    return { ingress: ingressRate, endToEnd };
  });
}

type FloorRun = { ingress: number; endToEnd: number };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function kafkaSuite(): Promise<void> {
  const broker = await launchBroker();
  try {
    const kafka = testKafka(broker.brokers);
    await ensureTopics(kafka);
    const groupId = `bench-${randomUUID()}`;
    // In turns (plain, bridge, plain, bridge …), median of three each: the machine's drift
    // meets both alike.
    const plain: number[] = [];
    const ingress: number[] = [];
    const endToEnd: number[] = [];
    const floors = { store: [] as FloorRun[], raw: [] as FloorRun[] };
    for (let round = 0; round < ROUNDS; round++) {
      plain.push(await plainKafka(broker.brokers));
      const run = await bridge(kafka, broker.brokers, groupId);
      ingress.push(run.ingress);
      endToEnd.push(run.endToEnd);
      floors.store.push(await floor(kafka, broker.brokers, storeSink));
      floors.raw.push(await floor(kafka, broker.brokers, rawSink));
    }
    const baseline = median(plain);
    bench('kafka', 'ingress_topic_to_store', median(ingress), 'events/s');
    bench('kafka', 'end_to_end_topic_to_store_to_inbox', median(endToEnd), 'events/s');
    // Kafka 4.x (KRaft, one node on 127.0.0.1), the same client on both sides.
    bench('kafka', `baseline_plain_produce_consume_${LABEL(broker.version)}`, baseline, 'events/s');
    bench('kafka', 'ingress_vs_plain', median(ingress) / baseline, 'ratio');
    bench('kafka', 'end_to_end_vs_plain', median(endToEnd) / baseline, 'ratio');
    // What the targets ask set against the least work: parse, write durably, relay; through
    // the hub's store, and through better-sqlite3 alone.
    for (const [name, runs] of Object.entries(floors)) {
      const least = {
        ingress: median(runs.map((r) => r.ingress)),
        endToEnd: median(runs.map((r) => r.endToEnd)),
      };
      bench('kafka', `floor_${name}_consume_parse_append`, least.ingress, 'events/s');
      bench('kafka', `floor_${name}_consume_parse_append_relay`, least.endToEnd, 'events/s');
      bench('kafka', `floor_${name}_ingress_vs_plain`, least.ingress / baseline, 'ratio');
      bench('kafka', `floor_${name}_end_to_end_vs_plain`, least.endToEnd / baseline, 'ratio');
      bench('kafka', `ingress_vs_floor_${name}`, median(ingress) / least.ingress, 'ratio');
      bench('kafka', `end_to_end_vs_floor_${name}`, median(endToEnd) / least.endToEnd, 'ratio');
    }
  } finally {
    await broker.destroy();
  }
}
