import type { EventStore } from '@hub/event-store';
import type { Logger } from 'pino';
import type { KafkaPort, KafkaProducerPort } from './client/kafka-port.js';
import type { CheckpointStore } from './checkpoints.js';
import type { InboxOpener } from './inbox-opener.js';
import { RelayPass } from './relay-pass.js';

export interface EgressDeps {
  kafka: KafkaPort;
  store: EventStore;
  checkpoints: CheckpointStore;
  logger: Logger;
  /** Inbox messages relayed per send (default 500); the checkpoint moves after each acknowledged send. */
  batchSize?: number;
  /** Pause before a failed relay starts again from its checkpoint. */
  restartDelayMs?: number;
  /** Gives entitled agencies personal data in clear, on the record; none: sealed for all. */
  opener?: InboxOpener;
}

const CHECKPOINT = 'kafka-egress';

/**
 * Relays every addressed event to its addressees' inbox topics, keyed by stream so that one
 * case's messages keep their order, from a durable checkpoint (at-least-once: each message
 * carries the event id so a consumer can drop duplicates). A failed send ends the current pass;
 * a new one, with a new producer, starts again from the saved checkpoint.
 */
export class KafkaEgress {
  private pass: { relay: RelayPass; producer: KafkaProducerPort } | undefined;
  private stopped = true;
  private restartTimer: NodeJS.Timeout | undefined;
  private restarting: Promise<void> | undefined;

  constructor(private readonly deps: EgressDeps) {}

  /** Connects and starts relaying; rejects when the broker cannot be reached. Restartable. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.startPass();
  }

  private async startPass(): Promise<void> {
    const producer = await this.deps.kafka.producer();
    const after = await this.deps.checkpoints.load(CHECKPOINT);
    if (this.stopped) {
      await producer.close();
      return;
    }
    const relay: RelayPass = new RelayPass({
      store: this.deps.store,
      checkpoints: this.deps.checkpoints,
      checkpointName: CHECKPOINT,
      producer,
      logger: this.deps.logger,
      batchSize: this.deps.batchSize ?? 500,
      after,
      onFailure: (error) => this.onPassFailed(relay, error),
      ...(this.deps.opener ? { opener: this.deps.opener } : {}),
    });
    this.pass = { relay, producer };
  }

  private onPassFailed(relay: RelayPass, error: unknown): void {
    if (this.stopped) {
      this.deps.logger.warn(
        { err: error },
        'egress stopped before its last send went through; those events are relayed from the checkpoint at the next start',
      );
      return;
    }
    if (this.pass?.relay !== relay) return;
    this.deps.logger.warn({ err: error }, 'egress send failed; relaying again from the checkpoint');
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    if (this.stopped || this.restartTimer) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.restarting = this.restartPass().catch((error: unknown) => {
        this.deps.logger.warn({ err: error }, 'egress could not start again; retrying');
        this.scheduleRestart();
      });
    }, this.deps.restartDelayMs ?? 1000);
  }

  private async restartPass(): Promise<void> {
    await this.stopPass();
    if (!this.stopped) await this.startPass();
  }

  private async stopPass(): Promise<void> {
    const pass = this.pass;
    this.pass = undefined;
    if (!pass) return;
    await pass.relay.stop();
    await pass.producer.close();
  }

  /** Sends what is pending (or leaves it to the next start if that fails), then disconnects. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    await this.restarting;
    await this.stopPass();
  }
}
