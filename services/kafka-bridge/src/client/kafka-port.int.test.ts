import { testKafka } from '../testing/index.js';
import { kafkaPortContract } from './kafka-port.contract.test.js';

// The port's contract on each Kafka line the bridge supports, each a real KRaft broker.
const LINES = [
  [
    '4',
    process.env.TEST_KAFKA_BROKERS,
    process.env.TEST_KAFKA_VERSION,
    process.env.TEST_KAFKA_SKIP,
  ],
  [
    '3',
    process.env.TEST_KAFKA3_BROKERS,
    process.env.TEST_KAFKA3_VERSION,
    process.env.TEST_KAFKA3_SKIP,
  ],
] as const;
jest.setTimeout(60_000);

for (const [line, brokers, version, skip] of LINES) {
  if (brokers)
    kafkaPortContract(`@platformatic/kafka on Kafka ${version ?? line}`, () => testKafka(brokers));
  else
    describe(`Kafka port contract on Kafka ${line}`, () => {
      it.skip(`was skipped: ${skip ?? 'no broker'}`, () => undefined);
    });
}
