import {
  Partitioners,
  type Consumer,
  type EachBatchPayload,
  type Kafka,
  type KafkaMessage,
  type Producer,
} from 'kafkajs';
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
import { agencyOfIngressTopic, DEAD_LETTER_TOPIC, ingressTopic } from './topics.js';

export interface IngressDeps {
  kafka: Kafka;
  store: EventStore;
  logger: Logger;
  groupId?: string;
  /** The hub's time and clock-skew tolerance for each batch (default: the system clock, 5 min). */
  recordingClock?: () => RecordingClock;
  /** Seals the ID numbers of each event before it is stored (the hub's vault). */
  sealing: PersonalDataSealing;
}

export interface Rejected {
  message: KafkaMessage;
  reason: string;
}

/**
 * The messages of an agency's ingress topic, validated as HTTP validates a batch (the topic
 * binds the agency, `clock` is the hub's time): the events to append, and the messages to
 * dead-letter with the reason.
 */
export function readIngressBatch(
  topic: string,
  messages: readonly KafkaMessage[],
  context: ValidationContext,
): { accepted: Array<{ event: AcceptedEvent; message: KafkaMessage }>; rejected: Rejected[] } {
  const agency = agencyOfIngressTopic(topic);
  const accepted: Array<{ event: AcceptedEvent; message: KafkaMessage }> = [];
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
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: IngressDeps) {}

  /**
   * kafkajs gives up on a consumer after its retries (e.g. a broker down for longer than they
   * last) and says whether it will restart it; when it will not, the bridge does, so a broker
   * restart never needs a hub restart.
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
    this.producer = this.deps.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await this.producer.connect();
    this.consumer = this.deps.kafka.consumer({
      groupId: this.deps.groupId ?? 'hub-ingress',
      allowAutoTopicCreation: false,
    });
    const consumer = this.consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) this.restartLater(payload.error);
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: AGENCIES.map(ingressTopic), fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { accepted, rejected } = readIngressBatch(batch.topic, batch.messages, {
      clock: this.deps.recordingClock?.() ?? clockAt(new Date()),
      sealer: this.deps.sealing,
    });

    if (accepted.length > 0) {
      try {
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

    const last = batch.messages[batch.messages.length - 1];
    if (last) {
      payload.resolveOffset(last.offset);
      // Committed by name: with autoCommit off and no interval or threshold, kafkajs'
      // commitOffsetsIfNecessary() without offsets never commits, and every restart read the
      // topics again from the beginning (dead-lettering each refused message once more).
      await payload.commitOffsetsIfNecessary({
        topics: [
          {
            topic: batch.topic,
            partitions: [{ partition: batch.partition, offset: String(BigInt(last.offset) + 1n) }],
          },
        ],
      });
    }
    await payload.heartbeat();
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
    await this.producer!.send({
      topic: DEAD_LETTER_TOPIC,
      acks: -1,
      messages: rejected.map(({ message, reason }) => ({
        key: message.key,
        value: message.value,
        headers: {
          'hub-reason': reason,
          'hub-source-topic': topic,
          'hub-source-partition': String(partition),
          'hub-source-offset': message.offset,
        },
      })),
    });
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
        await client?.disconnect();
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
