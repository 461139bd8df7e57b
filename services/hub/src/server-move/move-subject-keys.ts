import { existsSync, rmSync } from 'node:fs';
import { SUITES } from '@hub/crypto';
import { PostgresSubjectKeyStore, SqliteSubjectKeyStore } from '@hub/personal-data';
import type { HubConfig } from '../config.js';
import { vaultFileOf, vaultKeys } from '../compose.js';

/**
 * An embedded hub's data subjects' keys (vault.db) into PostgreSQL in one transaction, then
 * vault.db overwritten and removed: a key destroyed later through PostgreSQL must not survive
 * in a file. Undefined when there is no vault.db (nothing to move, or moved already).
 */
export async function moveSubjectKeys(
  config: HubConfig,
): Promise<{ moved: number; alreadyHere: number } | undefined> {
  const file = vaultFileOf(config);
  if (!existsSync(file)) return undefined;
  const { current, previous } = vaultKeys(config);
  const local = new SqliteSubjectKeyStore(
    file,
    { current, previous },
    SUITES[config.HUB_CRYPTO_SUITE].seal,
  );
  let result: { moved: number; alreadyHere: number };
  try {
    const exported = local.exportKeys();
    result = await PostgresSubjectKeyStore.importKeys(
      { connectionString: config.DATABASE_URL! },
      exported,
    );
    local.shred();
  } finally {
    await local.close();
  }
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  return result;
}
