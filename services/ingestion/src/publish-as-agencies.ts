import {
  clockAt,
  validatePublishedEvent,
  type AcceptedEvent,
  type Agency,
  type EventProblem,
  type RecordingClock,
} from '@hub/domain';
import type { AppendResult, EventStore } from '@hub/event-store';
import { toAppendRequests } from './http/publish-events.js';

/** Validates and appends events of several agencies in order, in atomic chunks; used by `hub demo` and tests. */
export async function publishAsAgencies(
  store: EventStore,
  events: ReadonlyArray<{ agency: Agency; event: unknown }>,
  chunkSize = 200,
  clock: RecordingClock = clockAt(new Date()),
): Promise<{ results: AppendResult[]; problems: EventProblem[] }> {
  const accepted: AcceptedEvent[] = [];
  const problems: EventProblem[] = [];
  events.forEach(({ agency, event }, index) => {
    const result = validatePublishedEvent(event, agency, index, clock);
    if (result.ok) accepted.push(result.event);
    else problems.push(...result.problems);
  });
  if (problems.length > 0) return { results: [], problems };
  const results: AppendResult[] = [];
  for (let i = 0; i < accepted.length; i += chunkSize) {
    results.push(
      ...(await store.appendMany(toAppendRequests(accepted.slice(i, i + chunkSize), {}))),
    );
  }
  return { results, problems };
}
