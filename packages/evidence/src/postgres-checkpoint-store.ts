import pg from 'pg';
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
    const schema = options.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
      throw new Error(`schema name "${schema}" must be lower-case letters, digits and _`);
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: 2,
      options: `-c search_path=${schema}`,
    });
    this.ready = this.migrate(schema);
    // Surfaced by the first call; kept from becoming an unhandled rejection meanwhile.
    this.ready.catch(() => undefined);
  }

  private async migrate(schema: string): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // Two processes starting at once: the second waits here, then finds everything made.
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query(
        'CREATE TABLE IF NOT EXISTS hub_checkpoints_schema (version INTEGER NOT NULL)',
      );
      const { rows } = await client.query<{ version: number }>(
        'SELECT version FROM hub_checkpoints_schema',
      );
      const version = rows[0]?.version ?? 0;
      for (let v = version; v < MIGRATIONS.length; v++) await client.query(MIGRATIONS[v]!);
      if (rows.length === 0)
        await client.query('INSERT INTO hub_checkpoints_schema VALUES ($1)', [MIGRATIONS.length]);
      else
        await client.query('UPDATE hub_checkpoints_schema SET version = $1', [MIGRATIONS.length]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
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
