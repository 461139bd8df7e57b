import { createServer, type Server } from 'node:http';
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
import { ProjectorLease } from './projector-lease.js';

export interface RunningProjector {
  url: string;
  server: Server;
  lease: ProjectorLease;
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
  const lease = new ProjectorLease({
    connectionString: config.DATABASE_URL!,
    logger: logger.child({ component: 'projector-lease' }),
    onAcquired: () => {
      runner.start();
      notary.start();
    },
    onLost: async () => {
      await runner.stop();
      await notary.stop();
    },
  });
  const metrics = createIngestionMetrics();
  registerProjectionMetrics(metrics.registry, runner);
  const server = createServer((req, res) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/healthz')
      return json(200, { status: 'ok', role: 'projector', active: lease.isActive });
    if (req.url === '/readyz')
      return lease.isConnected
        ? json(200, { status: 'ready', active: lease.isActive })
        : json(503, {
            status: 'not ready',
            reason: '未连接数据库 / no connection to the database',
          });
    if (req.url === '/metrics') {
      void metrics.registry.metrics().then((text) => {
        res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
        res.end(text);
      });
      return;
    }
    json(404, { status: 'not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  lease.start();
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  return {
    url: `http://${config.HOST}:${port}`,
    server,
    lease,
    async stop() {
      await new Promise((r) => server.close(r));
      await lease.stop();
      await relay.stop();
      await checkpoints.close();
      await readModels.close();
      await stores.close();
      await vault.close();
    },
  };
}
