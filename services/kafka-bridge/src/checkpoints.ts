import Database from 'better-sqlite3';

/**
 * Whether the saved position (excluded) is beyond the kept one (checkpoints), as numbers: both
 * are decimal text without leading zeros, so a longer one is larger. A bridge that lost its
 * lease and saves late must not move the checkpoint back under the one that replaced it.
 */
const MOVES_FORWARD = `(length(excluded.position) > length(checkpoints.position) OR
  (length(excluded.position) = length(checkpoints.position) AND excluded.position > checkpoints.position))`;

/** Durable checkpoints (last relayed global position) of the egress relay. */
export interface CheckpointStore {
  load(name: string): Promise<bigint | undefined>;
  save(name: string, position: bigint): Promise<void>;
  close(): Promise<void>;
}

export class SqliteCheckpointStore implements CheckpointStore {
  private readonly db: Database.Database;
  // Prepared once: the relay saves after every batch it sends.
  private readonly loadStatement: Database.Statement<[string], { position: string }>;
  private readonly saveStatement: Database.Statement<[string, string]>;
  constructor(filename: string) {
    this.db = new Database(filename);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS checkpoints (name TEXT PRIMARY KEY, position TEXT NOT NULL)',
    );
    this.loadStatement = this.db.prepare('SELECT position FROM checkpoints WHERE name = ?');
    this.saveStatement = this.db.prepare(
      `INSERT INTO checkpoints (name, position) VALUES (?, ?) ON CONFLICT(name) DO UPDATE
         SET position = excluded.position WHERE ${MOVES_FORWARD}`,
    );
  }
  async load(name: string) {
    const row = this.loadStatement.get(name);
    return row ? BigInt(row.position) : undefined;
  }
  async save(name: string, position: bigint) {
    this.saveStatement.run(name, position.toString());
  }
  async close() {
    this.db.close();
  }
}
