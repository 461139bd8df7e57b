import type { Message, Producer } from 'kafkajs';
import type { EventStore, RecordedEvent, Subscription } from '@hub/event-store';
import type { Logger } from 'pino';
import type { CheckpointStore } from './checkpoints.js';
import { inboxMessagesOf, type InboxMessage } from './inbox-messages.js';

export interface RelayPassDeps {
  store: EventStore;
  checkpoints: CheckpointStore;
  checkpointName: string;
  producer: Producer;
  logger: Logger;
  batchSize: number;
  /** The saved checkpoint this pass starts after; from the beginning when absent. */
  after: bigint | undefined;
  /** Called once, on the pass's first failure. */
  onFailure: (error: unknown) => void;
}

/**
 * One pass of the relay, from the saved checkpoint until its first failure or until stopped.
 * A failure ends the pass for good: what is pending is dropped, no later batch is sent and the
 * checkpoint never moves again, so the next pass starts again after the last batch that was
 * really acknowledged. (A pass that went on after a failed send once saved a checkpoint past it,
 * and that batch never reached its inbox.)
 */
export class RelayPass {
  private pending: InboxMessage[] = [];
  private pendingPosition: bigint | undefined;
  /** Sends in order; once rejected it stays rejected, so nothing after a failure is sent. */
  private sending: Promise<void> = Promise.resolve();
  /** Resolves once the last queued send has settled; a failure goes to `fail`. */
  private settled: Promise<void> = Promise.resolve();
  private failed = false;
  private readonly subscription: Subscription;
  private subscriptionStopped: Promise<void> | undefined;

  constructor(private readonly deps: RelayPassDeps) {
    this.subscription = deps.store.subscribeToAll((e) => this.onEvent(e), {
      ...(deps.after === undefined ? {} : { after: deps.after }),
      onCaughtUp: () => void this.flush(),
      onError: (error) => this.fail(error),
    });
  }

  private async onEvent(event: RecordedEvent): Promise<void> {
    if (this.failed) return;
    this.pending.push(...inboxMessagesOf(event));
    this.pendingPosition = event.position;
    if (this.pending.length >= this.deps.batchSize) await this.flush();
  }

  /** Queues a send of what is pending; never rejects: a failure ends the pass instead. */
  private flush(): Promise<void> {
    this.sending = this.sending.then(() => this.sendPending());
    this.settled = this.sending.catch((error: unknown) => this.fail(error));
    return this.settled;
  }

  private async sendPending(): Promise<void> {
    const position = this.pendingPosition;
    if (position === undefined) return;
    const batch = this.pending;
    this.pending = [];
    this.pendingPosition = undefined;
    if (batch.length > 0) {
      const byTopic = new Map<string, Message[]>();
      for (const { topic, message } of batch) {
        const messages = byTopic.get(topic);
        if (messages) messages.push(message);
        else byTopic.set(topic, [message]);
      }
      await this.deps.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      this.deps.logger.info(
        { messages: batch.length, position: position.toString() },
        'egress relayed',
      );
    }
    await this.deps.checkpoints.save(this.deps.checkpointName, position);
  }

  private fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.pending = [];
    this.pendingPosition = undefined;
    // Stop delivering now; stop() awaits the same promise and rethrows what it may reject with.
    this.stopSubscription().catch((stopError: unknown) =>
      this.deps.logger.warn({ err: stopError }, 'egress subscription did not stop cleanly'),
    );
    this.deps.onFailure(error);
  }

  private stopSubscription(): Promise<void> {
    return (this.subscriptionStopped ??= this.subscription.stop());
  }

  /** Stops delivery, sends what is pending unless the pass has failed, and waits for the sends. */
  async stop(): Promise<void> {
    await this.stopSubscription();
    await (this.failed ? this.settled : this.flush());
  }
}
