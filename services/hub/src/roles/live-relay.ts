import pg from 'pg';
import { openPool } from '@hub/postgres-schema';
import type { Logger } from 'pino';

type Changes = ReadonlyArray<{ projection: string; keys: string[] }>;

const CHANNEL = 'hub_read_model_changes';
/** NOTIFY payloads must stay under 8,000 bytes: keys are sent in chunks well below. */
const MAX_PAYLOAD = 6000;
/** Only the ledger's changes feed GraphQL subscriptions. */
const RELAYED = new Set(['clue-ledger']);

/**
 * Carries what the active projector committed to every API process, so a GraphQL subscription
 * hears of a change whichever process its client is connected to: the projector NOTIFYs, each
 * API process LISTENs and hands the changes to its subscriptions.
 */
export class LiveRelay {
  private readonly pool: pg.Pool;
  private listener: pg.Client | undefined;
  private stopped = false;

  constructor(
    private readonly connectionString: string,
    private readonly logger: Logger,
  ) {
    this.pool = openPool({ connectionString, max: 1 });
  }

  /** Projector side: tells every listener what changed (ledger keys only). */
  publish(changes: Changes): void {
    const payloads: string[] = [];
    for (const change of changes.filter((c) => RELAYED.has(c.projection))) {
      let keys: string[] = [];
      for (const key of change.keys) {
        keys.push(key);
        if (JSON.stringify(keys).length > MAX_PAYLOAD) {
          payloads.push(JSON.stringify({ projection: change.projection, keys }));
          keys = [];
        }
      }
      if (keys.length > 0) payloads.push(JSON.stringify({ projection: change.projection, keys }));
    }
    for (const payload of payloads)
      this.pool
        .query('SELECT pg_notify($1, $2)', [CHANNEL, payload])
        .catch((err: unknown) =>
          this.logger.warn({ err }, 'relaying read-model changes to API processes failed'),
        );
  }

  /** API side: calls `onChanges` for every relayed commit; reconnects when the connection breaks. */
  async listen(onChanges: (changes: Changes) => void): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.connectionString, keepAlive: true });
    const reopen = () => {
      if (this.listener !== client) return;
      this.listener = undefined;
      void client.end().catch(() => undefined);
      if (!this.stopped) setTimeout(() => void this.listen(onChanges).catch(() => undefined), 1000);
    };
    client.on('error', reopen);
    client.on('end', reopen);
    client.on('notification', (message) => {
      try {
        onChanges([JSON.parse(message.payload ?? '{}') as Changes[number]]);
      } catch (err) {
        this.logger.warn({ err }, 'an unreadable read-model change notification was ignored');
      }
    });
    this.listener = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      this.logger.warn({ err }, 'listening for read-model changes failed; retrying');
      reopen();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.pool.end();
  }
}
