import { openApiRouter } from './openapi/openapi-router.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import { AppendArrivals, type EventStore } from '@hub/event-store';
import {
  createIngestionApp,
  createIngestionMetrics,
  HubRecorder,
  directoryWriteProbe,
  WriteHealth,
  PostgresCredentialStore,
  SqliteCredentialStore,
  type CredentialStore,
} from '@hub/ingestion';
import { ProjectionRunner } from '@hub/read-models';
import { registerProjectionMetrics, reportingRouter } from '@hub/reporting';
import {
  certificatesRouter,
  inboxOpener,
  RegistryIndex,
  PostgresScreeningJobStore,
  ScreeningThreads,
  SqliteScreeningJobStore,
  type JobStoreOptions,
  type ScreeningJobStore,
} from '@hub/certificates';
import type { PersonalDataVault } from '@hub/personal-data';
import { SUITES } from '@hub/crypto';
import {
  AgencyKeyring,
  ChainNotary,
  loadOrCreateHubSigningKey,
  parseHubSigningKey,
  PostgresChainCheckpointStore,
  SqliteChainCheckpointStore,
  type CheckpointStore,
  type HubSigningKey,
} from '@hub/evidence';
import { AuditTrail, PostgresAuditLog, SqliteAuditLog, type AuditLog } from '@hub/audit';
import {
  auditRouter,
  createGraphqlApi,
  loadOrCreateJwtSecret,
  PostgresUserStore,
  UserDirectory,
} from '@hub/graphql';
import {
  CONSOLE_WEB_DIR,
  consoleRouter,
  PostgresConsoleStore,
  SqliteConsoleStore,
  type ConsoleStore,
} from '@hub/console';
import { consoleIntake } from './intake/console-intake.js';
import {
  recordingClockOf,
  signaturesRequiredOf,
  xlsxLimitsOf,
  ConfigError,
  type HubConfig,
} from './config.js';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';
import { evidenceRouter } from './evidence-router.js';
import { startKafkaBridge } from './kafka.js';
import { closeEach, drainHttpServer } from './shutdown.js';
import { loadRules } from './rules.js';
import { LiveRelay } from './roles/live-relay.js';
import { leasedKafkaBridge } from './roles/leased-bridge.js';
import { leasedProjections } from './roles/leased-projections.js';
import { ProjectionThread } from './projection-thread/projection-thread.js';
import {
  chainAlgOf,
  hubProjections,
  openEventStore,
  openReadModels,
  openVault,
  readModelLocation,
  vaultKeys,
} from './read-side.js';

// Opened by the API and by the projection thread alike; importers of compose.js find them here.
export {
  chainAlgOf,
  hubProjections,
  openReadModels,
  openVault,
  readModelLocation,
  vaultFileOf,
  vaultKeys,
} from './read-side.js';

export interface HubStores {
  store: EventStore;
  /** Publish requests on their way to the store: the embedded store's group commit waits for them. */
  appendArrivals: AppendArrivals;
  credentials: CredentialStore;
  close(): Promise<void>;
}

/**
 * The event store and credentials. `now` is the clock the embedded and PostgreSQL stores
 * record with: only the demo passes one, to record its campaign at the times its world had
 * (KurrentDB records with the server's clock whatever is passed).
 */
export async function openStores(
  config: HubConfig,
  options: { now?: () => Date; logger?: Logger } = {},
): Promise<HubStores> {
  mkdirSync(config.dataDir, { recursive: true });
  const appendArrivals = new AppendArrivals();
  const store = await openEventStore(config, appendArrivals, options.now, options.logger);
  // Server mode: every process, on whatever machine, accepts the credentials any one issued.
  const credentials: CredentialStore = config.DATABASE_URL
    ? new PostgresCredentialStore({ connectionString: config.DATABASE_URL })
    : new SqliteCredentialStore(join(config.dataDir, 'hub.db'));
  return {
    store,
    appendArrivals,
    credentials,
    close: () =>
      closeEach([
        ['the event store', () => store.close()],
        ['the credentials', () => credentials.close()],
      ]),
  };
}

/**
 * The hub's own signing key (Ed25519 or SM2, as the suite says): it signs chain checkpoints.
 * HUB_SIGNING_KEY (required in server mode, so every process signs with one key), or a key file
 * made in the data directory on the embedded defaults.
 */
export function openHubSigningKey(config: HubConfig): HubSigningKey {
  if (config.HUB_SIGNING_KEY) {
    const key = parseHubSigningKey(config.HUB_SIGNING_KEY, 'HUB_SIGNING_KEY');
    const expected = SUITES[config.HUB_CRYPTO_SUITE].signature;
    if (key.alg !== expected)
      throw new ConfigError(
        `HUB_SIGNING_KEY is an ${key.alg} key, but HUB_CRYPTO_SUITE=${config.HUB_CRYPTO_SUITE} signs with ${expected}`,
      );
    return key;
  }
  mkdirSync(config.dataDir, { recursive: true });
  return loadOrCreateHubSigningKey(
    join(config.dataDir, 'hub-signing.key'),
    SUITES[config.HUB_CRYPTO_SUITE].signature,
  );
}

/** Signed checkpoints of the chain: hub state (evidence.db, or PostgreSQL), never rebuilt. */
export function openCheckpoints(config: HubConfig): CheckpointStore {
  if (config.DATABASE_URL)
    return new PostgresChainCheckpointStore({ connectionString: config.DATABASE_URL });
  mkdirSync(config.dataDir, { recursive: true });
  return new SqliteChainCheckpointStore(join(config.dataDir, 'evidence.db'));
}

/**
 * The audit log: hub state (audit.db, or PostgreSQL in server mode, where the processes append
 * to one chain), never rebuilt, chained with the suite's hash and kept for
 * HUB_AUDIT_RETENTION_DAYS at least.
 */
export function openAuditLog(config: HubConfig, writerThread = false): AuditLog {
  if (config.DATABASE_URL)
    return new PostgresAuditLog({ connectionString: config.DATABASE_URL, alg: chainAlgOf(config) });
  mkdirSync(config.dataDir, { recursive: true });
  return new SqliteAuditLog(join(config.dataDir, 'audit.db'), {
    alg: chainAlgOf(config),
    writerThread,
  });
}

/**
 * Threads that screen rosters in parallel (SCREENING_THREADS; 0: none, screen on the main
 * thread). Each opens its own connection to the read models and holds the vault's keys; with
 * an index they look certificates up in its shared memory while it is current.
 */
export function openScreeningThreads(
  config: HubConfig,
  vault: PersonalDataVault,
  index?: RegistryIndex,
): ScreeningThreads | undefined {
  if (config.SCREENING_THREADS === 0) return undefined;
  return new ScreeningThreads(
    {
      readModels: readModelLocation(config),
      keys: { ...vaultKeys(config), matching: vault.matchingSettings },
    },
    config.SCREENING_THREADS,
    index,
  );
}

/**
 * People who use GraphQL and the console, and the secret their tokens are signed with: in
 * PostgreSQL with DATABASE_URL (every API process knows every user), else in hub.db.
 */
export function openUsers(config: HubConfig): UserDirectory {
  mkdirSync(config.dataDir, { recursive: true });
  return new UserDirectory(
    config.DATABASE_URL
      ? new PostgresUserStore({ connectionString: config.DATABASE_URL })
      : join(config.dataDir, 'hub.db'),
    loadOrCreateJwtSecret(join(config.dataDir, 'jwt.key'), config.HUB_JWT_SECRET),
  );
}

/**
 * Console sign-in state (user names, password hashes, links, sessions): in PostgreSQL with
 * DATABASE_URL (a link or session holds on every API process), else in hub.db.
 */
export function openConsoleStore(config: HubConfig): ConsoleStore {
  if (config.DATABASE_URL)
    return new PostgresConsoleStore({ connectionString: config.DATABASE_URL });
  mkdirSync(config.dataDir, { recursive: true });
  return new SqliteConsoleStore(join(config.dataDir, 'hub.db'));
}

/**
 * Screening jobs and their results: in PostgreSQL with DATABASE_URL (a job submitted through
 * one API process is read and downloaded through any other), else in hub.db and
 * `<data dir>/screenings/`.
 */
export function openScreeningJobs(
  config: HubConfig,
  options: JobStoreOptions = {},
): ScreeningJobStore {
  if (config.DATABASE_URL)
    return new PostgresScreeningJobStore({ connectionString: config.DATABASE_URL, ...options });
  mkdirSync(config.dataDir, { recursive: true });
  return new SqliteScreeningJobStore(
    join(config.dataDir, 'hub.db'),
    join(config.dataDir, 'screenings'),
    options,
  );
}

export interface RunningHub {
  url: string;
  server: Server;
  stop(): Promise<void>;
}

/**
 * One hub per data directory, and one Kafka bridge: a second one would repeat the projection
 * work and fight over checkpoints. CLI commands that
 * read, or write a little and leave (token, report, demo …), run beside it without a lock.
 * In server mode (DATABASE_URL) the bridge keeps nothing in the data directory: the bridge
 * lease in PostgreSQL stands for its lock there.
 */
export function lockHub(config: HubConfig): DataDirLock[] {
  mkdirSync(config.dataDir, { recursive: true });
  const hub = lockDataDir(config.dataDir, 'hub');
  if (!config.KAFKA_BROKERS || config.DATABASE_URL) return [hub];
  try {
    return [hub, lockDataDir(config.dataDir, 'kafka-bridge')];
  } catch (error) {
    hub.release();
    throw error;
  }
}

/**
 * Composes every service of the hub in one process and starts listening. Role `api` (server
 * mode, several processes on one store) serves the API alone: projections, checkpoint signing
 * and the Kafka bridge run in processes of their own, and the ledger's changes reach its
 * GraphQL subscriptions from the active projector through PostgreSQL.
 */
export async function startHub(
  config: HubConfig,
  logger: Logger,
  options: { role?: 'all' | 'api' } = {},
): Promise<RunningHub> {
  const apiOnly = options.role === 'api';
  const rules = loadRules(config.HUB_RULES_FILE);
  // API processes share the data directory's hub state; only the all-in-one hub locks it.
  const locks = apiOnly ? [] : lockHub(config);
  const stores = await openStores(config, { logger }).catch((error: unknown) => {
    locks.forEach((l) => l.release());
    throw error;
  });
  // Every append of the hub is watched: on a full disk /readyz says so until there is room.
  const writeHealth = new WriteHealth(
    config.EVENT_STORE === 'embedded' ? directoryWriteProbe(config.dataDir) : undefined,
  );
  const store = writeHealth.watch(stores.store);
  let draining = false;
  const readModels = openReadModels(config);
  const vault = await openVault(config);
  const jobsLogger = logger.child({ component: 'screening-jobs' });
  const jobs = openScreeningJobs(config, {
    // The embedded hub holds the data-directory lock: jobs left running there are its own.
    ...(locks.length > 0 && !config.DATABASE_URL ? { node: 'hub' } : {}),
    onError: (err) => jobsLogger.warn({ err }, 'a screening heartbeat was not written'),
  });
  // Loaded in the background: until it is, screenings read the registry's read model.
  const registryIndex =
    config.SCREENING_THREADS > 0 && config.SCREENING_REGISTRY_IN_MEMORY === 'true'
      ? new RegistryIndex({
          readModels,
          store,
          protector: vault,
          log: logger.child({ component: 'registry-index' }),
        })
      : undefined;
  void registryIndex
    ?.load()
    .catch((err: unknown) =>
      logger.error({ err }, 'loading the certificate registry into memory failed'),
    );
  const screeningThreads = openScreeningThreads(config, vault, registryIndex);
  const users = openUsers(config);
  // Who read, exported or opened what: buffered for reads, durable at once for openings.
  // Written on a thread of its own: requests pay an in-memory push, not a hash or a commit.
  const auditLog = openAuditLog(config, true);
  const auditLogger = logger.child({ component: 'audit' });
  const audit = new AuditTrail(auditLog, {
    onError: (err, { pending, lost }) =>
      auditLogger.error({ err, pending, lost }, 'writing audit records failed'),
  });
  // The one path by which the hub records events on someone's behalf.
  const recorder = new HubRecorder(store, {
    sealing: vault,
    recordingPolicy: { futureToleranceMs: config.HUB_FUTURE_TOLERANCE_SECONDS * 1000 },
  });
  const graphqlLogger = logger.child({ component: 'graphql' });
  const recordingClock = recordingClockOf(config);
  const lateAfterDays = config.HUB_LATE_EVENT_DAYS;
  const bimonthlyReading = config.HUB_SHANGHAI_BIMONTHLY;
  const graphql = await createGraphqlApi({
    audit,
    lateAfterDays,
    bimonthlyReading,
    readModels,
    store,
    recorder,
    vault,
    jobs,
    deadlineRules: rules.deadlineRules,
    users,
    production: config.NODE_ENV === 'production',
    rateLimitPerMinute: config.GRAPHQL_RATE_LIMIT,
    onInternalError: (err) => graphqlLogger.error({ err }, 'graphql request failed'),
  });
  // Server mode: the ledger's changes reach this process's subscriptions through PostgreSQL,
  // from whichever process holds the projector lease (this one or another).
  const relay = config.DATABASE_URL
    ? new LiveRelay(config.DATABASE_URL, logger.child({ component: 'live-relay' }))
    : undefined;
  // Subscriptions hear of every committed change to the ledger.
  const onCommitted = (changes: ReadonlyArray<{ projection: string; keys: string[] }>) =>
    relay ? relay.publish(changes) : void graphql.live.committed(changes).catch(() => undefined);
  const projectionsLogger = logger.child({ component: 'projections' });
  // Server mode runs it while holding the projector lease; the embedded hub runs the same
  // projections on a thread of its own, and this one only reads their lag for /metrics.
  const runner = new ProjectionRunner({
    store,
    readModels,
    projections: hubProjections(vault),
    logger: projectionsLogger,
    onCommitted,
  });
  const certificatesLogger = logger.child({ component: 'certificates' });
  const metrics = createIngestionMetrics();
  registerProjectionMetrics(metrics.registry, runner);
  const hubKey = openHubSigningKey(config);
  // Signs where the history stands every 10,000 records or 10 minutes.
  const checkpoints = openCheckpoints(config);
  const notaryLogger = logger.child({ component: 'notary' });
  const notary = new ChainNotary({
    store,
    checkpoints,
    key: hubKey,
    derivedAlg: chainAlgOf(config),
    onError: (err) => notaryLogger.error({ err }, 'signing a chain checkpoint failed'),
    onSigned: (c) =>
      notaryLogger.info({ position: c.position, count: c.count }, 'chain checkpoint signed'),
  });
  const certificates = {
    audit,
    recorder,
    readModels,
    vault,
    jobs,
    rosterLimit: config.ROSTER_LIMIT,
    inflation: xlsxLimitsOf(config),
    ...(screeningThreads ? { screeningThreads } : {}),
    onScreeningError: (err: unknown) => certificatesLogger.error({ err }, 'screening failed'),
  };
  const consoleStore = openConsoleStore(config);
  const webConsole = consoleRouter({
    users,
    store: consoleStore,
    credentials: stores.credentials,
    readModels,
    audit,
    transferCriteria: rules.transferCriteria,
    bimonthlyReading,
    webDir: CONSOLE_WEB_DIR,
    secureCookies: config.HUB_SECURE_COOKIES === 'true',
    // Officers screen rosters from the console with the same service as agency systems.
    screening: certificates,
    // And upload their monthly sheets through the same intake as `hub import events`.
    intake: consoleIntake({
      store,
      sealing: vault,
      limits: xlsxLimitsOf(config),
      recordingClock,
    }),
  });
  const app = createIngestionApp({
    ...(config.HUB_TRUST_PROXY ? { trustProxy: trustProxyOf(config.HUB_TRUST_PROXY) } : {}),
    audit,
    store,
    credentials: stores.credentials,
    logger,
    metrics,
    bodyLimit: config.BODY_LIMIT,
    sealing: vault,
    keyring: new AgencyKeyring(store),
    signaturesRequired: signaturesRequiredOf(config),
    rateLimitPerMinute: config.API_RATE_LIMIT,
    maxInflateRatio: config.MAX_INFLATE_RATIO,
    recordingClock,
    appendArrivals: stores.appendArrivals,
    readinessChecks: [
      async () => {
        if (draining) throw new Error('正在停止 / shutting down');
      },
      () => writeHealth.check(),
      async () => void (await readModels.checkpoints()),
    ],
    userRouters: [
      // The OpenAPI document, the event catalogue and the reference page need no credential.
      openApiRouter(),
      // The console at /; its session cookie stands for the user's token on /graphql.
      webConsole.router,
      auditRouter({
        users,
        audit,
        protector: vault,
        rateLimitPerMinute: config.GRAPHQL_RATE_LIMIT,
      }),
    ],
    routers: [
      graphql.router,
      evidenceRouter({ notary, checkpoints, key: hubKey, audit }),
      reportingRouter({ readModels, ...rules, lateAfterDays, bimonthlyReading, audit }),
      certificatesRouter(certificates),
    ],
  });
  // Not app.listen: express 5 hands a listen error (port in use) to the callback it calls
  // on success, and the hub would run without listening.
  const server = createServer(app);
  keepIdleConnections(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  graphql.attach(server);
  await relay?.listen((changes) => void graphql.live.committed(changes).catch(() => undefined));
  // Projections and checkpoint signing: one process per database in server mode (the
  // projector lease, as `--role projector` holds it), this one alone otherwise.
  const projecting = apiOnly
    ? undefined
    : config.DATABASE_URL
      ? leasedProjections(config.DATABASE_URL, runner, notary, logger)
      : projectionThreadOf(config, projectionsLogger, onCommitted, notary);
  projecting?.start();
  // Server mode: the bridge runs while this hub holds the bridge lease (one per database).
  const bridge =
    apiOnly || !config.KAFKA_BROKERS
      ? undefined
      : config.DATABASE_URL
        ? leasedKafkaBridge(config, store, vault, logger, inboxOpener(vault, audit))
        : startKafkaBridge(config, store, vault, logger, inboxOpener(vault, audit));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  return {
    url: `http://${config.HOST}:${port}`,
    server,
    async stop() {
      draining = true;
      const drained = drainHttpServer(server);
      // Subscriptions end (going away) so their sockets do not hold the server open.
      await graphql.closeSubscriptions();
      await drained;
      await graphql.stop();
      // Requests are done: what they recorded is written before the stores close.
      await closeEach([
        ['the audit trail', () => audit.close()],
        ['the audit log', () => auditLog.close()],
        ['the Kafka bridge', () => bridge?.stop()],
        ['the outbox relay', () => relay?.stop()],
        ['the projections', () => projecting?.stop()],
        ['the projection runner', () => runner.stop()],
        ['the notary', () => notary.stop()],
        ['the checkpoints', () => checkpoints.close()],
        ['the screening threads', () => screeningThreads?.close()],
        ['the screening jobs', () => jobs.close()],
        ['the users', () => users.close()],
        ['the console store', () => consoleStore.close()],
        ['the read models', () => readModels.close()],
        ['the event store', () => stores.close()],
        ['the vault', () => vault.close()],
        ['the data directory locks', () => locks.forEach((l) => l.release())],
      ]);
    },
  };
}

/** The embedded hub's projections on their thread, and checkpoint signing on this one. */
function projectionThreadOf(
  config: HubConfig,
  logger: Logger,
  onCommitted: (changes: ReadonlyArray<{ projection: string; keys: string[] }>) => void,
  notary: ChainNotary,
): { start(): void; stop(): Promise<void> } {
  const thread = new ProjectionThread({ config, logger, onCommitted });
  return {
    start: () => (thread.start(), notary.start()),
    stop: () => thread.stop(),
  };
}

/**
 * An idle keep-alive connection stays open longer than clients and proxies keep theirs (they
 * close at 60 s or sooner, and undici at what the server announces less a second or two). A
 * server that closes first races a request already on its way over the closing socket: the
 * client sees "other side closed", a proxy answers 502. Node's default is 5 s.
 */
export const IDLE_CONNECTION_MS = 65_000;
export function keepIdleConnections(server: Server): void {
  server.keepAliveTimeout = IDLE_CONNECTION_MS;
  // Longer than the idle time, or a request that starts just before it ends may be cut.
  server.headersTimeout = IDLE_CONNECTION_MS + 1_000;
}

/** HUB_TRUST_PROXY as express takes it: a hop count, or addresses and subnets. */
function trustProxyOf(value: string): number | string {
  return /^\d+$/.test(value) ? Number(value) : value;
}
