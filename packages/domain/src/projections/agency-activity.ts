import { EVENT_DEFINITIONS } from '../catalogue.js';
import { dayString, shanghaiDay } from '../shared/time.js';
import type { DocumentProjection } from './projection.js';

/** What one agency published on one Asia/Shanghai day: counts by event type. */
export interface AgencyActivityDocument {
  agency: string;
  day: string;
  counts: Record<string, number>;
  eventIds: number;
}

/** Agency activity for the task force and auditors: one document per agency and day. */
export const agencyActivityProjection: DocumentProjection<AgencyActivityDocument> = {
  kind: 'documents',
  name: 'agency-activity',
  version: 1,
  handles: EVENT_DEFINITIONS.map((d) => d.type),
  keysOf: (event) => [
    `${event.metadata.agency}:${dayString(shanghaiDay(event.metadata.occurredAt))}`,
  ],
  evolve: (doc, event) => {
    const base = doc ?? {
      agency: event.metadata.agency,
      day: dayString(shanghaiDay(event.metadata.occurredAt)),
      counts: {},
      eventIds: 0,
    };
    return {
      ...base,
      counts: { ...base.counts, [event.type]: (base.counts[event.type] ?? 0) + 1 },
      eventIds: base.eventIds + 1,
    };
  },
};
