import pg from 'pg';
import type { Logger } from 'pino';

/** The advisory lock the projector processes of one database compete for. */
const PROJECTOR_LOCK = 7_318_461_201;

export interface ProjectorLeaseOptions {
  connectionString: string;
  logger: Logger;
  /** Called when this process becomes the active projector. */
  onAcquired: () => void;
  /** Called when it stops being active (its lock connection broke, or it stops). */
  onLost: () => Promise<void>;
  /** How often a standby asks for the lock (default 1 s). */
  retryMs?: number;
}

/**
 * One active projector among many processes, elected through PostgreSQL: the holder of a
 * session advisory lock is active. The lock lives as long as its connection, so when the
 * active process dies (kill -9 included) the server drops it as soon as the socket closes,
 * and a standby, asking every second, takes over. Losing the lock does not need to be noticed
 * at once for safety: every page a projector commits is guarded by the projection's checkpoint,
 * so a page is never applied twice even by a projector that does not know yet it was replaced.
 */
export class ProjectorLease {
  private client: pg.Client | undefined;
  private stopped = false;
  private active = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly options: ProjectorLeaseOptions) {}

  get isActive(): boolean {
    return this.active;
  }

  /** True while this process holds a connection to the database (active or standing by). */
  get isConnected(): boolean {
    return this.client !== undefined;
  }

  start(): void {
    this.loop ??= this.run();
  }

  private async run(): Promise<void> {
    const retryMs = this.options.retryMs ?? 1000;
    while (!this.stopped) {
      try {
        const client = this.client ?? (await this.connect());
        const { rows } = await client.query<{ locked: boolean }>(
          'SELECT pg_try_advisory_lock($1) AS locked',
          [PROJECTOR_LOCK],
        );
        if (rows[0]?.locked && !this.stopped) {
          this.active = true;
          this.options.logger.info('active projector: this process applies the projections');
          this.options.onAcquired();
          await new Promise<void>((resolve) => {
            client.once('end', resolve);
            this.wake = resolve;
          });
          this.active = false;
          await this.options.onLost();
          if (!this.stopped)
            this.options.logger.warn('lost the projector lock (connection closed); standing by');
          continue;
        }
      } catch (error) {
        this.options.logger.warn({ err: error }, 'projector election: database unreachable');
        await this.dropClient();
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, retryMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      keepAlive: true,
      connectionTimeoutMillis: 5000,
    });
    client.on('error', () => void this.dropClient());
    client.on('end', () => {
      if (this.client === client) this.client = undefined;
    });
    await client.connect();
    this.client = client;
    return client;
  }

  private async dropClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** Stops applying (if active), releases the lock and stops competing. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.dropClient();
    this.wake?.();
    await this.loop;
  }
}
