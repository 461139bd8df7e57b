import type { RecordedHubEvent } from '../catalogue.js';
import type { Agency } from '../shared/agencies.js';
import { shanghaiDayIndex } from '../shared/time.js';

/**
 * A case file kept as the set of its events, ordered by when they happened. Every view is
 * derived from the ordered set, so a document ends in the same state whatever order the
 * agencies' events arrive in (the police decision may be recorded before the transfer).
 */
export interface TimelineEntry {
  eventId: string;
  type: string;
  agency: Agency;
  reportingUnit: string;
  occurredAt: string;
  /** When the hub recorded it (absent in documents built before it was kept). */
  recordedAt?: string;
  /** The few fields the views need; never personal data. */
  facts: Record<string, string | number | boolean>;
}

/** An entry as the views show it: flagged when it was recorded long after it happened. */
export type ShownTimelineEntry = TimelineEntry & { recordedLate?: true };

/** Flags an entry recorded more than `lateAfterDays` days after the day it happened. */
export function flagLateEntry(entry: TimelineEntry, lateAfterDays: number): ShownTimelineEntry {
  if (!entry.recordedAt) return entry;
  // Only the flag, by day counts (as daysLate, without calendar dates): every ledger page
  // computes it for each entry of each clue it shows.
  return shanghaiDayIndex(entry.recordedAt) - shanghaiDayIndex(entry.occurredAt) > lateAfterDays
    ? { ...entry, recordedLate: true }
    : entry;
}

export interface TimelineDocument {
  key: string;
  timeline: TimelineEntry[];
}

const occurredMs = (e: TimelineEntry) => Date.parse(e.occurredAt);

export function byOccurrence(a: TimelineEntry, b: TimelineEntry): number {
  return (
    occurredMs(a) - occurredMs(b) || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0)
  );
}

/** Adds an event to a timeline; adding the same event again changes nothing. */
export function withEntry<D extends TimelineDocument>(doc: D, entry: TimelineEntry): D {
  if (doc.timeline.some((e) => e.eventId === entry.eventId)) return doc;
  // The timeline is in order already (every entry came in here): the new entry goes in after
  // the last one before it. Events mostly come in order, so that is mostly at the end; sorting
  // the whole timeline again parsed two dates per comparison.
  const timeline = [...doc.timeline];
  let at = timeline.length;
  while (at > 0 && byOccurrence(timeline[at - 1]!, entry) > 0) at--;
  timeline.splice(at, 0, entry);
  return { ...doc, timeline };
}

/** The entry for an event, keeping only the named scalar fields of its data. */
export function timelineEntry(event: RecordedHubEvent, fields: readonly string[]): TimelineEntry {
  const data = event.data as Record<string, unknown>;
  const facts: TimelineEntry['facts'] = {};
  for (const field of fields) {
    const value = data[field];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      facts[field] = value;
  }
  return {
    eventId: event.metadata.eventId,
    type: event.type,
    agency: event.metadata.agency,
    reportingUnit: event.metadata.reportingUnit,
    occurredAt: event.metadata.occurredAt,
    recordedAt: event.recorded.recordedAt,
    facts,
  };
}

export const first = (doc: TimelineDocument, ...types: string[]) =>
  doc.timeline.find((e) => types.includes(e.type));
export const last = (doc: TimelineDocument, ...types: string[]) =>
  [...doc.timeline].reverse().find((e) => types.includes(e.type));

/**
 * A document as the hub knew it at an instant: only the entries recorded by then (what a
 * ledger or worklist "as of" shows). Entries of documents built before recorded times were
 * kept have none, and are counted as known.
 */
export function asOfDocument<D extends TimelineDocument>(doc: D, asOfMs: number | undefined): D {
  if (asOfMs === undefined) return doc;
  const known = doc.timeline.filter(
    (e) => e.recordedAt === undefined || Date.parse(e.recordedAt) <= asOfMs,
  );
  return known.length === doc.timeline.length ? doc : { ...doc, timeline: known };
}
