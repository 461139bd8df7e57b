import { Kafka, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';

/** A kafkajs client for tests, quiet unless something is wrong. */
export function testKafka(brokers: string, clientId = 'hub-test'): Kafka {
  return new Kafka({
    clientId,
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 200 },
  });
}

/** Collects every message of some topics from the beginning. */
export async function collectMessages(
  kafka: Kafka,
  topics: string[],
): Promise<{ messages: Array<KafkaMessage & { topic: string }>; stop: () => Promise<void> }> {
  const consumer: Consumer = kafka.consumer({ groupId: `collector-${Math.random()}` });
  const messages: Array<KafkaMessage & { topic: string }> = [];
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => void messages.push({ ...message, topic }),
  });
  return { messages, stop: () => consumer.disconnect() };
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
