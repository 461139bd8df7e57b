import type { Message } from 'kafkajs';
import { addresseesOf, readRecordedEvent } from '@hub/domain';
import type { RecordedEvent } from '@hub/event-store';
import { inboxTopic } from './topics.js';

export interface InboxMessage {
  topic: string;
  message: Message;
}

/**
 * The inbox messages one stored event becomes: one per addressee, keyed by stream so that one
 * case keeps its order, with the event id in a header so a consumer can drop duplicates.
 */
export function inboxMessagesOf(stored: RecordedEvent): InboxMessage[] {
  const event = readRecordedEvent(stored);
  // Events of unknown types, and events no agency published, are nobody's mail.
  if (!event?.metadata.agency) return [];
  return addresseesOf(event).map((agency) => ({
    topic: inboxTopic(agency),
    message: {
      key: stored.streamName,
      value: JSON.stringify({
        id: stored.id,
        type: stored.type,
        // What the publisher sent, under the schema version in its metadata.
        data: stored.data,
        metadata: stored.metadata,
        stream: stored.streamName,
        position: stored.position.toString(),
        recordedAt: stored.recordedAt,
      }),
      headers: {
        'hub-event-id': stored.id,
        'hub-event-type': stored.type,
        'hub-correlation-id': String(event.metadata.correlationId ?? ''),
      },
    },
  }));
}
