export * from './postgres-event-store.js';
export * from './test-database.js';
