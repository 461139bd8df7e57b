import type { ConsumedMessage, KafkaPort } from '../client/kafka-port.js';
import { PlatformaticKafka } from '../client/platformatic-kafka.js';

/** The bridge's Kafka client for tests, retrying briefly. */
export function testKafka(brokers: string, clientId = 'hub-test'): PlatformaticKafka {
  return new PlatformaticKafka({
    clientId,
    brokers: brokers.split(','),
    retries: 8,
    retryDelayMs: 200,
    maxWaitMs: 200,
  });
}

/** Collects every message of some topics from the beginning (a group of its own). */
export async function collectMessages(
  kafka: KafkaPort,
  topics: string[],
): Promise<{ messages: Array<ConsumedMessage & { topic: string }>; stop: () => Promise<void> }> {
  const messages: Array<ConsumedMessage & { topic: string }> = [];
  const consumer = await kafka.consume({
    groupId: `collector-${Math.random()}`,
    topics,
    onBatches: async (batches) => {
      for (const batch of batches)
        messages.push(...batch.messages.map((m) => ({ ...m, topic: batch.topic })));
    },
    onFailure: () => undefined,
  });
  return { messages, stop: () => consumer.close() };
}

export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
