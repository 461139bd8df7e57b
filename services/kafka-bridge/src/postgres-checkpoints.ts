import type pg from 'pg';
import { openSchemaPool } from '@hub/postgres-schema';
import type { CheckpointStore } from './checkpoints.js';

/** Versioned schema migrations, applied in order under an advisory lock. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE hub_bridge_checkpoints (name TEXT PRIMARY KEY, position TEXT NOT NULL);`,
];

/** An arbitrary constant: the advisory lock that serialises migrations of this schema. */
const MIGRATION_LOCK = 72_815_031;

export interface PostgresCheckpointStoreOptions {
  connectionString: string;
  /** A schema of its own (created if missing): tests side by side. */
  schema?: string;
}

/**
 * The egress relay's checkpoints in PostgreSQL (server mode): a bridge started on another
 * machine resumes where the last one stopped, with no data directory carried over.
 */
export class PostgresCheckpointStore implements CheckpointStore {
  private readonly pool: pg.Pool;
  private readonly ready: Promise<void>;

  constructor(options: PostgresCheckpointStoreOptions) {
    ({ pool: this.pool, ready: this.ready } = openSchemaPool({
      connectionString: options.connectionString,
      schema: options.schema,
      max: 1,
      migrations: {
        versionTable: 'hub_bridge_checkpoints_schema',
        lock: MIGRATION_LOCK,
        steps: MIGRATIONS,
      },
    }));
  }

  async load(name: string): Promise<bigint | undefined> {
    await this.ready;
    const { rows } = await this.pool.query<{ position: string }>(
      'SELECT position FROM hub_bridge_checkpoints WHERE name = $1',
      [name],
    );
    return rows[0] ? BigInt(rows[0].position) : undefined;
  }

  async save(name: string, position: bigint): Promise<void> {
    await this.ready;
    await this.pool.query(
      `INSERT INTO hub_bridge_checkpoints (name, position) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET position = excluded.position
         WHERE excluded.position::numeric > hub_bridge_checkpoints.position::numeric`,
      [name, position.toString()],
    );
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
