import type { Kafka } from 'kafkajs';
import { AGENCIES } from '@hub/domain';
import { DEAD_LETTER_TOPIC, inboxTopic, ingressTopic } from './topics.js';

/** Creates the bridge's topics if missing; replication as the cluster allows (3 in production). */
export async function ensureTopics(
  kafka: Kafka,
  replicationFactor = 1,
  numPartitions = 3,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = [
      ...AGENCIES.map(ingressTopic),
      ...AGENCIES.map(inboxTopic),
      DEAD_LETTER_TOPIC,
    ].filter((t) => !existing.has(t));
    if (wanted.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: wanted.map((topic) => ({
          topic,
          numPartitions,
          replicationFactor,
          configEntries:
            replicationFactor > 1
              ? [{ name: 'min.insync.replicas', value: String(replicationFactor - 1) }]
              : [],
        })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}
