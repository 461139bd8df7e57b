import { AGENCIES } from '@hub/domain';
import type { KafkaPort } from './client/kafka-port.js';
import { DEAD_LETTER_TOPIC, inboxTopic, ingressTopic } from './topics.js';

/** The bridge's topics: every agency's ingress and inbox, and the dead-letter topic. */
export const BRIDGE_TOPICS = [
  ...AGENCIES.map(ingressTopic),
  ...AGENCIES.map(inboxTopic),
  DEAD_LETTER_TOPIC,
];

/** Creates the bridge's topics if missing; replication as the cluster allows (3 in production). */
export async function ensureTopics(
  kafka: KafkaPort,
  replicationFactor = 1,
  numPartitions = 3,
): Promise<void> {
  await kafka.ensureTopics(BRIDGE_TOPICS, {
    partitions: numPartitions,
    replicationFactor,
    configs: replicationFactor > 1 ? { 'min.insync.replicas': String(replicationFactor - 1) } : {},
  });
}
