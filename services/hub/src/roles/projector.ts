import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { createIngestionMetrics } from '@hub/ingestion';
import { ChainNotary } from '@hub/evidence';
import { ProjectionRunner } from '@hub/read-models';
import { registerProjectionMetrics } from '@hub/reporting';
import {
  chainAlgOf,
  hubProjections,
  openCheckpoints,
  openHubSigningKey,
  openReadModels,
  openStores,
  openVault,
} from '../compose.js';
import type { HubConfig } from '../config.js';
import { LiveRelay } from './live-relay.js';
import { serveRoleHealth } from './role-health.js';
import { leasedProjections } from './leased-projections.js';
import type { RoleLease } from './role-lease.js';
import { closeEach } from '../shutdown.js';

export interface RunningProjector {
  url: string;
  server: Server;
  lease: RoleLease;
  stop(): Promise<void>;
}

/**
 * `hub start --role projector`: competes with the other projector processes for the lease;
 * while it holds it, applies the projections to the read models in PostgreSQL, signs chain
 * checkpoints and relays the ledger's changes to the API processes. It serves only
 * /healthz (with whether it is active), /readyz and /metrics, for the orchestrator.
 */
export async function startProjector(config: HubConfig, logger: Logger): Promise<RunningProjector> {
  const stores = await openStores(config);
  const readModels = openReadModels(config);
  const vault = await openVault(config);
  const relay = new LiveRelay(config.DATABASE_URL!, logger.child({ component: 'live-relay' }));
  const runner = new ProjectionRunner({
    store: stores.store,
    readModels,
    projections: hubProjections(vault),
    logger: logger.child({ component: 'projections' }),
    onCommitted: (changes) => relay.publish(changes),
  });
  const checkpoints = openCheckpoints(config);
  const notaryLogger = logger.child({ component: 'notary' });
  const notary = new ChainNotary({
    store: stores.store,
    checkpoints,
    key: openHubSigningKey(config),
    derivedAlg: chainAlgOf(config),
    onError: (err) => notaryLogger.error({ err }, 'signing a chain checkpoint failed'),
  });
  const projecting = leasedProjections(config.DATABASE_URL!, runner, notary, logger);
  const lease = projecting.lease;
  const metrics = createIngestionMetrics();
  registerProjectionMetrics(metrics.registry, runner);
  const { url, server } = await serveRoleHealth(config, 'projector', lease, metrics.registry);
  projecting.start();
  return {
    url,
    server,
    lease,
    async stop() {
      await new Promise((r) => server.close(r));
      await closeEach([
        ['the projector lease', () => lease.stop()],
        ['the outbox relay', () => relay.stop()],
        ['the checkpoints', () => checkpoints.close()],
        ['the read models', () => readModels.close()],
        ['the event store', () => stores.close()],
        ['the vault', () => vault.close()],
      ]);
    },
  };
}
