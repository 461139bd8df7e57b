import Database from 'better-sqlite3';
import type { ChainCheckpoint, CheckpointStore } from './checkpoints.js';

/** Signed checkpoints in the embedded hub's evidence file (`evidence.db`). */
export class SqliteChainCheckpointStore implements CheckpointStore {
  private readonly db: Database.Database;

  constructor(filename: string) {
    this.db = new Database(filename);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS chain_checkpoints (
      position TEXT NOT NULL, count INTEGER NOT NULL, head TEXT NOT NULL, signed_at TEXT NOT NULL,
      document TEXT NOT NULL, PRIMARY KEY (position, signed_at))`);
  }

  async save(checkpoint: ChainCheckpoint): Promise<void> {
    this.db
      .prepare('INSERT OR IGNORE INTO chain_checkpoints VALUES (?, ?, ?, ?, ?)')
      .run(
        checkpoint.position,
        checkpoint.count,
        checkpoint.head,
        checkpoint.signedAt,
        JSON.stringify(checkpoint),
      );
  }

  async list(): Promise<ChainCheckpoint[]> {
    return this.db
      .prepare<[], { document: string }>(
        'SELECT document FROM chain_checkpoints ORDER BY count, signed_at',
      )
      .all()
      .map((r) => JSON.parse(r.document) as ChainCheckpoint);
  }

  async latest(): Promise<ChainCheckpoint | undefined> {
    const row = this.db
      .prepare<[], { document: string }>(
        'SELECT document FROM chain_checkpoints ORDER BY count DESC, signed_at DESC LIMIT 1',
      )
      .get();
    return row ? (JSON.parse(row.document) as ChainCheckpoint) : undefined;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
