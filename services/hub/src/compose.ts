import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { EventStoreUnavailableError, type EventStore } from '@hub/event-store';
import { KurrentDbEventStore } from '@hub/event-store-kurrentdb';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import {
  createIngestionApp,
  createIngestionMetrics,
  SqliteCredentialStore,
  type CredentialStore,
} from '@hub/ingestion';
import {
  PostgresReadModelStore,
  ProjectionRunner,
  SqliteReadModelStore,
  type ReadModelStore,
} from '@hub/read-models';
import { registerProjectionMetrics, reportingRouter } from '@hub/reporting';
import { redactUrl, type HubConfig } from './config.js';
import { startKafkaBridge } from './kafka.js';
import { loadRules } from './rules.js';

export interface HubStores {
  store: EventStore;
  credentials: CredentialStore;
  close(): Promise<void>;
}

const REACH_TIMEOUT_MS = 10_000;

/** Opens the event store the configuration names, and proves it answers before anything uses it. */
async function openEventStore(config: HubConfig): Promise<EventStore> {
  if (config.EVENT_STORE === 'embedded') {
    return new SqliteEventStore({
      filename: join(config.dataDir, 'events.db'),
      maxEventBytes: config.MAX_EVENT_BYTES,
    });
  }
  const url = config.EVENTSTORE_URL!;
  const store = new KurrentDbEventStore({
    connectionString: url,
    maxEventBytes: config.MAX_EVENT_BYTES,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      store.headPosition(),
      new Promise(
        (_, reject) =>
          (timer = setTimeout(
            () => reject(new Error(`no answer within ${REACH_TIMEOUT_MS / 1000} s`)),
            REACH_TIMEOUT_MS,
          )),
      ),
    ]);
    return store;
  } catch (error) {
    await store.close().catch(() => undefined);
    throw new EventStoreUnavailableError(
      `EVENT_STORE=eventstoredb but the server at EVENTSTORE_URL=${redactUrl(url)} cannot be reached: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
}

/** Opens the stores the configuration names; hub state (credentials) lives in the data directory. */
export async function openStores(config: HubConfig): Promise<HubStores> {
  mkdirSync(config.dataDir, { recursive: true });
  const store = await openEventStore(config);
  const credentials = new SqliteCredentialStore(join(config.dataDir, 'hub.db'));
  return {
    store,
    credentials,
    async close() {
      await store.close();
      await credentials.close();
    },
  };
}

/** Read models: in the data directory's hub.db, or in PostgreSQL when DATABASE_URL is set. */
export function openReadModels(config: HubConfig): ReadModelStore {
  mkdirSync(config.dataDir, { recursive: true });
  return config.DATABASE_URL
    ? new PostgresReadModelStore({ connectionString: config.DATABASE_URL })
    : new SqliteReadModelStore(join(config.dataDir, 'hub.db'));
}

export interface RunningHub {
  url: string;
  server: Server;
  stop(): Promise<void>;
}

/** Composes every service of the hub in one process and starts listening. */
export async function startHub(config: HubConfig, logger: Logger): Promise<RunningHub> {
  const rules = loadRules(config.HUB_RULES_FILE);
  const stores = await openStores(config);
  const readModels = openReadModels(config);
  const runner = new ProjectionRunner({
    store: stores.store,
    readModels,
    logger: logger.child({ component: 'projections' }),
  });
  const metrics = createIngestionMetrics();
  registerProjectionMetrics(metrics.registry, runner);
  const app = createIngestionApp({
    store: stores.store,
    credentials: stores.credentials,
    logger,
    metrics,
    bodyLimit: config.BODY_LIMIT,
    readinessChecks: [async () => void (await readModels.checkpoints())],
    routers: [reportingRouter({ readModels, ...rules })],
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.PORT, config.HOST, () => resolve(s));
    s.once('error', reject);
  });
  runner.start();
  const bridge = startKafkaBridge(config, stores.store, logger);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  return {
    url: `http://${config.HOST}:${port}`,
    server,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await bridge?.stop();
      await runner.stop();
      await readModels.close();
      await stores.close();
    },
  };
}
