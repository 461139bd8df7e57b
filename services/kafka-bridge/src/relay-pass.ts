import type { EventStore, RecordedEvent, Subscription } from '@hub/event-store';
import type { Logger } from 'pino';
import type { KafkaProducerPort } from './client/kafka-port.js';
import type { CheckpointStore } from './checkpoints.js';
import { inboxMessagesOf, openedCopy, type InboxMessage } from './inbox-messages.js';
import type { InboxOpener } from './inbox-opener.js';

export interface RelayPassDeps {
  store: EventStore;
  checkpoints: CheckpointStore;
  checkpointName: string;
  producer: KafkaProducerPort;
  logger: Logger;
  batchSize: number;
  /** The saved checkpoint this pass starts after; from the beginning when absent. */
  after: bigint | undefined;
  /** Called once, on the pass's first failure. */
  onFailure: (error: unknown) => void;
  /** Gives entitled agencies personal data in clear, on the record; none: sealed for all. */
  opener?: InboxOpener;
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
    this.pending.push(...inboxMessagesOf(event, this.deps.opener));
    this.pendingPosition = event.position;
    if (this.pending.length >= this.deps.batchSize) {
      // The next batch is gathered while this one is sent: wait only for the send before it,
      // so at most one batch is in flight and one pending.
      const previous = this.settled;
      void this.flush();
      await previous;
    }
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
      await this.openOnTheRecord(batch);
      await this.deps.producer.send(batch.map(({ topic, message }) => ({ topic, ...message })));
      this.deps.logger.info(
        { messages: batch.length, position: position.toString() },
        'egress relayed',
      );
    }
    await this.deps.checkpoints.save(this.deps.checkpointName, position);
  }

  /**
   * Personal data in clear for the entitled addressees: the openings go on the record first
   * (a record that cannot be written fails the send, and the pass starts again), then the
   * sealed references of those messages are opened.
   */
  private async openOnTheRecord(batch: InboxMessage[]): Promise<void> {
    const opener = this.deps.opener;
    const openings = batch.flatMap((m) => (m.opening ? [m.opening] : []));
    if (!opener || openings.length === 0) return;
    await opener.record(openings.map(({ payload: _payload, ...opening }) => opening));
    for (const m of batch)
      if (m.opening)
        m.message.value = JSON.stringify({
          ...m.opening.payload,
          data: await openedCopy(m.opening.payload.data, (ref) => opener.open(ref)),
        });
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
