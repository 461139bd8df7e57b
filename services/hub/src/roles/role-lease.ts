import pg from 'pg';
import type { Logger } from 'pino';

/**
 * The roles of which one process per database is active, each with the session advisory lock
 * its processes compete for (arbitrary constants; the projector's is the one it always had).
 */
export const LEASE_LOCKS = {
  projector: 7_318_461_201,
  bridge: 7_318_461_202,
} as const;
export type LeaseRole = keyof typeof LEASE_LOCKS;
export type LeaseState = 'active' | 'standby' | 'electing';

const WHAT: Record<LeaseRole, string> = {
  projector: 'applies the projections',
  bridge: 'relays between Kafka and the event store',
};

export interface RoleLeaseOptions {
  role: LeaseRole;
  connectionString: string;
  logger: Logger;
  /** Called when this process becomes the active one. */
  onAcquired: () => void;
  /** Called when it stops being active (its lock connection broke, or it stops), before the lock is let go on a stop. */
  onLost: () => Promise<void>;
  /** How often a standby asks for the lock, and the holder checks its connection (default 1 s). */
  retryMs?: number;
  /** How long a check of the holder's connection may take before the lease counts as lost (default 5 s). */
  checkTimeoutMs?: number;
}

/**
 * One active process of a role among many, elected through PostgreSQL: the holder of a session
 * advisory lock is active. The lock lives as long as its connection, so when the active process
 * dies (kill -9 included) the server drops it as soon as the socket closes, and a standby,
 * asking every second, takes over. The holder checks its connection every second too: a
 * connection that ends, fails or stops answering means the server may have let the lock go, so
 * the work stops at once instead of running beside the next holder.
 */
export class RoleLease {
  private client: pg.Client | undefined;
  private stopped = false;
  private active = false;
  private standingBy = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly options: RoleLeaseOptions) {}

  get isActive(): boolean {
    return this.active;
  }

  /** True while this process holds a connection to the database (active or standing by). */
  get isConnected(): boolean {
    return this.client !== undefined;
  }

  /**
   * Where this process stands: `active`, `standby` (connected, and the lock is another's), or
   * `electing` (not yet asked, reconnecting, or pausing after its work could not start).
   */
  get state(): LeaseState {
    if (this.active) return 'active';
    return this.standingBy && this.client !== undefined ? 'standby' : 'electing';
  }

  start(): void {
    this.loop ??= this.run();
  }

  private async run(): Promise<void> {
    const { role, logger } = this.options;
    const retryMs = this.options.retryMs ?? 1000;
    while (!this.stopped) {
      try {
        const client = this.client ?? (await this.connect());
        const { rows } = await client.query<{ locked: boolean }>(
          'SELECT pg_try_advisory_lock($1) AS locked',
          [LEASE_LOCKS[role]],
        );
        if (rows[0]?.locked && !this.stopped) {
          this.active = true;
          this.standingBy = false;
          logger.info(
            { leaseRole: role, lease: 'active' },
            `active ${role}: this process ${WHAT[role]}`,
          );
          try {
            this.options.onAcquired();
          } catch (error) {
            // This process cannot do the work (its configuration, say): it lets the lock go so
            // that another one can, and tries again later, saying why.
            this.active = false;
            logger.error(
              { err: error, leaseRole: role, lease: 'failed' },
              `the ${role} could not start on this process; letting the lease go`,
            );
            await this.dropClient();
            await this.pause(retryMs * 10);
            continue;
          }
          const why = await this.holdUntilLost(client, retryMs);
          this.active = false;
          await this.options.onLost();
          if (!this.stopped) {
            this.standingBy = true;
            logger.warn(
              { leaseRole: role, lease: 'lost', reason: why },
              `lost the ${role} lease; standing by`,
            );
            // Two rounds out: a standby in good health, asking every round, takes over first.
            await this.pause(retryMs);
          }
          continue;
        }
        if (!this.standingBy && !this.stopped) {
          this.standingBy = true;
          logger.info(
            { leaseRole: role, lease: 'standby' },
            `standing by: another process is the active ${role}`,
          );
        }
      } catch (error) {
        logger.warn({ err: error, leaseRole: role }, `${role} election: database unreachable`);
        await this.dropClient();
      }
      if (!this.stopped) await this.pause(retryMs);
    }
  }

  /** Resolves, with why, once the lock's connection ends, fails a check, or the lease stops. */
  private holdUntilLost(client: pg.Client, checkMs: number): Promise<string> {
    return new Promise<string>((resolve) => {
      let held = true;
      let timer: NodeJS.Timeout | undefined;
      const lost = (why: string) => {
        if (!held) return;
        held = false;
        clearTimeout(timer);
        client.off('end', ended);
        resolve(why);
      };
      const ended = () => lost('connection closed');
      client.once('end', ended);
      this.wake = () => lost('stopping');
      const check = () => {
        timer = setTimeout(() => {
          client.query('SELECT 1').then(
            () => held && check(),
            () => {
              void this.dropClient();
              lost('connection check failed');
            },
          );
        }, checkMs);
      };
      check();
    });
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      keepAlive: true,
      connectionTimeoutMillis: 5000,
      // A check that gets no answer fails instead of waiting for TCP to give up.
      query_timeout: this.options.checkTimeoutMs ?? 5000,
      application_name: `hub-${this.options.role}-lease`,
    });
    // A client already let go can still report a late error: only the current one is dropped.
    client.on('error', () => {
      if (this.client === client) void this.dropClient();
    });
    client.on('end', () => {
      if (this.client !== client) return;
      this.client = undefined;
      this.standingBy = false;
    });
    await client.connect();
    this.client = client;
    return client;
  }

  private async dropClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    // A new connection has not asked yet: electing, not standing by, until it has.
    this.standingBy = false;
    await client?.end().catch(() => undefined);
  }

  /** Stops the work (if active), then lets the lock go and stops competing. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    await this.dropClient();
  }
}
