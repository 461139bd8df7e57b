export * from './app.js';
export * from './metrics.js';
export * from './credentials/credential-store.js';
export * from './credentials/sqlite-credential-store.js';
export * from './http/problem.js';
export { toAppendRequests, MAX_EVENTS_PER_BATCH } from './http/publish-events.js';
export { publishAsAgencies } from './publish-as-agencies.js';
export { authenticateAgency } from './http/authenticate.js';
export * from './write-health.js';
