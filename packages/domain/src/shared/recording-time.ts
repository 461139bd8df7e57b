import { dayString, shanghaiDay, type DayNumber } from './time.js';

/**
 * How the hub judges when events say they happened. Times in the future beyond the clock-skew
 * tolerance are refused (an agency system's clock may be a little ahead, never a year); events
 * recorded long after they happened are accepted but flagged, since they land in form periods
 * that may have been reported already.
 */
export interface RecordingPolicy {
  /** How far ahead of the hub's clock an agency's clock may be (ms). */
  futureToleranceMs: number;
  /** An event recorded more than this many days after the day it happened is flagged. */
  lateAfterDays: number;
}

export const DEFAULT_RECORDING_POLICY: RecordingPolicy = {
  futureToleranceMs: 5 * 60_000,
  lateAfterDays: 365,
};

/** The moment of recording, passed in (the domain never reads the clock), and the tolerance. */
export interface RecordingClock {
  /** ISO 8601 instant. */
  now: string;
  futureToleranceMs: number;
}

export const clockAt = (
  now: Date | string,
  policy: Pick<RecordingPolicy, 'futureToleranceMs'> = DEFAULT_RECORDING_POLICY,
): RecordingClock => ({
  now: typeof now === 'string' ? now : now.toISOString(),
  futureToleranceMs: policy.futureToleranceMs,
});

/**
 * Fields of event data that say when something happened, so never in the future. Dates that may
 * lie ahead (validUntil, nextReviewDue, deadline, a suspension's from/until) are not here; a
 * test checks every date field of the catalogue is one or the other.
 */
export const HAPPENED_FIELDS = [
  'inspectedOn',
  'verifiedOn',
  'investigatedOn',
  'listedOn',
  'issuedOn',
  'reviewedOn',
  'renewedOn',
  'revokedOn',
  'decidedOn',
  'deliveredOn',
  'reportedAt',
  'approvedAt',
  'receivedAt',
] as const;

export interface TimeProblem {
  code: 'OCCURRED_IN_FUTURE';
  /** Chinese first, then English. */
  message: string;
}

const toleranceText = (ms: number) =>
  ms % 60_000 === 0
    ? `${ms / 60_000} 分钟 (${ms / 60_000} min)`
    : `${ms / 1000} 秒 (${ms / 1000} s)`;

/** The latest instant (and Shanghai day) not in the future, for the clock last asked about. */
let latest: { now: string; toleranceMs: number; ms: number; day?: DayNumber } = {
  now: '',
  toleranceMs: 0,
  ms: 0,
};

/** Every event of a batch is checked against the same clock: remember the last answer. */
function latestOf(clock: RecordingClock): typeof latest {
  if (latest.now !== clock.now || latest.toleranceMs !== clock.futureToleranceMs)
    latest = {
      now: clock.now,
      toleranceMs: clock.futureToleranceMs,
      ms: Date.parse(clock.now) + clock.futureToleranceMs,
    };
  return latest;
}

/**
 * YYYY-MM-DD as the number YYYYMMDD; undefined for anything else. Read digit by digit: it runs
 * for every date of every event published.
 */
function dateAsNumber(value: string): number | undefined {
  if (value.length !== 10 || value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45)
    return undefined;
  let n = 0;
  for (let i = 0; i < 10; i++) {
    if (i === 4 || i === 7) continue;
    const digit = value.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return undefined;
    n = n * 10 + digit;
  }
  return n;
}

/** A date-time (with offset) or a calendar date (Asia/Shanghai) later than now + tolerance. */
export function futureProblem(value: string, clock: RecordingClock): TimeProblem | undefined {
  const at = latestOf(clock);
  const day = dateAsNumber(value);
  const future =
    day !== undefined
      ? day > (at.day ??= shanghaiDay(new Date(at.ms).toISOString()))
      : Date.parse(value) > at.ms;
  if (!future) return undefined;
  return {
    code: 'OCCURRED_IN_FUTURE',
    message: `时间 ${value} 晚于平台当前时间 ${clock.now}（允许的时钟误差为 ${toleranceText(clock.futureToleranceMs)}）；${value} is in the future (the hub's time is ${clock.now}, clock-skew tolerance ${clock.futureToleranceMs / 1000} s)`,
  };
}

const ordinal = (day: DayNumber) =>
  Date.UTC(Math.floor(day / 10_000), (Math.floor(day / 100) % 100) - 1, day % 100) / 86_400_000;

/** Whole days from the Asia/Shanghai day something happened to the day it was recorded. */
export function daysLate(occurredDay: DayNumber, recordedAt: string | number): number {
  const recorded = typeof recordedAt === 'number' ? new Date(recordedAt).toISOString() : recordedAt;
  return ordinal(shanghaiDay(recorded)) - ordinal(occurredDay);
}

/** How an event of a drill-down or a timeline was recorded, and whether that was late. */
export interface RecordingFlag {
  occurredOn: string;
  recordedAt: string;
  /** Recorded more than `lateAfterDays` days after it happened. */
  recordedLate: boolean;
}

export function recordingFlag(
  occurred: DayNumber | string,
  recordedAt: string | number,
  lateAfterDays: number,
): RecordingFlag {
  const day = typeof occurred === 'number' ? occurred : shanghaiDay(occurred);
  return {
    occurredOn: dayString(day),
    recordedAt: typeof recordedAt === 'number' ? new Date(recordedAt).toISOString() : recordedAt,
    recordedLate: daysLate(day, recordedAt) > lateAfterDays,
  };
}
