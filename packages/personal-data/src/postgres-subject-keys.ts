import type pg from 'pg';
import { inTransaction, openSchemaPool } from '@hub/postgres-schema';
import type { SealAlg } from '@hub/crypto';
import {
  WrappedSubjectKeyStore,
  type MovedSubjectKey,
  type PendingSubjectKey,
  type PersistedKeys,
  type RewrappedKey,
  type StoredSubjectKey,
} from './subject-keys.js';
import type { VaultKey } from './vault.js';

/** Moving keys into PostgreSQL would make match keys differ: nothing was moved. */
export class VaultMoveError extends Error {
  readonly code = 'VAULT_MOVE_REFUSED';
}

/** Versioned schema migrations, applied in order under an advisory lock. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE hub_subject_keys (
     key_id TEXT PRIMARY KEY, subject TEXT NOT NULL, kek_id TEXT NOT NULL, wrapped TEXT,
     created_at TIMESTAMPTZ NOT NULL, destroyed_at TIMESTAMPTZ, reason TEXT, destroyed_seq BIGINT,
     current BOOLEAN NOT NULL DEFAULT true);
   -- One current key per person, whichever process made it first: a value seals to the same
   -- bytes everywhere. (Keys moved from a vault.db may leave a person further live keys, not current.)
   CREATE UNIQUE INDEX hub_subject_keys_live ON hub_subject_keys (subject)
     WHERE destroyed_at IS NULL AND current;
   CREATE INDEX hub_subject_keys_subject ON hub_subject_keys (subject);
   CREATE INDEX hub_subject_keys_destroyed_seq ON hub_subject_keys (destroyed_seq)
     WHERE destroyed_seq IS NOT NULL;
   CREATE TABLE hub_vault_meta (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
   INSERT INTO hub_vault_meta VALUES ('destroy_seq', 0);
   CREATE TABLE hub_vault_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);`,
];

/** An arbitrary constant: the advisory lock that serialises migrations of the vault's schema. */
const MIGRATION_LOCK = 72_815_041;
const VAULT_MIGRATIONS = {
  versionTable: 'hub_vault_schema',
  lock: MIGRATION_LOCK,
  steps: MIGRATIONS,
};

export interface PostgresSubjectKeyStoreOptions {
  connectionString: string;
  masters: { current: VaultKey; previous: readonly VaultKey[] };
  wrapAlg: SealAlg;
  /** A schema of its own (created if missing): tests side by side. */
  schema?: string;
  now?: () => Date;
}

const ROW = `key_id, subject, kek_id, wrapped,
  to_char(destroyed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS destroyed_at`;

/**
 * Subject keys in PostgreSQL (server mode): every process seals under, opens with and destroys
 * the same keys. A destroyed key's row keeps no key (wrapped is set to null); the row version
 * that held it stays in the table's files until VACUUM reclaims the space, and in the
 * write-ahead log and backups until they expire. It is wrapped under the master key of its
 * time, so it is of no use without that key; a rewrap leaves such row versions of the old
 * wrappings too, which is why the old key is destroyed once retired (see deploy/README.md).
 */
export class PostgresSubjectKeyStore extends WrappedSubjectKeyStore {
  private constructor(
    private readonly pool: pg.Pool,
    private readonly matchKey: string,
    /** The match-key secrets as stored when this process opened the store, or it rewrapped. */
    private matchSecretsText: string | undefined,
    options: PostgresSubjectKeyStoreOptions,
  ) {
    super(options.masters, options.wrapAlg, options.now ?? (() => new Date()));
  }

  /** Migrates the schema and settles which master key match keys come from. */
  static async open(options: PostgresSubjectKeyStoreOptions): Promise<PostgresSubjectKeyStore> {
    const { pool, ready } = openSchemaPool({
      connectionString: options.connectionString,
      schema: options.schema,
      max: 2,
      migrations: VAULT_MIGRATIONS,
    });
    try {
      await ready;
      await pool.query(
        "INSERT INTO hub_vault_settings VALUES ('match_key_id', $1) ON CONFLICT DO NOTHING",
        [options.masters.current.id],
      );
      const { rows } = await pool.query<{ name: string; value: string }>(
        "SELECT name, value FROM hub_vault_settings WHERE name IN ('match_key_id', 'match_secrets')",
      );
      const setting = (name: string) => rows.find((r) => r.name === name)?.value;
      return new PostgresSubjectKeyStore(
        pool,
        setting('match_key_id')!,
        setting('match_secrets'),
        options,
      );
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Takes in the keys of an embedded hub's vault.db (`hub personal-data move-keys`), in one
   * transaction, idempotent by key id: destroyed keys stay destroyed, a person's newest live
   * key becomes their current one unless they have one here already. Refuses when match keys
   * here come from another master key than there (events would no longer match).
   */
  static async importKeys(
    options: Pick<PostgresSubjectKeyStoreOptions, 'connectionString' | 'schema'>,
    moved: {
      matchKeyId: string | undefined;
      matchSecrets?: string | undefined;
      keys: readonly MovedSubjectKey[];
    },
  ): Promise<{ moved: number; alreadyHere: number }> {
    const { pool, ready } = openSchemaPool({
      connectionString: options.connectionString,
      schema: options.schema,
      max: 1,
      migrations: VAULT_MIGRATIONS,
    });
    try {
      await ready;
      return await inTransaction(pool, async (client) => {
        if (moved.matchKeyId) {
          await client.query(
            "INSERT INTO hub_vault_settings VALUES ('match_key_id', $1) ON CONFLICT DO NOTHING",
            [moved.matchKeyId],
          );
          const { rows } = await client.query<{ value: string }>(
            "SELECT value FROM hub_vault_settings WHERE name = 'match_key_id'",
          );
          if (rows[0]!.value !== moved.matchKeyId)
            throw new VaultMoveError(
              `PostgreSQL 中的匹配键来自主密钥 "${rows[0]!.value}"，vault.db 中来自 "${moved.matchKeyId}"，不能合并 / match keys in PostgreSQL come from master key "${rows[0]!.value}", in vault.db from "${moved.matchKeyId}": the two cannot be merged`,
            );
        }
        // Match-key secrets a rewrap kept in vault.db: wrapped, like the keys; one already here stays.
        if (moved.matchSecrets)
          await client.query(
            "INSERT INTO hub_vault_settings VALUES ('match_secrets', $1) ON CONFLICT DO NOTHING",
            [moved.matchSecrets],
          );
        let inserted = 0;
        for (let i = 0; i < moved.keys.length; i += 5000) {
          const chunk = moved.keys.slice(i, i + 5000);
          const column = <K extends keyof MovedSubjectKey>(k: K) => chunk.map((r) => r[k]);
          const { rowCount } = await client.query(
            `INSERT INTO hub_subject_keys
               (key_id, subject, kek_id, wrapped, created_at, destroyed_at, reason, current)
             SELECT k, s, e, w, c::timestamptz, d::timestamptz, r, false
               FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                           $7::text[]) AS t(k, s, e, w, c, d, r)
             ON CONFLICT (key_id) DO NOTHING`,
            [
              column('key_id'),
              column('subject'),
              column('kek_id'),
              column('wrapped'),
              column('created_at'),
              column('destroyed_at'),
              column('reason'),
            ],
          );
          inserted += rowCount ?? 0;
          // Each person's newest live key moved here is current, unless one is current already.
          await client.query(
            `UPDATE hub_subject_keys SET current = true WHERE key_id IN (
               SELECT DISTINCT ON (subject) key_id FROM hub_subject_keys
                 WHERE key_id = ANY($1) AND destroyed_at IS NULL AND NOT current
                 ORDER BY subject, created_at DESC)
             AND NOT EXISTS (SELECT 1 FROM hub_subject_keys c
               WHERE c.subject = hub_subject_keys.subject AND c.destroyed_at IS NULL AND c.current)`,
            [column('key_id')],
          );
        }
        return { moved: inserted, alreadyHere: moved.keys.length - inserted };
      });
    } finally {
      await pool.end();
    }
  }

  /** Nothing is read synchronously: a subject first met here gets a key made here (see commit). */
  protected liveKeyOf(): StoredSubjectKey | undefined {
    return undefined;
  }

  protected async persist(
    pending: readonly PendingSubjectKey[],
    unknown: readonly string[],
    knownSeq: number | undefined,
  ): Promise<PersistedKeys> {
    if (pending.length === 0 && unknown.length === 0) return this.destroyedSince(knownSeq);
    return inTransaction(this.pool, async (client) => {
      // A destruction waits for this commit, and this commit for a destruction under way.
      const { rows: meta } = await client.query<{ value: string }>(
        "SELECT value FROM hub_vault_meta WHERE name = 'destroy_seq' FOR SHARE",
      );
      const seq = Number(meta[0]!.value);
      const destroyedSince =
        knownSeq === undefined || seq === knownSeq
          ? []
          : (
              await client.query<{ keyId: string; subject: string }>(
                'SELECT key_id AS "keyId", subject FROM hub_subject_keys WHERE destroyed_seq > $1',
                [knownSeq],
              )
            ).rows;
      const adopted = new Map<string, StoredSubjectKey>();
      if (pending.length > 0) {
        const { rows: inserted } = await client.query<{ subject: string }>(
          `INSERT INTO hub_subject_keys (key_id, subject, kek_id, wrapped, created_at)
             SELECT *, $5::timestamptz FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
           ON CONFLICT (subject) WHERE destroyed_at IS NULL AND current DO NOTHING
           RETURNING subject`,
          [
            pending.map((p) => p.keyId),
            pending.map((p) => p.subject),
            pending.map((p) => p.kekId),
            pending.map((p) => p.wrapped),
            this.now().toISOString(),
          ],
        );
        const stored = new Set(inserted.map((r) => r.subject));
        const others = pending.filter((p) => !stored.has(p.subject)).map((p) => p.subject);
        if (others.length > 0) {
          const { rows } = await client.query<StoredSubjectKey>(
            `SELECT ${ROW} FROM hub_subject_keys WHERE subject = ANY($1) AND destroyed_at IS NULL AND current`,
            [others],
          );
          for (const row of rows) adopted.set(row.subject, row);
        }
      }
      let gone: string[] = [];
      if (unknown.length > 0) {
        const { rows } = await client.query<{ key_id: string }>(
          'SELECT key_id FROM hub_subject_keys WHERE key_id = ANY($1) AND wrapped IS NOT NULL',
          [unknown],
        );
        const live = new Set(rows.map((r) => r.key_id));
        gone = unknown.filter((id) => !live.has(id));
      }
      return { seq, destroyedSince, adopted, gone };
    });
  }

  /**
   * Nothing to insert, nothing unknown: one statement says which keys went since. A destruction
   * committed just after it orders after this batch, whose values it then shreds with the rest.
   */
  private async destroyedSince(knownSeq: number | undefined): Promise<PersistedKeys> {
    const { rows } = await this.pool.query<{
      seq: string;
      keyId: string | null;
      subject: string | null;
    }>(
      `SELECT m.value AS seq, k.key_id AS "keyId", k.subject FROM hub_vault_meta m
         LEFT JOIN hub_subject_keys k ON $1::bigint IS NOT NULL AND k.destroyed_seq > $1::bigint
                                         AND m.value <> $1::bigint
       WHERE m.name = 'destroy_seq'`,
      [knownSeq ?? null],
    );
    const destroyedSince: PersistedKeys['destroyedSince'] = [];
    for (const r of rows)
      if (r.keyId && r.subject) destroyedSince.push({ keyId: r.keyId, subject: r.subject });
    return { seq: Number(rows[0]!.seq), destroyedSince, adopted: new Map(), gone: [] };
  }

  protected async read(keyId: string): Promise<StoredSubjectKey | undefined> {
    const { rows } = await this.pool.query<StoredSubjectKey>(
      `SELECT ${ROW} FROM hub_subject_keys WHERE key_id = $1`,
      [keyId],
    );
    return rows[0];
  }

  protected async destroyStored(subject: string, reason: string): Promise<number> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ value: string }>(
        "UPDATE hub_vault_meta SET value = value + 1 WHERE name = 'destroy_seq' RETURNING value",
      );
      const { rowCount } = await client.query(
        `UPDATE hub_subject_keys SET wrapped = NULL, destroyed_at = $1, reason = $2, destroyed_seq = $3
           WHERE subject = $4 AND destroyed_at IS NULL`,
        [this.now().toISOString(), reason, rows[0]!.value, subject],
      );
      return rowCount ?? 0;
    });
  }

  protected async staleKeys(
    current: string,
    after: string | undefined,
    limit: number,
  ): Promise<StoredSubjectKey[]> {
    const { rows } = await this.pool.query<StoredSubjectKey>(
      `SELECT ${ROW} FROM hub_subject_keys
         WHERE destroyed_at IS NULL AND wrapped IS NOT NULL AND kek_id <> $1 AND key_id > $2
         ORDER BY key_id LIMIT $3`,
      [current, after ?? '', limit],
    );
    return rows;
  }

  /**
   * One statement, so one transaction. Compare-and-set on the row as read: a destruction
   * committed first leaves wrapped null, which this no longer matches; one waiting on the row
   * lock sets it null after. A new row version is written: the old one, wrapped under the old
   * master key, stays in the table's files until VACUUM (see deploy/README.md).
   */
  protected async replaceWrapped(to: string, keys: readonly RewrappedKey[]): Promise<number> {
    const { rowCount } = await this.pool.query(
      `UPDATE hub_subject_keys k SET kek_id = $1, wrapped = u.w
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS u(id, e, o, w)
        WHERE k.key_id = u.id AND k.kek_id = u.e AND k.wrapped = u.o AND k.destroyed_at IS NULL`,
      [
        to,
        keys.map((k) => k.keyId),
        keys.map((k) => k.fromKek),
        keys.map((k) => k.fromWrapped),
        keys.map((k) => k.wrapped),
      ],
    );
    return rowCount ?? 0;
  }

  protected async countStale(current: string): Promise<Record<string, number>> {
    const { rows } = await this.pool.query<{ kek_id: string; n: string }>(
      `SELECT kek_id, count(*) AS n FROM hub_subject_keys
         WHERE destroyed_at IS NULL AND wrapped IS NOT NULL AND kek_id <> $1 GROUP BY kek_id`,
      [current],
    );
    return Object.fromEntries(rows.map((r) => [r.kek_id, Number(r.n)]));
  }

  protected storedMatchSecrets(): string | undefined {
    return this.matchSecretsText;
  }

  protected async storeMatchSecrets(value: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO hub_vault_settings VALUES ('match_secrets', $1)
         ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value`,
      [value],
    );
    this.matchSecretsText = value;
  }

  matchKeyId(): string {
    return this.matchKey;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
