export { KurrentDbEventStore, type KurrentDbEventStoreOptions } from './kurrentdb-event-store.js';
export { fromGlobalPosition, toGlobalPosition } from './positions.js';
export type { KurrentAllSubscription, KurrentClient, KurrentLogger } from './kurrent-client.js';
