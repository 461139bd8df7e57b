import {
  clockAt,
  validatePublishedEvent,
  type RecordingPolicy,
  type AcceptedEvent,
  type Agency,
  type EventProblem,
} from '@hub/domain';
import {
  canonicalJson,
  IdempotencyConflictError,
  type EventStore,
  type RecordedEvent,
} from '@hub/event-store';
import { appendAccepted, type PersonalDataSealing } from '../sealing.js';

/** The request id was used before for something else: nothing was recorded, nothing may follow. */
export class RecordConflictError extends Error {
  readonly code = 'RECORD_CONFLICT';
}

/** The events the hub would record on the caller's behalf do not validate (e.g. a bad purpose). */
export class RecordInvalidError extends Error {
  readonly code = 'RECORD_INVALID';
  constructor(readonly problems: EventProblem[]) {
    super(
      `无法记录该请求 / the hub could not record the request: ${problems.map((p) => `${p.pointer}: ${p.message}`).join('; ')}`,
    );
  }
}

/** Proof that events are on the record: what a caller may act on (e.g. open a sealed value). */
export interface RecordReceipt {
  eventIds: string[];
  /** True when this was a retry of a request already recorded: nothing new was written. */
  retry: boolean;
}

export interface RecordOptions {
  /**
   * The hub chose `occurredAt` (the caller did not send a time): a retry then differs in it
   * and is recognised without it. When the caller sent the time, it must match too.
   */
  timeChosenByHub?: boolean;
  /**
   * How long after the first record a retry is still the same request. Within it, a retry
   * whose only difference is the time the hub chose counts as the same; beyond it, reusing the
   * request id is a conflict, however identical the content. Default: no limit for an
   * identical retry, 15 minutes for one that differs in the hub's time.
   */
  retryWindowMs?: number;
}

const DEFAULT_RETRY_WINDOW_MS = 15 * 60_000;

/**
 * The one path by which the hub records events on someone's behalf (verifications, the
 * findings they raise, screenings, unmaskings): validated like published events, appended
 * atomically, idempotent only for a true retry. A request id reused for other content is a
 * RecordConflictError, so no caller can act on a record that describes something else.
 */
export interface HubRecorderOptions {
  /** Seals any ID number in what is recorded (the hub's vault). */
  sealing: PersonalDataSealing;
  now?: () => Date;
  /** How far ahead of the hub's clock an event's time may be (default 5 minutes). */
  recordingPolicy?: Pick<RecordingPolicy, 'futureToleranceMs'>;
}

export class HubRecorder {
  private readonly now: () => Date;

  constructor(
    private readonly store: EventStore,
    private readonly options: HubRecorderOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  async record(
    agency: Agency,
    envelopes: readonly unknown[],
    options: RecordOptions = {},
  ): Promise<RecordReceipt> {
    const context = {
      clock: clockAt(this.now(), this.options.recordingPolicy),
      sealer: this.options.sealing,
    };
    const accepted = envelopes.map((e, i) => validatePublishedEvent(e, agency, i, context));
    const problems = accepted.flatMap((a) => (a.ok ? [] : a.problems));
    if (problems.length > 0) throw new RecordInvalidError(problems);
    const events = accepted.flatMap((a) => (a.ok ? [a.event] : []));
    const eventIds = events.map((e) => e.id);
    try {
      const results = await appendAccepted(this.store, this.options.sealing, events);
      const retry = results.every((r) => r.duplicate);
      // An identical retry is the same request only within the window, when one is asked for.
      if (retry && options.retryWindowMs !== undefined)
        await this.checkRetry(events, options.retryWindowMs, false);
      return { eventIds, retry };
    } catch (error) {
      if (!(error instanceof IdempotencyConflictError)) throw error;
      await this.checkRetry(
        events,
        options.retryWindowMs ?? DEFAULT_RETRY_WINDOW_MS,
        options.timeChosenByHub ?? false,
      );
      return { eventIds, retry: true };
    }
  }

  /**
   * Every event of the request is already recorded, with the same content apart from the time
   * the hub chose, within the retry window; otherwise the request id was reused: conflict.
   */
  private async checkRetry(
    events: readonly AcceptedEvent[],
    windowMs: number,
    ignoreTime: boolean,
  ): Promise<void> {
    const now = this.now().getTime();
    for (const event of events) {
      const stored = (await this.store.readStream(event.stream)).find((e) => e.id === event.id);
      if (!stored)
        throw new RecordConflictError(
          `请求编号已用于其他记录 / the request id was already used for another record (event ${event.id} is recorded elsewhere): use a new id for a new request`,
        );
      if (!sameRequest(stored, event, ignoreTime))
        throw new RecordConflictError(
          `同一请求编号已记录过不同内容 / this request id was recorded before with other content (event ${event.id}): the earlier record stands; use a new id for a new request`,
        );
      if (now - Date.parse(stored.recordedAt) > windowMs)
        throw new RecordConflictError(
          `请求编号已于 ${stored.recordedAt} 使用，重试时限已过 / the request id was used at ${stored.recordedAt}, longer ago than a retry may come (${Math.round(windowMs / 60_000)} min): use a new id`,
        );
    }
  }
}

/** Same type, data and metadata; optionally leaving out the moment the hub chose. */
function sameRequest(stored: RecordedEvent, fresh: AcceptedEvent, ignoreTime: boolean): boolean {
  const withoutTime = (metadata: Record<string, unknown>) => {
    if (!ignoreTime) return canonicalJson(metadata);
    const { occurredAt: _occurredAt, ...rest } = metadata;
    return canonicalJson(rest);
  };
  return (
    stored.type === fresh.type &&
    canonicalJson(stored.data) === canonicalJson(fresh.data) &&
    withoutTime(stored.metadata) === withoutTime({ ...fresh.metadata })
  );
}
