import type { AcceptedEvent, PersonalDataSealer } from '@hub/domain';
import type { AppendResult, EventStore, ExpectedRevision } from '@hub/event-store';
import { toAppendRequests } from './http/publish-events.js';

/** The vault as ingestion sees it: it seals ID numbers and makes their subjects' keys durable. */
export interface PersonalDataSealing extends PersonalDataSealer {
  /** Answers the values as they must be appended (sealed again where a key was superseded). */
  commitKeys<T>(sealed: T): Promise<T>;
}

/**
 * Appends validated events. The keys their personal data was sealed under are made durable
 * first: an event must never be on record with a sealed value whose key could be lost.
 * `handedOver` is called once the append is in the store's hands (or will not be made).
 */
export async function appendAccepted(
  store: EventStore,
  sealing: PersonalDataSealing,
  events: AcceptedEvent[],
  expected: Record<string, ExpectedRevision> = {},
  handedOver: () => void = () => undefined,
): Promise<AppendResult[]> {
  let committed: AcceptedEvent[];
  try {
    committed = await sealing.commitKeys(events);
  } catch (error) {
    handedOver();
    throw error;
  }
  // Queued now, committed later: said before waiting for the commit, which may wait for it.
  const appending = store.appendMany(toAppendRequests(committed, expected));
  handedOver();
  return appending;
}
