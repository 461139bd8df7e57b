import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { EventStore } from '@hub/event-store';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import {
  createIngestionApp,
  createIngestionMetrics,
  SqliteCredentialStore,
  type CredentialStore,
} from '@hub/ingestion';
import type { HubConfig } from './config.js';

export interface HubStores {
  store: EventStore;
  credentials: CredentialStore;
  close(): Promise<void>;
}

/** Opens the stores the configuration names; the embedded ones live in the data directory. */
export function openStores(config: HubConfig): HubStores {
  mkdirSync(config.dataDir, { recursive: true });
  const store = new SqliteEventStore({
    filename: join(config.dataDir, 'events.db'),
    maxEventBytes: config.MAX_EVENT_BYTES,
  });
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

export interface RunningHub {
  url: string;
  server: Server;
  stop(): Promise<void>;
}

/** Composes every service of the hub in one process and starts listening. */
export async function startHub(config: HubConfig, logger: Logger): Promise<RunningHub> {
  const stores = openStores(config);
  const app = createIngestionApp({
    store: stores.store,
    credentials: stores.credentials,
    logger,
    metrics: createIngestionMetrics(),
    bodyLimit: config.BODY_LIMIT,
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.PORT, config.HOST, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  return {
    url: `http://${config.HOST}:${port}`,
    server,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stores.close();
    },
  };
}
