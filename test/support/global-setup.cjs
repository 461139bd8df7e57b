// Finds an EventStoreDB/KurrentDB server for the contract suite, once per test run:
// EVENTSTORE_URL when set, else a testcontainers container when a Docker engine answers.
// Otherwise the suite is skipped and TEST_EVENTSTORE_SKIP says why.
const { setupKafka } = require('./kafka-global.cjs');

module.exports = async function globalSetup() {
  await setupKafka();
  await setupEventStore();
  await setupPostgres();
};

// PostgreSQL for the read-model contract suite: DATABASE_URL, else the local server.
async function setupPostgres() {
  const url = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
  const { Client } = require('pg');
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    process.env.TEST_POSTGRES_URL = url;
  } catch (error) {
    process.env.TEST_POSTGRES_SKIP = `PostgreSQL did not answer at ${url.replace(/\/\/[^@]*@/, '//')} (${String((error && error.message) || error).split('\n')[0]}); set DATABASE_URL`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function setupEventStore() {
  if (process.env.EVENTSTORE_URL) {
    process.env.TEST_EVENTSTORE_URL = process.env.EVENTSTORE_URL;
    return;
  }
  try {
    const { getContainerRuntimeClient, GenericContainer, Wait } = require('testcontainers');
    await getContainerRuntimeClient();
    const container = await new GenericContainer('docker.kurrent.io/kurrent-latest/kurrentdb:25.1')
      .withEnvironment({ KURRENTDB_INSECURE: 'true', KURRENTDB_RUN_PROJECTIONS: 'None' })
      .withExposedPorts(2113)
      .withWaitStrategy(Wait.forHttp('/health/live', 2113))
      .start();
    globalThis.__HUB_EVENTSTORE_CONTAINER__ = container;
    process.env.TEST_EVENTSTORE_URL = `esdb://${container.getHost()}:${container.getMappedPort(2113)}?tls=false`;
  } catch (error) {
    const why = String((error && error.message) || error).split('\n')[0];
    process.env.TEST_EVENTSTORE_SKIP = `no Docker engine answered (${why}) and EVENTSTORE_URL is not set`;
  }
}
