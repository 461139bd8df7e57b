import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { hkdf, sealingKey, type SealAlg, type SealingKey } from '@hub/crypto';
import type { VaultKey } from './vault.js';

/** The data subject's key was destroyed (its retention ended): nothing sealed under it opens. */
export class SubjectKeyDestroyedError extends Error {
  readonly code = 'PERSONAL_DATA_DESTROYED';
}

/**
 * A subject's key was destroyed while values were being sealed: the batch must be sealed again
 * (a fresh key), or new data would be written under a key that no longer exists.
 */
export class SubjectKeysChangedError extends Error {
  readonly code = 'SUBJECT_KEYS_CHANGED';
}

/**
 * One data key per data subject (a person, named by the match key of their ID number), so
 * that destroying it makes every sealed copy of that person unreadable everywhere
 * (crypto-shredding) while match keys, counts and the event chain stay as they were.
 */
export interface SubjectKeyStore {
  /** The subject's current key, made on first use; kept pending until commit(). */
  keyFor(subject: string): { keyId: string; key: SealingKey };
  /** A key by id, read afresh from storage: a key destroyed by another process is gone here too. */
  key(keyId: string): SealingKey;
  /** Makes new keys durable; call before the events sealed with them are appended. */
  commit(): void;
  /** Destroys every key of a subject; returns how many. */
  destroy(subject: string, reason: string): number;
  /**
   * The master key that match keys come from, fixed at first use: match keys are kept in
   * events, so rotating HUB_PII_KEY must not change them (it only re-wraps subject keys).
   */
  matchKeyId(proposed: string): string;
  close(): void;
}

interface KeyRow {
  key_id: string;
  subject: string;
  kek_id: string;
  wrapped: string | null;
  destroyed_at: string | null;
}

/** Keys are wrapped under a key derived from the vault's master key; the wrap is random. */
const wrapKeyOf = (master: VaultKey) =>
  sealingKey(hkdf('sha256', master.secret, 'hub/subject-key-wrap/v1', 32));

/**
 * Subject keys in a SQLite file of their own (`vault.db`, hub state: never rebuilt, never
 * deleted with the read models). Deleted keys are overwritten on disk (secure_delete) and the
 * write-ahead log is truncated, so a destroyed key does not linger in the file.
 */
export class SqliteSubjectKeyStore implements SubjectKeyStore {
  private readonly db: Database.Database;
  private readonly wrapKeys = new Map<string, SealingKey>();
  private readonly active = new Map<string, { keyId: string; key: SealingKey }>();
  private pending: Array<{ keyId: string; subject: string; wrapped: string }> = [];
  /** Keys handed out for sealing since the last commit: none may have been destroyed meanwhile. */
  private used = new Set<string>();
  private destroySeq: number;
  private readonly statements;

  constructor(
    filename: string,
    private readonly masters: { current: VaultKey; previous: readonly VaultKey[] },
    private readonly wrapAlg: SealAlg,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.db = new Database(filename);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('secure_delete = ON');
    this.db.exec(`CREATE TABLE IF NOT EXISTS subject_keys (
        key_id TEXT PRIMARY KEY, subject TEXT NOT NULL, kek_id TEXT NOT NULL, wrapped TEXT,
        created_at TEXT NOT NULL, destroyed_at TEXT, reason TEXT);
      CREATE INDEX IF NOT EXISTS subject_keys_subject ON subject_keys (subject);
      CREATE TABLE IF NOT EXISTS vault_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
      INSERT OR IGNORE INTO vault_meta VALUES ('destroy_seq', 0);
      CREATE TABLE IF NOT EXISTS vault_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);`);
    for (const key of [masters.current, ...masters.previous])
      this.wrapKeys.set(key.id, wrapKeyOf(key));
    this.statements = {
      activeOf: this.db.prepare<[string], KeyRow>(
        'SELECT * FROM subject_keys WHERE subject = ? AND destroyed_at IS NULL ORDER BY created_at DESC LIMIT 1',
      ),
      byId: this.db.prepare<[string], KeyRow>('SELECT * FROM subject_keys WHERE key_id = ?'),
      insert: this.db.prepare(
        'INSERT INTO subject_keys (key_id, subject, kek_id, wrapped, created_at) VALUES (?, ?, ?, ?, ?)',
      ),
      destroySeq: this.db.prepare<[], { value: number }>(
        "SELECT value FROM vault_meta WHERE name = 'destroy_seq'",
      ),
    };
    this.destroySeq = this.readDestroySeq();
  }

  private readDestroySeq(): number {
    return this.statements.destroySeq.get()?.value ?? 0;
  }

  private unwrap(row: KeyRow): SealingKey {
    if (row.destroyed_at || !row.wrapped)
      throw new SubjectKeyDestroyedError(
        `该人员的个人信息已于 ${row.destroyed_at ?? '此前'} 销毁 / the person's data was destroyed at ${row.destroyed_at ?? 'an earlier time'}`,
      );
    const wrap = this.wrapKeys.get(row.kek_id);
    if (!wrap)
      throw new Error(
        `subject key ${row.key_id} is wrapped under master key "${row.kek_id}", which is not configured (HUB_PII_PREVIOUS_KEYS)`,
      );
    return sealingKey(wrap.open(row.wrapped, { associatedData: `${row.key_id}|${row.subject}` }));
  }

  keyFor(subject: string): { keyId: string; key: SealingKey } {
    const found = this.findOrMake(subject);
    this.used.add(found.keyId);
    return found;
  }

  private findOrMake(subject: string): { keyId: string; key: SealingKey } {
    const cached = this.active.get(subject);
    if (cached) return cached;
    const row = this.statements.activeOf.get(subject);
    if (row) {
      const found = { keyId: row.key_id, key: this.unwrap(row) };
      this.active.set(subject, found);
      return found;
    }
    const secret = randomBytes(32);
    const keyId = randomBytes(8).toString('hex');
    const kek = this.masters.current;
    const wrapped = this.wrapKeys
      .get(kek.id)!
      .seal(this.wrapAlg, secret, { associatedData: `${keyId}|${subject}` });
    this.pending.push({ keyId, subject, wrapped });
    const made = { keyId, key: sealingKey(secret) };
    this.active.set(subject, made);
    return made;
  }

  key(keyId: string): SealingKey {
    const row = this.statements.byId.get(keyId);
    if (!row) throw new SubjectKeyDestroyedError(`no subject key ${keyId} in this vault`);
    return this.unwrap(row);
  }

  commit(): void {
    const pending = this.pending;
    const used = [...this.used];
    this.pending = [];
    this.used = new Set();
    const at = this.now().toISOString();
    const destroyedMeanwhile = this.db
      .transaction(() => {
        for (const p of pending)
          this.statements.insert.run(p.keyId, p.subject, this.masters.current.id, p.wrapped, at);
        const seq = this.readDestroySeq();
        if (seq === this.destroySeq) return false;
        // Keys were destroyed since: forget what is cached, and find whether any was used.
        this.destroySeq = seq;
        this.active.clear();
        return used.some((keyId) => this.statements.byId.get(keyId)?.destroyed_at);
      })
      .immediate();
    if (destroyedMeanwhile)
      throw new SubjectKeysChangedError(
        '个人信息密钥刚被销毁，请重试 / a data subject key was destroyed while this request was sealed with it; send the request again',
      );
  }

  destroy(subject: string, reason: string): number {
    const destroyed = this.db
      .transaction(() => {
        const { changes } = this.db
          .prepare(
            'UPDATE subject_keys SET wrapped = NULL, destroyed_at = ?, reason = ? WHERE subject = ? AND destroyed_at IS NULL',
          )
          .run(this.now().toISOString(), reason, subject);
        this.db.prepare("UPDATE vault_meta SET value = value + 1 WHERE name = 'destroy_seq'").run();
        return changes;
      })
      .immediate();
    this.active.delete(subject);
    this.pending = this.pending.filter((p) => p.subject !== subject);
    // The old page images must not survive in the write-ahead log.
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    return destroyed;
  }

  matchKeyId(proposed: string): string {
    this.db
      .prepare("INSERT OR IGNORE INTO vault_settings VALUES ('match_key_id', ?)")
      .run(proposed);
    return this.db
      .prepare<[], { value: string }>(
        "SELECT value FROM vault_settings WHERE name = 'match_key_id'",
      )
      .get()!.value;
  }

  close(): void {
    this.db.close();
  }
}
