import { createRequire } from 'node:module';
import { randomBytes, randomUUID } from 'node:crypto';
import { PersonalDataVault } from '@hub/personal-data';
import { pino } from 'pino';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { ensureTopics, KafkaEgress, KafkaIngress, SqliteCheckpointStore } from '@hub/kafka-bridge';
import { eventually, testKafka } from '@hub/kafka-bridge/testing';
import { bench, perSecond } from './report.js';
import { join, withTempDir } from './temp.js';

const require = createRequire(import.meta.url);
const { launchBroker } = require('../../support/kafka-broker.cjs') as {
  launchBroker: () => Promise<{ brokers: string; version: string; destroy: () => Promise<void> }>;
};

const N = 20_000;
const logger = pino({ level: 'silent' });

const message = (i: number) =>
  JSON.stringify({
    id: randomUUID(),
    type: 'ClueTransferred',
    schemaVersion: 1,
    reportingUnit: '310105',
    occurredAt: '2024-06-20T10:00:00+08:00',
    actor: { officerId: 'bench' },
    data: {
      clueId: `C-${i % 2000}`,
      origin: 'enforcement',
      toPoliceUnit: '310105',
      suspectedOffence: '刑法第二百八十条',
      suspects: 1,
      fakeCertificates: 2,
    },
  });

async function produce(brokers: string, topic: string, values: string[]): Promise<void> {
  const producer = await testKafka(brokers).producer();
  for (let i = 0; i < values.length; i += 1000) {
    await producer.send(values.slice(i, i + 1000).map((value) => ({ topic, value })));
  }
  await producer.close();
}

/**
 * Baseline: the same client (@platformatic/kafka, through the bridge's port) producing and
 * consuming over the same broker with a group that commits after each batch, and no hub.
 */
async function plainKafka(brokers: string): Promise<number> {
  const kafka = testKafka(brokers);
  const topic = `bench.plain.${randomUUID()}`;
  await kafka.ensureTopics([topic], { partitions: 3, replicationFactor: 1 });
  const values = Array.from({ length: N }, (_, i) => message(i));
  let received = 0;
  const consumer = await kafka.consume({
    groupId: `bench-${randomUUID()}`,
    topics: [topic],
    onBatch: async (batch) => void (received += batch.messages.length),
    onFailure: () => undefined,
  });
  const started = process.hrtime.bigint();
  await produce(brokers, topic, values);
  await eventually(() => received >= N, 300_000);
  const rate = perSecond(N, started);
  await consumer.close();
  return rate;
}

export async function kafkaSuite(): Promise<void> {
  const broker = await launchBroker();
  try {
    const kafka = testKafka(broker.brokers);
    await ensureTopics(kafka);
    const baseline = await plainKafka(broker.brokers);

    await withTempDir(async (dir) => {
      // Ingress and egress run together, as in the hub: from the first message produced, how
      // long until all N are in the store, and until all N are relayed to the inboxes.
      const store = new SqliteEventStore({ filename: join(dir, 'events.db') });
      const checkpoints = new SqliteCheckpointStore(join(dir, 'hub.db'));
      const sealing = new PersonalDataVault({ id: 'k1', secret: randomBytes(32) });
      const ingress = new KafkaIngress({
        kafka,
        store,
        logger,
        sealing,
        groupId: `bench-${randomUUID()}`,
      });
      const egress = new KafkaEgress({ kafka, store, checkpoints, logger });
      await ingress.start();
      await egress.start();
      const values = Array.from({ length: N }, (_, i) => message(i));
      const started = process.hrtime.bigint();
      let ingressRate = 0;
      const stored = eventually(
        async () => (await store.headPosition()) === BigInt(N),
        300_000,
      ).then(() => {
        ingressRate = perSecond(N, started);
      });
      await produce(broker.brokers, 'hub.ingress.emergency', values);
      await stored;
      await eventually(async () => (await checkpoints.load('kafka-egress')) === BigInt(N), 300_000);
      const endToEnd = perSecond(N, started);
      await ingress.stop();
      await egress.stop();
      await checkpoints.close();
      await store.close();

      bench('kafka', 'ingress_topic_to_store', ingressRate, 'events/s');
      bench('kafka', 'end_to_end_topic_to_store_to_inbox', endToEnd, 'events/s');
      // Kafka 4.x (KRaft, one node on 127.0.0.1), the same client on both sides.
      bench('kafka', 'baseline_plain_produce_consume', baseline, 'events/s');
      bench('kafka', 'ingress_vs_plain', ingressRate / baseline, 'ratio');
      bench('kafka', 'end_to_end_vs_plain', endToEnd / baseline, 'ratio');
    });
  } finally {
    await broker.destroy();
  }
}
