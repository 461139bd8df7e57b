// Finds a Kafka broker for the bridge tests: KAFKA_BROKERS when set, else a real broker
// started from Maven Central jars when Java and Maven are present. Otherwise the Kafka tests
// are skipped and TEST_KAFKA_SKIP says why.
const { spawnSync } = require('node:child_process');
const { launchBroker, javaAvailable } = require('./kafka-broker.cjs');

async function setupKafka() {
  if (process.env.KAFKA_BROKERS) {
    process.env.TEST_KAFKA_BROKERS = process.env.KAFKA_BROKERS;
    return;
  }
  if (!javaAvailable() || spawnSync('mvn', ['-v']).status !== 0) {
    process.env.TEST_KAFKA_SKIP = 'no Java and Maven to run a broker, and KAFKA_BROKERS is not set';
    return;
  }
  const broker = await launchBroker();
  globalThis.__HUB_KAFKA_BROKER__ = broker;
  process.env.TEST_KAFKA_BROKERS = broker.brokers;
}

async function teardownKafka() {
  const broker = globalThis.__HUB_KAFKA_BROKER__;
  if (broker) await broker.destroy();
}

module.exports = { setupKafka, teardownKafka };
