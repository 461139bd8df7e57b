const { teardownKafka } = require('./kafka-global.cjs');

module.exports = async function globalTeardown() {
  await teardownKafka();
  const container = globalThis.__HUB_EVENTSTORE_CONTAINER__;
  if (container) await container.stop();
};
