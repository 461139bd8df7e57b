import type { z } from 'zod';
import { agencyKeyEvents } from './agency-keys/events.js';
import { certificateEvents } from './certificates/events.js';
import { clueTransferEvents } from './clue-transfer/events.js';
import { cyberspaceEvents } from './cyberspace/events.js';
import { dataProtectionEvents } from './data-protection/events.js';
import { inspectionEvents } from './inspections/events.js';
import { prosecutionEvents } from './prosecution/events.js';
import { selfInspectionEvents } from './self-inspection/events.js';
import type { Agency } from './shared/agencies.js';
import type { EventDefinition } from './shared/event-definition.js';
import type { EventMetadata, RecordedFacts } from './shared/envelope.js';
import { tipOffEvents } from './tip-offs/events.js';

/** Every event type the hub accepts, grouped by capability. */
export const EVENT_DEFINITIONS = [
  ...certificateEvents,
  ...inspectionEvents,
  ...selfInspectionEvents,
  ...clueTransferEvents,
  ...prosecutionEvents,
  ...cyberspaceEvents,
  ...tipOffEvents,
  ...dataProtectionEvents,
  ...agencyKeyEvents,
] as const;

type Definitions = (typeof EVENT_DEFINITIONS)[number];
export type HubEventType = Definitions['type'];

type DataOf<D> = D extends EventDefinition<string, infer S> ? z.output<S> : never;

/** The data of one event type, at its current schema version. */
export type EventData<T extends HubEventType> = DataOf<Extract<Definitions, { type: T }>>;

/** A domain event as the hub reads it: `{ type, data, metadata }`, discriminated on `type`. */
export type HubEvent = {
  [T in HubEventType]: { type: T; data: EventData<T>; metadata: EventMetadata };
}[HubEventType];

/** A domain event read back from the store, with its position. */
export type RecordedHubEvent = HubEvent & { recorded: RecordedFacts };

const byType = new Map<string, EventDefinition>(
  EVENT_DEFINITIONS.map((d) => [d.type, d as unknown as EventDefinition]),
);
if (byType.size !== EVENT_DEFINITIONS.length)
  throw new Error('duplicate event type in the catalogue');

export function eventDefinition(type: string): EventDefinition | undefined {
  return byType.get(type);
}

export function isHubEventType(type: string): type is HubEventType {
  return byType.has(type);
}

/** Event types an agency may publish. */
export function eventTypesPublishableBy(agency: Agency): HubEventType[] {
  return EVENT_DEFINITIONS.filter((d) => d.publishers.includes(agency)).map((d) => d.type);
}

/** The stream (aggregate) an event of this type and data belongs to. */
export function streamOf(event: Pick<HubEvent, 'type' | 'data'>): string {
  const definition = byType.get(event.type);
  if (!definition) throw new Error(`unknown event type ${event.type}`);
  return definition.stream(event.data);
}

/** Agencies an event is addressed to (its inbox recipients), never including the publisher. */
export function addresseesOf(event: Pick<HubEvent, 'type' | 'data' | 'metadata'>): Agency[] {
  const definition = byType.get(event.type);
  const addressees = definition?.addressees?.(event.data) ?? [];
  return [...new Set(addressees)].filter((a) => a !== event.metadata.agency);
}

/**
 * Reads data written under an older schema version as the current version by applying the
 * upcasters in turn. Data already at the current version is returned as is.
 */
export function upcast(type: string, fromVersion: number, data: unknown): unknown {
  const definition = byType.get(type);
  if (!definition) throw new Error(`unknown event type ${type}`);
  if (fromVersion > definition.version) {
    throw new Error(
      `${type} v${fromVersion} is newer than this hub knows (v${definition.version})`,
    );
  }
  let current = data;
  for (let v = fromVersion; v < definition.version; v++) {
    const step = definition.upcasters?.[v];
    if (!step) throw new Error(`${type}: no upcaster from v${v}`);
    current = step(current);
  }
  return current;
}

/**
 * A stored event as the hub's readers see it: data upcast to the current schema version
 * (the store keeps what the publisher sent, under the version it sent).
 */
export function readRecordedEvent(stored: {
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  streamName: string;
  revision: number;
  position: bigint;
  recordedAt: string;
}): RecordedHubEvent | undefined {
  if (!byType.has(stored.type)) return undefined;
  const metadata = stored.metadata as unknown as EventMetadata;
  return {
    type: stored.type,
    data: upcast(stored.type, metadata.schemaVersion ?? 1, stored.data),
    metadata,
    recorded: {
      streamName: stored.streamName,
      revision: stored.revision,
      position: stored.position,
      recordedAt: stored.recordedAt,
    },
  } as RecordedHubEvent;
}
