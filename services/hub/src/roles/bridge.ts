import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { AuditTrail } from '@hub/audit';
import { inboxOpener } from '@hub/certificates';
import { openAuditLog, openStores, openVault } from '../compose.js';
import type { HubConfig } from '../config.js';
import { lockDataDir } from '../data-dir-lock.js';
import { startKafkaBridge } from '../kafka.js';
import { leasedKafkaBridge } from './leased-bridge.js';
import { serveRoleHealth } from './role-health.js';
import type { RoleLease } from './role-lease.js';
import { closeEach } from '../shutdown.js';

export interface RunningBridgeRole {
  /** Server mode: where /healthz and /readyz answer. */
  health?: { url: string; server: Server };
  lease?: RoleLease;
  stop(): Promise<void>;
}

/**
 * `hub bridge` and `hub start --role bridge`: the Kafka bridge alone, on the shared event store.
 * Server mode: one active bridge per database (the lease), every process answering /healthz and
 * /readyz; otherwise one per data directory (its lock), as the checkpoint is there.
 */
export async function startBridgeRole(
  config: HubConfig,
  logger: Logger,
): Promise<RunningBridgeRole> {
  const server = Boolean(config.DATABASE_URL);
  mkdirSync(config.dataDir, { recursive: true });
  const lock = server ? undefined : lockDataDir(config.dataDir, 'kafka-bridge');
  const stores = await openStores(config);
  const vault = await openVault(config);
  // The bridge alone records its openings for the criminal-justice inboxes in the audit trail.
  const auditLog = openAuditLog(config);
  const audit = new AuditTrail(auditLog);
  const opener = inboxOpener(vault, audit);
  const closeAll = () =>
    closeEach([
      ['the event store', () => stores.close()],
      ['the audit trail', () => audit.close()],
      ['the audit log', () => auditLog.close()],
      ['the vault', () => vault.close()],
      ['the data directory lock', () => lock?.release()],
    ]);
  if (!server) {
    const bridge = startKafkaBridge(config, stores.store, vault, logger, opener)!;
    return {
      async stop() {
        await bridge.stop();
        await closeAll();
      },
    };
  }
  const leased = leasedKafkaBridge(config, stores.store, vault, logger, opener);
  const health = await serveRoleHealth(config, 'bridge', leased.lease).catch(
    async (error: unknown) => {
      await leased.stop();
      await closeAll();
      throw error;
    },
  );
  return {
    health,
    lease: leased.lease,
    async stop() {
      await new Promise((r) => health.server.close(r));
      await leased.stop();
      await closeAll();
    },
  };
}
