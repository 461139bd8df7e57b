export * from './port.js';
export * from './runner.js';
export * from './distinct-key.js';
export * from './reports.js';
export * from './known-units.js';
export {
  SqliteReadModelStore,
  type SqliteReadModelOptions,
} from './sqlite/sqlite-read-model-store.js';
export { PostgresReadModelStore } from './postgres/postgres-read-model-store.js';
export * from './location.js';
export * from './worker-script.js';
