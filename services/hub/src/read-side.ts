/**
 * What the hub's read side opens from its configuration: the event store, the read models, the
 * personal-data vault and the projections. Apart from compose.ts so that the projection thread
 * opens them without loading the API (express, GraphQL, the console).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import {
  type AppendArrivals,
  checkReachable,
  EventStoreUnavailableError,
  type ChainAlg,
  type EventStore,
} from '@hub/event-store';
import { PostgresEventStore } from '@hub/event-store-postgres';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import {
  openReadModelStore,
  SqliteReadModelStore,
  type ReadModelLocation,
  type ReadModelStore,
} from '@hub/read-models';
import {
  certificateHoldersProjection,
  certificateRegistryProjection,
  PROJECTIONS,
  type Projection,
} from '@hub/domain';
import {
  loadOrCreateKeyFile,
  parseVaultKey,
  PersonalDataVault,
  PostgresSubjectKeyStore,
  SqliteSubjectKeyStore,
  type VaultKey,
} from '@hub/personal-data';
import { SUITES } from '@hub/crypto';
import { redactUrl, ConfigError, type HubConfig } from './config.js';

const REACH_TIMEOUT_MS = 10_000;

/** Opens the event store the configuration names, and proves it answers before anything uses it. */
export async function openEventStore(
  config: HubConfig,
  arrivals: AppendArrivals,
  now?: () => Date,
  logger?: Logger,
): Promise<EventStore> {
  if (config.EVENT_STORE === 'embedded') {
    return new SqliteEventStore({
      filename: join(config.dataDir, 'events.db'),
      ...(config.COMMIT_DELAY_MS > 0
        ? { commitDelay: { arrivals, maxWaitMs: config.COMMIT_DELAY_MS } }
        : {}),
      chain: chainAlgOf(config),
      maxEventBytes: config.MAX_EVENT_BYTES,
      ...(now ? { now } : {}),
      ...(logger ? { logger: logger.child({ component: 'event-store' }) } : {}),
    });
  }
  const postgres = config.EVENT_STORE === 'postgres';
  const url = postgres ? config.DATABASE_URL! : config.EVENTSTORE_URL!;
  const store = postgres
    ? new PostgresEventStore({
        connectionString: url,
        chain: chainAlgOf(config),
        maxEventBytes: config.MAX_EVENT_BYTES,
        ...(now ? { now } : {}),
      })
    : // Loaded only for KurrentDB: the hub and its projection thread need not load a gRPC client.
      new (await import('@hub/event-store-kurrentdb')).KurrentDbEventStore({
        connectionString: url,
        maxEventBytes: config.MAX_EVENT_BYTES,
        ...(logger ? { logger: logger.child({ component: 'event-store' }) } : {}),
      });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      // KurrentDB: a read of one user stream (the hub's user need not be an admin, as a $all
      // read needs); PostgreSQL: the head of the log.
      checkReachable(store),
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
      `EVENT_STORE=${config.EVENT_STORE} but the server at ${postgres ? 'DATABASE_URL' : 'EVENTSTORE_URL'}=${redactUrl(url)} cannot be reached: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
}

/** Where read models live: the data directory's hub.db, or PostgreSQL when DATABASE_URL is set. */
export function readModelLocation(config: HubConfig): ReadModelLocation {
  mkdirSync(config.dataDir, { recursive: true });
  return config.DATABASE_URL
    ? { kind: 'postgres', connectionString: config.DATABASE_URL }
    : { kind: 'sqlite', filename: join(config.dataDir, 'hub.db') };
}

export function openReadModels(config: HubConfig): ReadModelStore {
  const location = readModelLocation(config);
  return location.kind === 'sqlite'
    ? // Commits on a thread of its own: projecting and writing use both cores.
      new SqliteReadModelStore(location.filename, { writerThread: true })
    : openReadModelStore(location);
}

/**
 * The personal-data vault: keys from HUB_PII_KEY (and HUB_PII_PREVIOUS_KEYS after a rotation),
 * or, on the embedded defaults, a key file created in the data directory.
 */
export async function openVault(config: HubConfig): Promise<PersonalDataVault> {
  const { current, previous } = vaultKeys(config);
  if (config.DATABASE_URL) refuseLocalSubjectKeys(config);
  const suite = config.HUB_CRYPTO_SUITE;
  const wrapAlg = SUITES[suite].seal;
  // Data subjects' keys: hub state, never rebuilt; destroying one shreds that person's data.
  // Server mode: in PostgreSQL, so every process opens what any sealed and forgets what any forgot.
  const subjectKeys = config.DATABASE_URL
    ? await PostgresSubjectKeyStore.open({
        connectionString: config.DATABASE_URL,
        masters: { current, previous },
        wrapAlg,
      })
    : new SqliteSubjectKeyStore(vaultFileOf(config), { current, previous }, wrapAlg);
  try {
    return new PersonalDataVault(current, previous, { suite, subjectKeys });
  } catch (error) {
    await subjectKeys.close();
    throw error;
  }
}

/** Where the embedded hub keeps data subjects' keys. */
export const vaultFileOf = (config: HubConfig) => join(config.dataDir, 'vault.db');

/**
 * Server mode with a vault.db still holding keys (an embedded hub moved to PostgreSQL): data
 * sealed under them would not open, and a key destroyed through PostgreSQL would live on in
 * the file. The hub does not start until they are moved.
 */
function refuseLocalSubjectKeys(config: HubConfig): void {
  const file = vaultFileOf(config);
  if (!existsSync(file)) return;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const table = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'subject_keys'")
      .get();
    const held = table ? db.prepare('SELECT 1 FROM subject_keys LIMIT 1').get() : undefined;
    if (held)
      throw new ConfigError(
        `DATABASE_URL 已设置，但 ${file} 中仍有个人信息密钥：请先停止平台并运行 hub personal-data move-keys / DATABASE_URL is set but ${file} still holds data subjects' keys: stop the hub and run hub personal-data move-keys first`,
      );
  } finally {
    db.close();
  }
}

/** The hash of the event chain, as the deployment's suite says (SHA-256 or SM3). */
export function chainAlgOf(config: HubConfig): ChainAlg {
  return SUITES[config.HUB_CRYPTO_SUITE].hash;
}

export function vaultKeys(config: HubConfig): { current: VaultKey; previous: VaultKey[] } {
  mkdirSync(config.dataDir, { recursive: true });
  const current = config.HUB_PII_KEY
    ? parseVaultKey(config.HUB_PII_KEY, 'HUB_PII_KEY')
    : loadOrCreateKeyFile(join(config.dataDir, 'pii.key'));
  const previous = (config.HUB_PII_PREVIOUS_KEYS ?? '')
    .split(',')
    .filter(Boolean)
    .map((k) => parseVaultKey(k, 'HUB_PII_PREVIOUS_KEYS'));
  return { current, previous };
}

/** Every projection the hub runs: the reports' and the certificate registry's. */
export function hubProjections(vault: PersonalDataVault): Projection[] {
  return [
    ...PROJECTIONS,
    certificateRegistryProjection(vault),
    certificateHoldersProjection(vault),
  ];
}
