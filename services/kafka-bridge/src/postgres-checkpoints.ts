import pg from 'pg';
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
    const schema = options.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
      throw new Error(`schema name "${schema}" must be lower-case letters, digits and _`);
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: 1,
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
        'CREATE TABLE IF NOT EXISTS hub_bridge_checkpoints_schema (version INTEGER NOT NULL)',
      );
      const { rows } = await client.query<{ version: number }>(
        'SELECT version FROM hub_bridge_checkpoints_schema',
      );
      const version = rows[0]?.version ?? 0;
      for (let v = version; v < MIGRATIONS.length; v++) await client.query(MIGRATIONS[v]!);
      if (rows.length === 0)
        await client.query('INSERT INTO hub_bridge_checkpoints_schema VALUES ($1)', [
          MIGRATIONS.length,
        ]);
      else
        await client.query('UPDATE hub_bridge_checkpoints_schema SET version = $1', [
          MIGRATIONS.length,
        ]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
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
         ON CONFLICT (name) DO UPDATE SET position = excluded.position`,
      [name, position.toString()],
    );
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
