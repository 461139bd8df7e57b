export {
  SqliteEventStore,
  type SqliteEventStoreOptions,
  type SqliteStoreLogger,
} from './sqlite-event-store.js';
export {
  ThreadedSqliteEventStore,
  type AppendThreadOptions,
} from './threaded-sqlite-event-store.js';
