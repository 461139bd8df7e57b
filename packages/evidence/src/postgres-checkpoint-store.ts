import type pg from 'pg';
import { openSchemaPool } from '@hub/postgres-schema';
import type { ChainCheckpoint, CheckpointStore } from './checkpoints.js';

/** Versioned schema migrations, applied in order under an advisory lock. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE hub_chain_checkpoints (
     position TEXT NOT NULL, count BIGINT NOT NULL, head TEXT NOT NULL, signed_at TEXT NOT NULL,
     document TEXT NOT NULL, PRIMARY KEY (position, signed_at));`,
];

/** An arbitrary constant: the advisory lock that serialises migrations of the checkpoint schema. */
const MIGRATION_LOCK = 72_815_021;

export interface PostgresChainCheckpointStoreOptions {
  connectionString: string;
  /** A schema of its own (created if missing): tests side by side. */
  schema?: string;
}

/**
 * Signed checkpoints in PostgreSQL, for hubs whose processes run on several machines: what the
 * active projector signs, every API process hands out and the hub command verifies against.
 */
export class PostgresChainCheckpointStore implements CheckpointStore {
  private readonly pool: pg.Pool;
  private readonly ready: Promise<void>;

  constructor(options: PostgresChainCheckpointStoreOptions) {
    ({ pool: this.pool, ready: this.ready } = openSchemaPool({
      connectionString: options.connectionString,
      schema: options.schema,
      max: 2,
      migrations: {
        versionTable: 'hub_checkpoints_schema',
        lock: MIGRATION_LOCK,
        steps: MIGRATIONS,
      },
    }));
  }

  async save(checkpoint: ChainCheckpoint): Promise<void> {
    await this.ready;
    await this.pool.query(
      `INSERT INTO hub_chain_checkpoints VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (position, signed_at) DO NOTHING`,
      [
        checkpoint.position,
        checkpoint.count,
        checkpoint.head,
        checkpoint.signedAt,
        JSON.stringify(checkpoint),
      ],
    );
  }

  async list(): Promise<ChainCheckpoint[]> {
    await this.ready;
    const { rows } = await this.pool.query<{ document: string }>(
      'SELECT document FROM hub_chain_checkpoints ORDER BY count, signed_at',
    );
    return rows.map((r) => JSON.parse(r.document) as ChainCheckpoint);
  }

  async latest(): Promise<ChainCheckpoint | undefined> {
    await this.ready;
    const { rows } = await this.pool.query<{ document: string }>(
      'SELECT document FROM hub_chain_checkpoints ORDER BY count DESC, signed_at DESC LIMIT 1',
    );
    return rows[0] ? (JSON.parse(rows[0].document) as ChainCheckpoint) : undefined;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
