import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import { addresseesOf, type Agency, type EventMetadata, type HubEvent } from '@hub/domain';
import type { EventStore, RecordedEvent, Subscription } from '@hub/event-store';
import type { Logger } from 'pino';
import type { CheckpointStore } from './checkpoints.js';
import { inboxTopic } from './topics.js';

export interface EgressDeps {
  kafka: Kafka;
  store: EventStore;
  checkpoints: CheckpointStore;
  logger: Logger;
  /** Events relayed per send; the checkpoint moves after each acknowledged send. */
  batchSize?: number;
}

const CHECKPOINT = 'kafka-egress';

/**
 * Relays every addressed event to its addressees' inbox topics, keyed by stream so that one
 * case's messages keep their order, from a durable checkpoint (at-least-once: each message
 * carries the event id so a consumer can drop duplicates).
 */
export class KafkaEgress {
  private producer: Producer | undefined;
  private subscription: Subscription | undefined;
  private pending: Array<{ topic: string; message: Message }> = [];
  private pendingPosition: bigint | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: EgressDeps) {}

  async start(): Promise<void> {
    this.producer = this.deps.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await this.producer.connect();
    await this.subscribe();
  }

  private async subscribe(): Promise<void> {
    const after = await this.deps.checkpoints.load(CHECKPOINT);
    this.pending = [];
    this.pendingPosition = undefined;
    this.subscription = this.deps.store.subscribeToAll((e) => this.onEvent(e), {
      ...(after === undefined ? {} : { after }),
      onCaughtUp: () => void this.flush().catch((error: unknown) => this.recover(error)),
      onError: (error) => this.recover(error),
    });
  }

  /** A send failed (broker down longer than the producer retries): start again from the checkpoint. */
  private recover(error: unknown): void {
    if (this.stopped || this.restartTimer) return;
    this.deps.logger.warn({ err: error }, 'egress send failed; resuming from the checkpoint');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void (async () => {
        await this.subscription?.stop();
        await this.flushing.catch(() => undefined);
        if (!this.stopped) await this.subscribe();
      })().catch((e: unknown) => this.recover(e));
    }, 1000);
  }

  private async onEvent(event: RecordedEvent): Promise<void> {
    const metadata = event.metadata as unknown as EventMetadata;
    const addressees: Agency[] = metadata.agency
      ? addresseesOf({ type: event.type, data: event.data, metadata } as HubEvent)
      : [];
    for (const agency of addressees) {
      this.pending.push({
        topic: inboxTopic(agency),
        message: {
          key: event.streamName,
          value: JSON.stringify({
            id: event.id,
            type: event.type,
            data: event.data,
            metadata,
            stream: event.streamName,
            position: event.position.toString(),
            recordedAt: event.recordedAt,
          }),
          headers: {
            'hub-event-id': event.id,
            'hub-event-type': event.type,
            'hub-correlation-id': String(metadata.correlationId ?? ''),
          },
        },
      });
    }
    this.pendingPosition = event.position;
    if (this.pending.length >= (this.deps.batchSize ?? 500)) await this.flush();
  }

  /** Flushes run one after another, so checkpoints only move forward. */
  private flush(): Promise<void> {
    this.flushing = this.flushing.catch(() => undefined).then(() => this.sendPending());
    return this.flushing;
  }

  /** Sends what is pending, then moves the checkpoint; a failed send is retried from the store. */
  private async sendPending(): Promise<void> {
    const position = this.pendingPosition;
    if (position === undefined) return;
    const batch = this.pending;
    this.pending = [];
    this.pendingPosition = undefined;
    if (batch.length > 0) {
      const byTopic = new Map<string, Message[]>();
      for (const { topic, message } of batch)
        byTopic.set(topic, [...(byTopic.get(topic) ?? []), message]);
      await this.producer!.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      this.deps.logger.info(
        { messages: batch.length, position: position.toString() },
        'egress relayed',
      );
    }
    await this.deps.checkpoints.save(CHECKPOINT, position);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    await this.subscription?.stop();
    await this.flush().catch(() => undefined);
    await this.producer?.disconnect();
  }
}
