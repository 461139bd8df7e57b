// Finds Kafka brokers for the bridge tests, one per line the bridge supports:
// - the current 4.x line (TEST_KAFKA_BROKERS): KAFKA_BROKERS when set, else a broker started
//   from Maven Central jars (test/kafka/pom.xml) when Java and Maven are present;
// - Kafka 3.9 (TEST_KAFKA3_BROKERS): KAFKA3_BROKERS when set, else one started the same way.
// Without either, those tests are skipped and TEST_KAFKA_SKIP / TEST_KAFKA3_SKIP say why.
const { spawnSync } = require('node:child_process');
const { launchBroker, javaAvailable } = require('./kafka-broker.cjs');

async function setupKafka() {
  const canRun = javaAvailable() && spawnSync('mvn', ['-v']).status === 0;
  const why = 'no Java and Maven to run a broker';
  const lines = [
    { line: '4', given: process.env.KAFKA_BROKERS, env: 'TEST_KAFKA', setting: 'KAFKA_BROKERS' },
    { line: '3', given: process.env.KAFKA3_BROKERS, env: 'TEST_KAFKA3', setting: 'KAFKA3_BROKERS' },
  ];
  globalThis.__HUB_KAFKA_BROKERS__ = [];
  await Promise.all(
    lines.map(async ({ line, given, env, setting }) => {
      if (given) {
        process.env[`${env}_BROKERS`] = given;
        return;
      }
      if (!canRun) {
        process.env[`${env}_SKIP`] = `${why}, and ${setting} is not set`;
        return;
      }
      const broker = await launchBroker({ line });
      globalThis.__HUB_KAFKA_BROKERS__.push(broker);
      process.env[`${env}_BROKERS`] = broker.brokers;
      process.env[`${env}_VERSION`] = broker.version;
    }),
  );
}

async function teardownKafka() {
  for (const broker of globalThis.__HUB_KAFKA_BROKERS__ ?? []) await broker.destroy();
}

module.exports = { setupKafka, teardownKafka };
