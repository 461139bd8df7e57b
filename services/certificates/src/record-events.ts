import {
  clockAt,
  validatePublishedEvent,
  type Agency,
  type EventProblem,
  type RecordingClock,
} from '@hub/domain';
import { IdempotencyConflictError, type EventStore } from '@hub/event-store';
import { toAppendRequests } from '@hub/ingestion';

export class RecordingError extends Error {
  readonly code = 'RECORDING_INVALID';
  constructor(readonly problems: EventProblem[]) {
    super(
      `the hub could not record the event: ${problems.map((p) => `${p.pointer}: ${p.message}`).join('; ')}`,
    );
  }
}

export class AlreadyRecordedError extends Error {
  readonly code = 'ALREADY_RECORDED';
}

/**
 * Records events on behalf of the agency whose credential asked (a verification, a finding it
 * raises, a screening, an unmasking), through the same validation as published events, in
 * one atomic append. Ids are chosen by the caller, so a retried request records nothing new.
 */
export async function recordAs(
  store: EventStore,
  agency: Agency,
  envelopes: readonly unknown[],
  clock: RecordingClock = clockAt(new Date()),
): Promise<string[]> {
  const accepted = envelopes.map((e, i) => validatePublishedEvent(e, agency, i, clock));
  const problems = accepted.flatMap((a) => (a.ok ? [] : a.problems));
  if (problems.length > 0) throw new RecordingError(problems);
  const events = accepted.flatMap((a) => (a.ok ? [a.event] : []));
  try {
    await store.appendMany(toAppendRequests(events, {}));
  } catch (error) {
    // The same request id came before with other content (e.g. another time): it stands.
    if (error instanceof IdempotencyConflictError)
      throw new AlreadyRecordedError(
        'this request id was recorded before with other content; the earlier record stands (reuse a request id only to retry the same request)',
      );
    throw error;
  }
  return events.map((e) => e.id);
}
