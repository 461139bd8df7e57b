import {
  AGENCIES,
  clockAt,
  isAgency,
  validatePublishedEvent,
  type AcceptedEvent,
  type RecordingClock,
  type ValidationContext,
} from '@hub/domain';
import { IdempotencyConflictError, type EventStore } from '@hub/event-store';
import { appendAccepted, type PersonalDataSealing } from '@hub/ingestion';
import type { Logger } from 'pino';
import type {
  ConsumedBatch,
  ConsumedMessage,
  KafkaConsumerPort,
  KafkaPort,
  KafkaProducerPort,
} from './client/kafka-port.js';
import { agencyOfIngressTopic, DEAD_LETTER_TOPIC, ingressTopic } from './topics.js';

export interface IngressDeps {
  kafka: KafkaPort;
  store: EventStore;
  logger: Logger;
  groupId?: string;
  /** The hub's time and clock-skew tolerance for each batch (default: the system clock, 5 min). */
  recordingClock?: () => RecordingClock;
  /** Seals the ID numbers of each event before it is stored (the hub's vault). */
  sealing: PersonalDataSealing;
}

export interface Rejected {
  message: ConsumedMessage;
  reason: string;
}

/**
 * The messages of an agency's ingress topic, validated as HTTP validates a batch (the topic
 * binds the agency, `clock` is the hub's time): the events to append, and the messages to
 * dead-letter with the reason.
 */
export function readIngressBatch(
  topic: string,
  messages: readonly ConsumedMessage[],
  context: ValidationContext,
): { accepted: Array<{ event: AcceptedEvent; message: ConsumedMessage }>; rejected: Rejected[] } {
  const agency = agencyOfIngressTopic(topic);
  const accepted: Array<{ event: AcceptedEvent; message: ConsumedMessage }> = [];
  const rejected: Rejected[] = [];
  for (const [index, message] of messages.entries()) {
    if (!agency || !isAgency(agency)) {
      rejected.push({ message, reason: `topic ${topic} names no agency` });
      continue;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(message.value?.toString('utf8') ?? '');
    } catch {
      rejected.push({ message, reason: 'message value is not valid JSON' });
      continue;
    }
    const result = validatePublishedEvent(raw, agency, index, context);
    if (result.ok) accepted.push({ event: result.event, message });
    else
      rejected.push({
        message,
        reason: result.problems
          .map((p) => `${p.pointer.replace(`/events/${index}`, '') || '/'}: ${p.message}`)
          .join('; '),
      });
  }
  return { accepted, rejected };
}

/**
 * Consumes every agency's ingress topic with the same validation and authorization as HTTP:
 * the topic binds the agency. Offsets are committed only after the append is durable, so a
 * crash re-delivers and the idempotent append makes that harmless. Invalid messages go to the
 * dead-letter topic with the reason in headers; they never block the partition.
 */
export class KafkaIngress {
  private consumer: KafkaConsumerPort | undefined;
  private producer: KafkaProducerPort | undefined;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: IngressDeps) {}

  /**
   * The consumer ends when a batch fails (nothing of it committed) or the client gives up (a
   * broker down for longer than its retries); the bridge starts a new one from the committed
   * offsets, so a broker restart never needs a hub restart.
   */
  private restartLater(error: unknown): void {
    if (this.stopped || this.restartTimer) return;
    this.deps.logger.warn({ err: error }, 'ingress consumer stopped; restarting it in 2 s');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void (async () => {
        await this.disconnect();
        if (!this.stopped) await this.start();
      })().catch((e: unknown) => this.restartLater(e));
    }, 2000);
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.producer = await this.deps.kafka.producer();
    this.consumer = await this.deps.kafka.consume({
      groupId: this.deps.groupId ?? 'hub-ingress',
      topics: AGENCIES.map(ingressTopic),
      onBatch: (batch) => this.onBatch(batch),
      onFailure: (error) => this.restartLater(error),
    });
  }

  private async onBatch(batch: ConsumedBatch): Promise<void> {
    const { accepted, rejected } = readIngressBatch(batch.topic, batch.messages, {
      clock: this.deps.recordingClock?.() ?? clockAt(new Date()),
      sealer: this.deps.sealing,
    });

    if (accepted.length > 0) {
      try {
        // One append may not name an event twice: a batch that repeats a message (a producer
        // retry, an agency sending it twice) goes in one by one, each repeat a harmless no-op.
        if (new Set(accepted.map((a) => a.event.id)).size < accepted.length)
          throw new IdempotencyConflictError(accepted[0]!.event.id, 'is repeated in the batch');
        await appendAccepted(
          this.deps.store,
          this.deps.sealing,
          accepted.map((a) => a.event),
        );
      } catch (error) {
        if (!(error instanceof IdempotencyConflictError)) throw error; // not committed: re-delivered
        // Find the offending messages one by one; the rest still go in.
        for (const a of accepted) {
          try {
            await appendAccepted(this.deps.store, this.deps.sealing, [a.event]);
          } catch (single) {
            if (!(single instanceof IdempotencyConflictError)) throw single;
            rejected.push({ message: a.message, reason: single.message });
          }
        }
      }
    }
    if (rejected.length > 0) await this.deadLetter(batch.topic, batch.partition, rejected);

    // The port commits the offset after the batch once this resolves: never before the append.
    this.deps.logger.info(
      {
        topic: batch.topic,
        partition: batch.partition,
        appended: accepted.length,
        deadLettered: rejected.length,
      },
      'ingress batch',
    );
  }

  private async deadLetter(topic: string, partition: number, rejected: Rejected[]): Promise<void> {
    await this.producer!.send(
      rejected.map(({ message, reason }) => ({
        topic: DEAD_LETTER_TOPIC,
        key: message.key,
        value: message.value ?? '',
        headers: {
          'hub-reason': reason,
          'hub-source-topic': topic,
          'hub-source-partition': String(partition),
          'hub-source-offset': message.offset,
        },
      })),
    );
    for (const r of rejected)
      this.deps.logger.warn(
        { topic, partition, offset: r.message.offset },
        'message dead-lettered',
      );
  }

  /** Disconnects both clients; a client that will not disconnect is logged and left behind. */
  private async disconnect(): Promise<void> {
    for (const client of [this.consumer, this.producer]) {
      try {
        await client?.close();
      } catch (error) {
        this.deps.logger.warn({ err: error }, 'ingress client did not disconnect');
      }
    }
    this.consumer = undefined;
    this.producer = undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    await this.disconnect();
  }
}
