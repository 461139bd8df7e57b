import {
  AGENCIES,
  clockAt,
  isAgency,
  validatePublishedEvent,
  type AcceptedEvent,
  type RecordingClock,
  type ValidationContext,
} from '@hub/domain';
import {
  AppendTooLargeError,
  EventTooLargeError,
  IdempotencyConflictError,
  InvalidAppendError,
  type EventStore,
} from '@hub/event-store';
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

export interface Rejected<M extends ConsumedMessage = ConsumedMessage> {
  message: M;
  reason: string;
}

/** A consumed message with the topic and partition it came from. */
type SourcedMessage = ConsumedMessage & Source;
interface Source {
  topic: string;
  partition: number;
}
/** An accepted message, and where it came from (joined only for a message refused after all). */
interface AcceptedMessage {
  event: AcceptedEvent;
  message: ConsumedMessage;
  source: Source;
}
const sourced = ({ message, source }: AcceptedMessage): SourcedMessage => ({
  ...message,
  ...source,
});

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
/**
 * A store's refusal of what the messages hold: the same append would be refused again on every
 * retry (a recorded id with other content, an event or an append over the store's size limits,
 * a malformed append). Anything else may pass (a store unavailable or full) and is retried.
 */
function refusesTheMessages(
  error: unknown,
): error is
  IdempotencyConflictError | EventTooLargeError | AppendTooLargeError | InvalidAppendError {
  return (
    error instanceof IdempotencyConflictError ||
    error instanceof EventTooLargeError ||
    error instanceof AppendTooLargeError ||
    error instanceof InvalidAppendError
  );
}

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
      onBatches: (batches) => this.onBatches(batches),
      onFailure: (error) => this.restartLater(error),
    });
  }

  /**
   * Everything one read holds goes in one append: one commit (one sync) for all its messages,
   * whatever their partitions; each message is still validated, and dead-lettered, alone.
   */
  private async onBatches(batches: readonly ConsumedBatch[]): Promise<void> {
    const context = {
      clock: this.deps.recordingClock?.() ?? clockAt(new Date()),
      sealer: this.deps.sealing,
    };
    const accepted: AcceptedMessage[] = [];
    const rejected: Array<Rejected<SourcedMessage>> = [];
    for (const batch of batches) {
      const read = readIngressBatch(batch.topic, batch.messages, context);
      // One source a batch, not a copy of every message: a read holds up to 2,000 of them.
      const source = { topic: batch.topic, partition: batch.partition };
      for (const a of read.accepted) accepted.push({ event: a.event, message: a.message, source });
      for (const r of read.rejected)
        rejected.push({ message: { ...r.message, ...source }, reason: r.reason });
    }
    if (accepted.length > 0) rejected.push(...(await this.append(accepted)));
    if (rejected.length > 0) await this.deadLetter(rejected);

    // The port commits the offsets after these batches once this resolves: never before the append.
    this.deps.logger.info(
      {
        partitions: batches.map((b) => `${b.topic}/${b.partition}`),
        appended: accepted.length,
        deadLettered: rejected.length,
      },
      'ingress batch',
    );
  }

  /**
   * Appends the accepted events atomically, and returns those refused as conflicting with what
   * is recorded. A message repeated in the read (a producer retry, an agency sending it twice)
   * goes in after the others, alone: a harmless no-op when it is the same, refused when not.
   * Should the whole append be refused for what the messages hold (see refusesTheMessages),
   * the offending messages are found one by one and dead-lettered, and the rest still go in:
   * a message the store will never take must not stop the topic. Any other failure (the store
   * unavailable or full) rejects, so nothing of the read is committed and it is read again.
   */
  private async append(accepted: AcceptedMessage[]): Promise<Array<Rejected<SourcedMessage>>> {
    const seen = new Set<string>();
    const first: typeof accepted = [];
    const repeats: typeof accepted = [];
    for (const a of accepted) {
      if (seen.has(a.event.id)) repeats.push(a);
      else {
        seen.add(a.event.id);
        first.push(a);
      }
    }
    const rejected: Array<Rejected<SourcedMessage>> = [];
    const oneByOne = async (items: typeof accepted) => {
      for (const a of items) {
        try {
          await appendAccepted(this.deps.store, this.deps.sealing, [a.event]);
        } catch (error) {
          if (!refusesTheMessages(error)) throw error;
          rejected.push({ message: sourced(a), reason: error.message });
        }
      }
    };
    try {
      await appendAccepted(
        this.deps.store,
        this.deps.sealing,
        first.map((a) => a.event),
      );
    } catch (error) {
      if (!refusesTheMessages(error)) throw error;
      await oneByOne(first);
    }
    await oneByOne(repeats);
    return rejected;
  }

  private async deadLetter(rejected: Array<Rejected<SourcedMessage>>): Promise<void> {
    await this.producer!.send(
      rejected.map(({ message, reason }) => ({
        topic: DEAD_LETTER_TOPIC,
        key: message.key,
        value: message.value ?? '',
        headers: {
          'hub-reason': reason,
          'hub-source-topic': message.topic,
          'hub-source-partition': String(message.partition),
          'hub-source-offset': message.offset,
        },
      })),
    );
    for (const { message } of rejected)
      this.deps.logger.warn(
        { topic: message.topic, partition: message.partition, offset: message.offset },
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
