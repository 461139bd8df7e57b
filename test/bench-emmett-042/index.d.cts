export * from '@event-driven-io/emmett-sqlite';
