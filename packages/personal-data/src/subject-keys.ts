import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { hkdf, sealingKey, type SealAlg, type SealingKey } from '@hub/crypto';
import { packMatchSecrets, unpackMatchSecrets, type MatchSecrets } from './match-secrets.js';
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

/** A key made here for a subject whose key another process had made first: seal again under that one. */
export interface SupersededKey {
  /** The key the values were sealed under here (never stored). */
  from: SealingKey;
  keyId: string;
  key: SealingKey;
}

/**
 * One data key per data subject (a person, named by the match key of their ID number), so
 * that destroying it makes every sealed copy of that person unreadable everywhere
 * (crypto-shredding) while match keys, counts and the event chain stay as they were.
 */
export interface SubjectKeyStore {
  /** The subject's current key, or a new one kept pending until a commit() names it. */
  keyFor(subject: string): { keyId: string; key: SealingKey };
  /** A key by id, read afresh from storage: a key destroyed by another process is gone here too. */
  key(keyId: string): Promise<SealingKey>;
  /**
   * Makes the named keys durable (before the events sealed with them are appended) and proves
   * the named keys already stored are still live: throws SubjectKeysChangedError when one was
   * destroyed meanwhile, by any process. Answers the named keys superseded by a key another
   * process made first for the same subject: values sealed under those are sealed again, so
   * a person has one live key and a retried event seals to the same bytes on every process.
   */
  commit(keyIds: Iterable<string>): Promise<ReadonlyMap<string, SupersededKey>>;
  /** Destroys every key of a subject; returns how many. */
  destroy(subject: string, reason: string): Promise<number>;
  /**
   * The master key that match keys come from, fixed at first use: match keys are kept in
   * events, so rotating HUB_PII_KEY must not change them (it changes only how new subject keys
   * are wrapped, until a rewrap moves the existing ones).
   */
  matchKeyId(proposed: string): string;
  /**
   * The match-key secrets as the last rewrap kept them, wrapped under a master key configured
   * here; undefined before any rewrap (match keys then come from matchKeyId's master key).
   */
  matchSecrets(): MatchSecrets | undefined;
  /**
   * Re-wraps every live key not wrapped under the current master key, a batch per transaction,
   * and keeps `matchSecrets` wrapped under it: afterwards an old master key opens nothing here.
   * Safe beside running processes (a key destroyed meanwhile stays destroyed) and to run again.
   */
  rewrap(matchSecrets: MatchSecrets, options?: RewrapOptions): Promise<RewrapReport>;
  close(): Promise<void>;
}

export interface RewrapOptions {
  /** Keys per transaction (default 500). */
  batchSize?: number;
  /** Runs between reading a batch and writing it: tests race a destruction there. */
  betweenReadAndWrite?: (keyIds: readonly string[]) => Promise<void>;
}

export interface RewrapReport {
  /** The master key every key is wrapped under now. */
  current: string;
  /** Keys re-wrapped by this run. */
  rewrapped: number;
  /** Keys that changed between read and write (destroyed, or re-wrapped by another run): left as they were. */
  changedMeanwhile: number;
  /** Live keys still wrapped under another master key (one not configured here), by its id. */
  remaining: Record<string, number>;
}

/** The match-key secrets as a store keeps them: wrapped under a master key (settings, JSON). */
interface StoredMatchSecrets {
  kek: string;
  wrapped: string;
}

/** A stored key and its new wrapping; written only if the row still holds `from`. */
export interface RewrappedKey {
  keyId: string;
  fromKek: string;
  fromWrapped: string;
  wrapped: string;
}

/** A subject key as stored: wrapped under a key derived from a master key, null once destroyed. */
export interface StoredSubjectKey {
  key_id: string;
  subject: string;
  kek_id: string;
  wrapped: string | null;
  destroyed_at: string | null;
}

/** A subject key as vault.db keeps it, for `hub personal-data move-keys`. */
export interface MovedSubjectKey {
  key_id: string;
  subject: string;
  kek_id: string;
  wrapped: string | null;
  created_at: string;
  destroyed_at: string | null;
  reason: string | null;
}

export interface PendingSubjectKey {
  keyId: string;
  subject: string;
  kekId: string;
  wrapped: string;
  key: SealingKey;
}

/** What storage answers to a commit, in one transaction. */
export interface PersistedKeys {
  /** The destruction counter now. */
  seq: number;
  /** Keys destroyed since the counter the commit knew (all, when it knew none). */
  destroyedSince: Array<{ keyId: string; subject: string }>;
  /** Subjects of pending keys that already had a live key: that key; the pending one was not stored. */
  adopted: Map<string, StoredSubjectKey>;
  /** Of the stored keys asked about, those not live (destroyed, or never stored). */
  gone: string[];
}

/** Keys are wrapped under a key derived from the vault's master key; the wrap is random. */
const wrapKeyOf = (master: VaultKey) =>
  sealingKey(hkdf('sha256', master.secret, 'hub/subject-key-wrap/v1', 32));

export const changedError = () =>
  new SubjectKeysChangedError(
    '个人信息密钥刚被销毁，请重试 / a data subject key was destroyed while this request was sealed with it; send the request again',
  );

/**
 * What every stored subject-key store shares: wrapping, the keys cached and pending in this
 * process, and the commit protocol; the storage answers in one transaction (persist).
 */
export abstract class WrappedSubjectKeyStore implements SubjectKeyStore {
  private readonly wrapKeys = new Map<string, SealingKey>();
  /** Each subject's key as this process seals with it. */
  private readonly active = new Map<string, { keyId: string; key: SealingKey }>();
  private readonly pending = new Map<string, PendingSubjectKey>();
  private readonly superseded = new Map<string, SupersededKey>();
  /**
   * Keys keyFor handed out: a commit asks only about these. A reference sealed elsewhere and
   * passed through as it came (its key perhaps destroyed, or never ours) is not new data.
   */
  private readonly handedOut = new Set<string>();
  /** Keys known to be stored and live as of destroySeq: a commit need not ask about them. */
  private readonly durable = new Set<string>();
  /** The destruction counter as last read; undefined before the first commit. */
  private destroySeq: number | undefined;
  /** Commits one after another: a commit naming a key another has in flight waits for it. */
  private committing: Promise<unknown> = Promise.resolve();

  protected constructor(
    private readonly masters: { current: VaultKey; previous: readonly VaultKey[] },
    private readonly wrapAlg: SealAlg,
    protected readonly now: () => Date,
  ) {
    for (const key of [masters.current, ...masters.previous])
      this.wrapKeys.set(key.id, wrapKeyOf(key));
  }

  /** The subject's live key when storage can tell at once (SQLite), else undefined. */
  protected abstract liveKeyOf(subject: string): StoredSubjectKey | undefined;
  protected abstract persist(
    pending: readonly PendingSubjectKey[],
    unknown: readonly string[],
    knownSeq: number | undefined,
  ): Promise<PersistedKeys>;
  protected abstract read(keyId: string): Promise<StoredSubjectKey | undefined>;
  protected abstract destroyStored(subject: string, reason: string): Promise<number>;
  /** Live keys wrapped under another master key than `current`, in key order after `after`. */
  protected abstract staleKeys(
    current: string,
    after: string | undefined,
    limit: number,
  ): Promise<StoredSubjectKey[]>;
  /** Writes the new wrappings in one transaction, each only where its row is as read; answers how many. */
  protected abstract replaceWrapped(to: string, keys: readonly RewrappedKey[]): Promise<number>;
  /** Live keys not wrapped under `current`, by master key. */
  protected abstract countStale(current: string): Promise<Record<string, number>>;
  /** The stored match-key secrets (JSON of StoredMatchSecrets), as this process knows them. */
  protected abstract storedMatchSecrets(): string | undefined;
  protected abstract storeMatchSecrets(value: string): Promise<void>;
  abstract matchKeyId(proposed: string): string;
  abstract close(): Promise<void>;

  matchSecrets(): MatchSecrets | undefined {
    const text = this.storedMatchSecrets();
    if (!text) return undefined;
    const stored = JSON.parse(text) as StoredMatchSecrets;
    const wrap = this.wrapKeys.get(stored.kek);
    if (!wrap) return undefined;
    return unpackMatchSecrets(
      wrap.open(stored.wrapped, {
        associatedData: `match-secrets|${this.matchKeyId(this.masters.current.id)}`,
      }),
    );
  }

  async rewrap(matchSecrets: MatchSecrets, options: RewrapOptions = {}): Promise<RewrapReport> {
    const to = this.masters.current.id;
    const wrapTo = this.wrapKeys.get(to)!;
    // Match keys first: from here on they no longer need the master key they came from.
    const sealedSecrets: StoredMatchSecrets = {
      kek: to,
      wrapped: wrapTo.seal(this.wrapAlg, packMatchSecrets(matchSecrets), {
        associatedData: `match-secrets|${this.matchKeyId(this.masters.current.id)}`,
      }),
    };
    const known = this.storedMatchSecrets();
    if (!known || (JSON.parse(known) as StoredMatchSecrets).kek !== to)
      await this.storeMatchSecrets(JSON.stringify(sealedSecrets));
    let rewrapped = 0;
    let changedMeanwhile = 0;
    let after: string | undefined;
    for (;;) {
      const rows = await this.staleKeys(to, after, options.batchSize ?? 500);
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!.key_id;
      // A key under a master key not configured here stays as it is, and is counted as remaining.
      const batch: RewrappedKey[] = [];
      for (const row of rows) {
        if (!row.wrapped || !this.wrapKeys.has(row.kek_id)) continue;
        const ad = { associatedData: `${row.key_id}|${row.subject}` };
        batch.push({
          keyId: row.key_id,
          fromKek: row.kek_id,
          fromWrapped: row.wrapped,
          wrapped: wrapTo.seal(this.wrapAlg, this.unwrapSecret(row), ad),
        });
      }
      await options.betweenReadAndWrite?.(batch.map((b) => b.keyId));
      const written = batch.length > 0 ? await this.replaceWrapped(to, batch) : 0;
      rewrapped += written;
      changedMeanwhile += batch.length - written;
    }
    return { current: to, rewrapped, changedMeanwhile, remaining: await this.countStale(to) };
  }

  protected unwrap(row: StoredSubjectKey): SealingKey {
    return sealingKey(this.unwrapSecret(row));
  }

  private unwrapSecret(row: StoredSubjectKey): Buffer {
    if (row.destroyed_at || !row.wrapped)
      throw new SubjectKeyDestroyedError(
        `该人员的个人信息已于 ${row.destroyed_at ?? '此前'} 销毁 / the person's data was destroyed at ${row.destroyed_at ?? 'an earlier time'}`,
      );
    const wrap = this.wrapKeys.get(row.kek_id);
    if (!wrap)
      throw new Error(
        `subject key ${row.key_id} is wrapped under master key "${row.kek_id}", which is not configured (HUB_PII_PREVIOUS_KEYS)`,
      );
    return wrap.open(row.wrapped, { associatedData: `${row.key_id}|${row.subject}` });
  }

  keyFor(subject: string): { keyId: string; key: SealingKey } {
    const cached = this.active.get(subject);
    if (cached) return cached;
    const row = this.liveKeyOf(subject);
    if (row) {
      const found = { keyId: row.key_id, key: this.unwrap(row) };
      this.active.set(subject, found);
      this.handedOut.add(found.keyId);
      return found;
    }
    const secret = randomBytes(32);
    const keyId = randomBytes(8).toString('hex');
    const kekId = this.masters.current.id;
    const wrapped = this.wrapKeys
      .get(kekId)!
      .seal(this.wrapAlg, secret, { associatedData: `${keyId}|${subject}` });
    const made = { keyId, key: sealingKey(secret) };
    this.pending.set(keyId, { keyId, subject, kekId, wrapped, key: made.key });
    this.active.set(subject, made);
    this.handedOut.add(keyId);
    return made;
  }

  async key(keyId: string): Promise<SealingKey> {
    const row = await this.read(keyId);
    if (!row) throw new SubjectKeyDestroyedError(`no subject key ${keyId} in this vault`);
    return this.unwrap(row);
  }

  commit(keyIds: Iterable<string>): Promise<ReadonlyMap<string, SupersededKey>> {
    const ids = [...new Set(keyIds)];
    const next = this.committing.then(() => this.commitNow(ids));
    this.committing = next.catch(() => undefined);
    return next;
  }

  private async commitNow(ids: readonly string[]): Promise<ReadonlyMap<string, SupersededKey>> {
    const replaced = new Map<string, SupersededKey>();
    const mine: PendingSubjectKey[] = [];
    const stored: string[] = [];
    for (const id of ids) {
      const pending = this.pending.get(id);
      const superseded = this.superseded.get(id);
      if (pending) mine.push(pending);
      else if (superseded) {
        replaced.set(id, superseded);
        stored.push(superseded.keyId);
      } else if (this.handedOut.has(id)) stored.push(id);
    }
    if (mine.length === 0 && stored.length === 0) return replaced;
    const unknown = stored.filter((id) => !this.durable.has(id));
    const outcome = await this.persist(mine, unknown, this.destroySeq);
    const destroyedIds = new Set<string>();
    for (const d of outcome.destroyedSince) {
      destroyedIds.add(d.keyId);
      this.durable.delete(d.keyId);
      if (this.active.get(d.subject)?.keyId === d.keyId) this.active.delete(d.subject);
    }
    this.destroySeq = outcome.seq;
    for (const p of mine) {
      this.pending.delete(p.keyId);
      const live = outcome.adopted.get(p.subject);
      if (!live) {
        this.durable.add(p.keyId);
        continue;
      }
      const adopted = { from: p.key, keyId: live.key_id, key: this.unwrap(live) };
      this.superseded.set(p.keyId, adopted);
      replaced.set(p.keyId, adopted);
      this.active.set(p.subject, { keyId: live.key_id, key: adopted.key });
      this.handedOut.add(live.key_id);
      this.durable.add(live.key_id);
    }
    const gone = new Set(outcome.gone);
    for (const id of unknown) if (!gone.has(id)) this.durable.add(id);
    const lost = stored.filter((id) => gone.has(id) || destroyedIds.has(id));
    if (lost.length > 0) {
      for (const [subject, k] of this.active)
        if (lost.includes(k.keyId)) this.active.delete(subject);
      // Sealed again, the request uses a new key; a copy of the old reference passed through
      // as it came is then no new data under a destroyed key, and must not fail it forever.
      for (const id of lost) this.handedOut.delete(id);
      throw changedError();
    }
    return replaced;
  }

  async destroy(subject: string, reason: string): Promise<number> {
    this.active.delete(subject);
    for (const [id, p] of this.pending) if (p.subject === subject) this.pending.delete(id);
    return this.destroyStored(subject, reason);
  }
}

/**
 * Subject keys in a SQLite file of their own (`vault.db`, hub state: never rebuilt, never
 * deleted with the read models). Deleted keys are overwritten on disk (secure_delete) and the
 * write-ahead log is truncated, so a destroyed key does not linger in the file.
 */
export class SqliteSubjectKeyStore extends WrappedSubjectKeyStore {
  private readonly db: Database.Database;
  private readonly statements;

  constructor(
    filename: string,
    masters: { current: VaultKey; previous: readonly VaultKey[] },
    wrapAlg: SealAlg,
    now: () => Date = () => new Date(),
  ) {
    super(masters, wrapAlg, now);
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
    // Which destruction took each key: a commit learns exactly which keys went since it last looked.
    const columns = this.db.prepare<[], { name: string }>('PRAGMA table_info(subject_keys)').all();
    if (!columns.some((c) => c.name === 'destroyed_seq'))
      this.db.exec(`ALTER TABLE subject_keys ADD COLUMN destroyed_seq INTEGER;
        CREATE INDEX subject_keys_destroyed_seq ON subject_keys (destroyed_seq);`);
    this.statements = {
      activeOf: this.db.prepare<[string], StoredSubjectKey>(
        'SELECT * FROM subject_keys WHERE subject = ? AND destroyed_at IS NULL ORDER BY created_at DESC LIMIT 1',
      ),
      byId: this.db.prepare<[string], StoredSubjectKey>(
        'SELECT * FROM subject_keys WHERE key_id = ?',
      ),
      insert: this.db.prepare(
        'INSERT INTO subject_keys (key_id, subject, kek_id, wrapped, created_at) VALUES (?, ?, ?, ?, ?)',
      ),
      destroySeq: this.db.prepare<[], { value: number }>(
        "SELECT value FROM vault_meta WHERE name = 'destroy_seq'",
      ),
      destroyedSince: this.db.prepare<[number], { keyId: string; subject: string }>(
        'SELECT key_id AS keyId, subject FROM subject_keys WHERE destroyed_seq > ?',
      ),
    };
  }

  protected liveKeyOf(subject: string): StoredSubjectKey | undefined {
    return this.statements.activeOf.get(subject);
  }

  protected async persist(
    pending: readonly PendingSubjectKey[],
    unknown: readonly string[],
    knownSeq: number | undefined,
  ): Promise<PersistedKeys> {
    const at = this.now().toISOString();
    return this.db
      .transaction((): PersistedKeys => {
        const seq = this.statements.destroySeq.get()?.value ?? 0;
        const destroyedSince =
          knownSeq === undefined || seq === knownSeq
            ? []
            : this.statements.destroyedSince.all(knownSeq);
        const adopted = new Map<string, StoredSubjectKey>();
        for (const p of pending) {
          const live = this.statements.activeOf.get(p.subject);
          if (live) adopted.set(p.subject, live);
          else this.statements.insert.run(p.keyId, p.subject, p.kekId, p.wrapped, at);
        }
        const gone = unknown.filter((id) => !this.statements.byId.get(id)?.wrapped);
        return { seq, destroyedSince, adopted, gone };
      })
      .immediate();
  }

  protected async read(keyId: string): Promise<StoredSubjectKey | undefined> {
    return this.statements.byId.get(keyId);
  }

  protected async destroyStored(subject: string, reason: string): Promise<number> {
    const destroyed = this.db
      .transaction(() => {
        this.db.prepare("UPDATE vault_meta SET value = value + 1 WHERE name = 'destroy_seq'").run();
        const seq = this.statements.destroySeq.get()!.value;
        return this.db
          .prepare(
            'UPDATE subject_keys SET wrapped = NULL, destroyed_at = ?, reason = ?, destroyed_seq = ? WHERE subject = ? AND destroyed_at IS NULL',
          )
          .run(this.now().toISOString(), reason, seq, subject).changes;
      })
      .immediate();
    // The old page images must not survive in the write-ahead log.
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    return destroyed;
  }

  protected async staleKeys(
    current: string,
    after: string | undefined,
    limit: number,
  ): Promise<StoredSubjectKey[]> {
    return this.db
      .prepare<[string, string, number], StoredSubjectKey>(
        `SELECT * FROM subject_keys WHERE destroyed_at IS NULL AND wrapped IS NOT NULL
           AND kek_id <> ? AND key_id > ? ORDER BY key_id LIMIT ?`,
      )
      .all(current, after ?? '', limit);
  }

  protected async replaceWrapped(to: string, keys: readonly RewrappedKey[]): Promise<number> {
    // Compare-and-set on the row as read: a key destroyed since keeps its null.
    const update = this.db.prepare(
      `UPDATE subject_keys SET kek_id = ?, wrapped = ?
         WHERE key_id = ? AND kek_id = ? AND wrapped = ? AND destroyed_at IS NULL`,
    );
    const written = this.db
      .transaction(() =>
        keys.reduce(
          (n, k) => n + update.run(to, k.wrapped, k.keyId, k.fromKek, k.fromWrapped).changes,
          0,
        ),
      )
      .immediate();
    // The old wrappings must not survive in the write-ahead log (secure_delete clears the pages).
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    return written;
  }

  protected async countStale(current: string): Promise<Record<string, number>> {
    const rows = this.db
      .prepare<[string], { kek_id: string; n: number }>(
        `SELECT kek_id, count(*) AS n FROM subject_keys
           WHERE destroyed_at IS NULL AND wrapped IS NOT NULL AND kek_id <> ? GROUP BY kek_id`,
      )
      .all(current);
    return Object.fromEntries(rows.map((r) => [r.kek_id, r.n]));
  }

  protected storedMatchSecrets(): string | undefined {
    return this.db
      .prepare<[], { value: string }>(
        "SELECT value FROM vault_settings WHERE name = 'match_secrets'",
      )
      .get()?.value;
  }

  protected async storeMatchSecrets(value: string): Promise<void> {
    this.db.prepare("INSERT OR REPLACE INTO vault_settings VALUES ('match_secrets', ?)").run(value);
    this.db.pragma('wal_checkpoint(TRUNCATE)');
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

  /** Every key as stored, and what match keys come from: to move them to PostgreSQL. */
  exportKeys(): {
    matchKeyId: string | undefined;
    matchSecrets: string | undefined;
    keys: MovedSubjectKey[];
  } {
    const setting = this.db
      .prepare<[], { value: string }>(
        "SELECT value FROM vault_settings WHERE name = 'match_key_id'",
      )
      .get();
    const keys = this.db
      .prepare<[], MovedSubjectKey>(
        'SELECT key_id, subject, kek_id, wrapped, created_at, destroyed_at, reason FROM subject_keys',
      )
      .all();
    return { matchKeyId: setting?.value, matchSecrets: this.storedMatchSecrets(), keys };
  }

  /** Overwrites every key in the file and its write-ahead log, once they live elsewhere. */
  shred(): void {
    this.db.exec('DELETE FROM subject_keys; DELETE FROM vault_settings;');
    this.db.exec('VACUUM');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
