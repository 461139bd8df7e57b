module.exports = async function eventStoreGlobalTeardown() {
  const container = globalThis.__HUB_EVENTSTORE_CONTAINER__;
  if (container) await container.stop();
};
