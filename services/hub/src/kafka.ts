import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import type { Logger } from 'pino';
import type { EventStore } from '@hub/event-store';
import type { PersonalDataVault } from '@hub/personal-data';
import {
  ensureTopics,
  KafkaEgress,
  KafkaIngress,
  PlatformaticKafka,
  PostgresCheckpointStore,
  SqliteCheckpointStore,
  type PlatformaticKafkaOptions,
  type InboxOpener,
} from '@hub/kafka-bridge';
import { ConfigError, recordingClockOf, type HubConfig } from './config.js';

/** How long a stop waits for a start in progress to finish before stopping what it has. */
const START_WAIT_ON_STOP_MS = 2000;

export interface RunningBridge {
  stop(): Promise<void>;
}

const SASL_MECHANISMS = {
  plain: 'PLAIN',
  'scram-sha-256': 'SCRAM-SHA-256',
  'scram-sha-512': 'SCRAM-SHA-512',
} as const;

function sasl(config: HubConfig): PlatformaticKafkaOptions['sasl'] {
  if (!config.KAFKA_SASL_MECHANISM) return undefined;
  return {
    mechanism: SASL_MECHANISMS[config.KAFKA_SASL_MECHANISM],
    username: config.KAFKA_SASL_USERNAME!,
    password: config.KAFKA_SASL_PASSWORD!,
  };
}

/** TLS towards the brokers, trusting the CA file when one is configured. */
function tls(config: HubConfig): ConnectionOptions | undefined {
  if (config.KAFKA_SSL !== 'true') return undefined;
  if (!config.KAFKA_SSL_CA_FILE) return {};
  try {
    return { ca: [readFileSync(config.KAFKA_SSL_CA_FILE, 'utf8')] };
  } catch (error) {
    throw new ConfigError(
      `KAFKA_SSL_CA_FILE=${JSON.stringify(config.KAFKA_SSL_CA_FILE)}: cannot be read`,
      {
        cause: error,
      },
    );
  }
}

/**
 * Starts the Kafka bridge (ingress and egress) when KAFKA_BROKERS is configured. It starts in
 * the background and keeps retrying, so the hub serves HTTP while a broker is slow or down.
 */
export function startKafkaBridge(
  config: HubConfig,
  store: EventStore,
  vault: PersonalDataVault,
  logger: Logger,
  /** Gives the criminal-justice inboxes ID numbers in clear, each opening on the audit record. */
  opener?: InboxOpener,
): RunningBridge | undefined {
  if (!config.KAFKA_BROKERS) return undefined;
  const mechanism = sasl(config);
  const secure = tls(config);
  const kafka = new PlatformaticKafka({
    clientId: 'hub',
    brokers: config.KAFKA_BROKERS.split(','),
    ...(secure ? { tls: secure } : {}),
    ...(mechanism ? { sasl: mechanism } : {}),
    // Keep retrying while a broker restarts; past that the part restarts itself.
    retries: 10,
    retryDelayMs: 1000,
  });
  const bridgeLogger = logger.child({ component: 'kafka-bridge' });
  // Server mode: where the relay stands is in PostgreSQL, so a bridge started on another
  // machine resumes there instead of relaying everything again.
  const checkpoints = config.DATABASE_URL
    ? new PostgresCheckpointStore({ connectionString: config.DATABASE_URL })
    : new SqliteCheckpointStore(join(config.dataDir, 'hub.db'));
  const ingress = new KafkaIngress({
    kafka,
    store,
    logger: bridgeLogger,
    recordingClock: recordingClockOf(config),
    sealing: vault,
  });
  const egress = new KafkaEgress({
    kafka,
    store,
    checkpoints,
    logger: bridgeLogger,
    ...(opener ? { opener } : {}),
  });
  let stopped = false;
  let wake: (() => void) | undefined;
  const running = (async () => {
    while (!stopped) {
      try {
        await ensureTopics(kafka, config.KAFKA_REPLICATION_FACTOR);
        if (stopped) break;
        await ingress.start();
        if (stopped) break;
        await egress.start();
        if (stopped) break;
        bridgeLogger.info({ brokers: config.KAFKA_BROKERS }, 'kafka bridge started');
        return;
      } catch (error) {
        bridgeLogger.error({ err: error }, 'kafka bridge could not start; retrying in 5 s');
        await stopLogged(ingress, 'ingress', bridgeLogger);
        await stopLogged(egress, 'egress', bridgeLogger);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 5000);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
    // Stopped while starting (a bridge that lost its lease goes on living): what started
    // meanwhile stops too, since stop() may have given up waiting for it.
    await stopLogged(ingress, 'ingress', bridgeLogger);
    await stopLogged(egress, 'egress', bridgeLogger);
  })();
  return {
    async stop() {
      stopped = true;
      wake?.();
      // A start still retrying against an unreachable broker can take minutes: stop does not
      // wait for it; the start stops what it started itself once it sees `stopped`.
      await Promise.race([running, new Promise((r) => setTimeout(r, START_WAIT_ON_STOP_MS))]);
      try {
        await ingress.stop();
        await egress.stop();
      } finally {
        await checkpoints.close();
      }
    },
  };
}

/** Stops a half-started part before the next try; a failure to stop is logged, not thrown. */
async function stopLogged(part: { stop(): Promise<void> }, name: string, logger: Logger) {
  try {
    await part.stop();
  } catch (error) {
    logger.warn({ err: error, part: name }, 'kafka bridge part did not stop cleanly');
  }
}
