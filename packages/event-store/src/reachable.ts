import type { EventStore } from './types.js';

/** What a readiness probe asks of any store: reachable and readable with the hub's own rights. */
export async function checkReachable(store: EventStore): Promise<void> {
  if (store.checkReachable) await store.checkReachable();
  else await store.headPosition();
}
