import type { Logger } from 'pino';
import type { ChainNotary } from '@hub/evidence';
import type { ProjectionRunner } from '@hub/read-models';
import { RoleLease } from './role-lease.js';

/**
 * Projections and checkpoint signing of an all-in-one hub in server mode (DATABASE_URL): they
 * run while this process holds the projector lease, so a `hub start` beside projector
 * processes (or another one) on the same database does not project and sign a second time.
 */
export function leasedProjections(
  connectionString: string,
  runner: ProjectionRunner,
  notary: ChainNotary,
  logger: Logger,
): { lease: RoleLease; start(): void; stop(): Promise<void> } {
  const lease = new RoleLease({
    role: 'projector',
    connectionString,
    logger: logger.child({ component: 'lease' }),
    onAcquired: () => {
      runner.start();
      notary.start();
    },
    onLost: async () => {
      await runner.stop();
      await notary.stop();
    },
  });
  return { lease, start: () => lease.start(), stop: () => lease.stop() };
}
