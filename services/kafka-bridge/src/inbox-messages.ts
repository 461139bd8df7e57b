import { addresseesOf, parseSealedRef, readRecordedEvent, type Agency } from '@hub/domain';
import type { RecordedEvent } from '@hub/event-store';
import type { ProducedMessage } from './client/kafka-port.js';
import type { InboxOpener, InboxOpening } from './inbox-opener.js';
import { inboxTopic } from './topics.js';

export interface InboxMessage {
  topic: string;
  message: Omit<ProducedMessage, 'topic'> & { value: string };
  /** Set when the message is to carry personal data in clear: opened just before it is sent. */
  opening?: InboxOpening & { payload: InboxPayload };
}

interface InboxPayload {
  id: string;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  stream: string;
  position: string;
  recordedAt: string;
}

/** The sealed references in a value, in order. */
function sealedRefsIn(value: unknown, found: string[] = []): string[] {
  if (typeof value === 'string') {
    if (parseSealedRef(value)) found.push(value);
  } else if (Array.isArray(value)) for (const v of value) sealedRefsIn(v, found);
  else if (value && typeof value === 'object')
    for (const v of Object.values(value)) sealedRefsIn(v, found);
  return found;
}

/** The value with each sealed reference opened (kept sealed where its key was destroyed). */
export async function openedCopy(
  value: unknown,
  open: (ref: string) => Promise<string | undefined>,
): Promise<unknown> {
  // Each reference opened once (a key is read afresh each time), then the copy is made.
  const opened = new Map<string, string | undefined>();
  for (const ref of sealedRefsIn(value)) if (!opened.has(ref)) opened.set(ref, await open(ref));
  const copy = (v: unknown): unknown => {
    if (typeof v === 'string') return opened.has(v) ? (opened.get(v) ?? v) : v;
    if (Array.isArray(v)) return v.map(copy);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, c]) => [k, copy(c)]));
    return v;
  };
  return copy(value);
}

/**
 * The inbox messages one stored event becomes: one per addressee, keyed by stream so that one
 * case keeps its order, with the event id in a header so a consumer can drop duplicates. An
 * addressee entitled to personal data in clear gets a message to be opened at send time.
 */
export function inboxMessagesOf(stored: RecordedEvent, opener?: InboxOpener): InboxMessage[] {
  const event = readRecordedEvent(stored);
  // Events of unknown types, and events no agency published, are nobody's mail.
  if (!event?.metadata.agency) return [];
  const payload: InboxPayload = {
    id: stored.id,
    type: stored.type,
    // What the publisher sent, under the schema version in its metadata.
    data: stored.data,
    metadata: stored.metadata,
    stream: stored.streamName,
    position: stored.position.toString(),
    recordedAt: stored.recordedAt,
  };
  const addressees = addresseesOf(event);
  if (addressees.length === 0) return [];
  const refs = opener ? sealedRefsIn(stored.data) : [];
  // Serialised once for every addressee: the sealed value is the same for all of them.
  const value = JSON.stringify(payload);
  const headers = {
    'hub-event-id': stored.id,
    'hub-event-type': stored.type,
    'hub-correlation-id': String(event.metadata.correlationId ?? ''),
  };
  return addressees.map((agency: Agency) => ({
    topic: inboxTopic(agency),
    message: { key: stored.streamName, value, headers },
    ...(refs.length > 0 && opener?.entitled(agency)
      ? {
          opening: {
            agency,
            eventId: stored.id,
            eventType: stored.type,
            subjects: [...new Set(refs.map((r) => parseSealedRef(r)!.key))],
            payload,
          },
        }
      : {}),
  }));
}
