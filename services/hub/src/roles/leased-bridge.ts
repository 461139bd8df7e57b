import type { Logger } from 'pino';
import type { EventStore } from '@hub/event-store';
import type { InboxOpener } from '@hub/kafka-bridge';
import type { PersonalDataVault } from '@hub/personal-data';
import type { HubConfig } from '../config.js';
import { startKafkaBridge, type RunningBridge } from '../kafka.js';
import { RoleLease } from './role-lease.js';

export interface LeasedBridge {
  lease: RoleLease;
  stop(): Promise<void>;
}

/**
 * The Kafka bridge of a server-mode hub (DATABASE_URL): its checkpoint is in PostgreSQL and
 * nothing of it in the data directory, so only the bridge lease keeps a second bridge, on any
 * machine, from relaying every inbox message again. The ingress consumer and the egress relay
 * run while this process holds the lease, and stop when it loses it.
 */
export function leasedKafkaBridge(
  config: HubConfig,
  store: EventStore,
  vault: PersonalDataVault,
  logger: Logger,
  opener?: InboxOpener,
): LeasedBridge {
  let bridge: RunningBridge | undefined;
  const lease = new RoleLease({
    role: 'bridge',
    connectionString: config.DATABASE_URL!,
    logger: logger.child({ component: 'lease' }),
    onAcquired: () => {
      bridge = startKafkaBridge(config, store, vault, logger, opener);
    },
    onLost: async () => {
      const running = bridge;
      bridge = undefined;
      await running?.stop();
    },
  });
  lease.start();
  return { lease, stop: () => lease.stop() };
}
