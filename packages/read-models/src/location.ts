import type { ReadModelStore } from './port.js';
import { PostgresReadModelStore } from './postgres/postgres-read-model-store.js';
import { SqliteReadModelStore } from './sqlite/sqlite-read-model-store.js';

/** Where read models live, as plain data: a worker thread opens its own connection to them. */
export type ReadModelLocation =
  | { kind: 'sqlite'; filename: string }
  | { kind: 'postgres'; connectionString: string; schema?: string };

export function openReadModelStore(location: ReadModelLocation): ReadModelStore {
  return location.kind === 'sqlite'
    ? new SqliteReadModelStore(location.filename)
    : new PostgresReadModelStore({
        connectionString: location.connectionString,
        ...(location.schema ? { schema: location.schema } : {}),
      });
}
