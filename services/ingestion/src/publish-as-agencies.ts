import {
  clockAt,
  validatePublishedEvent,
  type AcceptedEvent,
  type Agency,
  type EventProblem,
  type RecordingClock,
} from '@hub/domain';
import type { AppendResult, EventStore } from '@hub/event-store';
import { appendAccepted, type PersonalDataSealing } from './sealing.js';

export interface PublishOptions {
  /** Seals the ID numbers of each event before it is stored (the hub's vault). */
  sealing: PersonalDataSealing;
  chunkSize?: number;
  clock?: RecordingClock;
}

/** Validates and appends events of several agencies in order, in atomic chunks; used by `hub demo` and tests. */
export async function publishAsAgencies(
  store: EventStore,
  events: ReadonlyArray<{ agency: Agency; event: unknown }>,
  options: PublishOptions,
): Promise<{ results: AppendResult[]; problems: EventProblem[] }> {
  const chunkSize = options.chunkSize ?? 200;
  const context = { clock: options.clock ?? clockAt(new Date()), sealer: options.sealing };
  const accepted: AcceptedEvent[] = [];
  const problems: EventProblem[] = [];
  events.forEach(({ agency, event }, index) => {
    const result = validatePublishedEvent(event, agency, index, context);
    if (result.ok) accepted.push(result.event);
    else problems.push(...result.problems);
  });
  if (problems.length > 0) return { results: [], problems };
  const results: AppendResult[] = [];
  for (let i = 0; i < accepted.length; i += chunkSize)
    results.push(
      ...(await appendAccepted(store, options.sealing, accepted.slice(i, i + chunkSize))),
    );
  return { results, problems };
}
