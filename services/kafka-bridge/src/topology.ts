import type { Admin, Kafka } from 'kafkajs';
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
        // Leaders are awaited below: kafkajs' own wait races a broker that has just started.
        waitForLeaders: false,
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
    await waitForLeaders(admin, wanted);
  } finally {
    await admin.disconnect();
  }
}

/** Waits until every partition of the topics has a leader. */
export async function waitForLeaders(
  admin: Admin,
  topics: string[],
  timeoutMs = 60_000,
): Promise<void> {
  if (topics.length === 0) return;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
      if (
        metadata.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))
      )
        return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline)
      throw new Error(`topics ${topics.join(', ')} have no leaders after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
