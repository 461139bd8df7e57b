import { EVENT_DEFINITIONS } from '../catalogue.js';
import { dayString, shanghaiDay } from '../shared/time.js';
import type { DocumentProjection } from './projection.js';

/** What one agency published for one reporting unit on one Asia/Shanghai day: counts by type. */
export interface AgencyActivityDocument {
  agency: string;
  /** The events' reporting unit, so that readers see only the activity of their units. */
  unit: string;
  day: string;
  counts: Record<string, number>;
  eventIds: number;
}

/** Agency activity for the task force and auditors: one document per agency, unit and day. */
export const agencyActivityProjection: DocumentProjection<AgencyActivityDocument> = {
  kind: 'documents',
  name: 'agency-activity',
  // 2: per reporting unit as well (readers are scoped by units).
  version: 2,
  handles: EVENT_DEFINITIONS.map((d) => d.type),
  keysOf: (event) => [
    `${event.metadata.agency}:${event.metadata.reportingUnit}:${dayString(shanghaiDay(event.metadata.occurredAt))}`,
  ],
  evolve: (doc, event) => {
    const base = doc ?? {
      agency: event.metadata.agency,
      unit: event.metadata.reportingUnit,
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
