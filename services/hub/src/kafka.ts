import { join } from 'node:path';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import type { EventStore } from '@hub/event-store';
import type { PersonalDataVault } from '@hub/personal-data';
import { ensureTopics, KafkaEgress, KafkaIngress, SqliteCheckpointStore } from '@hub/kafka-bridge';
import { recordingClockOf, type HubConfig } from './config.js';

/** How long a stop waits for a start in progress to finish before stopping what it has. */
const START_WAIT_ON_STOP_MS = 2000;

export interface RunningBridge {
  stop(): Promise<void>;
}

function sasl(config: HubConfig): SASLOptions | undefined {
  if (!config.KAFKA_SASL_MECHANISM) return undefined;
  return {
    mechanism: config.KAFKA_SASL_MECHANISM,
    username: config.KAFKA_SASL_USERNAME!,
    password: config.KAFKA_SASL_PASSWORD!,
  };
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
): RunningBridge | undefined {
  if (!config.KAFKA_BROKERS) return undefined;
  const mechanism = sasl(config);
  const kafka = new Kafka({
    clientId: 'hub',
    brokers: config.KAFKA_BROKERS.split(','),
    ssl: config.KAFKA_SSL === 'true',
    ...(mechanism ? { sasl: mechanism } : {}),
    logLevel: logLevel.ERROR,
    // Keep retrying while a broker restarts, instead of failing the hub.
    retry: { retries: 30, initialRetryTime: 300, maxRetryTime: 10_000 },
  });
  const bridgeLogger = logger.child({ component: 'kafka-bridge' });
  const checkpoints = new SqliteCheckpointStore(join(config.dataDir, 'hub.db'));
  const ingress = new KafkaIngress({
    kafka,
    store,
    logger: bridgeLogger,
    recordingClock: recordingClockOf(config),
    sealing: vault,
  });
  const egress = new KafkaEgress({ kafka, store, checkpoints, logger: bridgeLogger });
  let stopped = false;
  let wake: (() => void) | undefined;
  const running = (async () => {
    while (!stopped) {
      try {
        await ensureTopics(kafka, config.KAFKA_REPLICATION_FACTOR);
        await ingress.start();
        await egress.start();
        bridgeLogger.info({ brokers: config.KAFKA_BROKERS }, 'kafka bridge started');
        return;
      } catch (error) {
        bridgeLogger.error({ err: error }, 'kafka bridge could not start; retrying in 5 s');
        await ingress.stop().catch(() => undefined);
        await egress.stop().catch(() => undefined);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 5000);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake?.();
      // A start still retrying against an unreachable broker can take minutes: stop does not
      // wait for it (the process exits after stop, which ends its connection attempts).
      await Promise.race([running, new Promise((r) => setTimeout(r, START_WAIT_ON_STOP_MS))]);
      await ingress.stop();
      await egress.stop();
      await checkpoints.close();
    },
  };
}
