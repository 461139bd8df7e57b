import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
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
    for (let round = 0; round < ROUNDS; round++) {
      plain.push(await plainKafka(broker.brokers));
      const run = await bridge(kafka, broker.brokers, groupId);
      ingress.push(run.ingress);
      endToEnd.push(run.endToEnd);
    }
    const baseline = median(plain);
    bench('kafka', 'ingress_topic_to_store', median(ingress), 'events/s');
    bench('kafka', 'end_to_end_topic_to_store_to_inbox', median(endToEnd), 'events/s');
    // Kafka 4.x (KRaft, one node on 127.0.0.1), the same client on both sides.
    bench('kafka', `baseline_plain_produce_consume_${LABEL(broker.version)}`, baseline, 'events/s');
    bench('kafka', 'ingress_vs_plain', median(ingress) / baseline, 'ratio');
    bench('kafka', 'end_to_end_vs_plain', median(endToEnd) / baseline, 'ratio');
  } finally {
    await broker.destroy();
  }
}
