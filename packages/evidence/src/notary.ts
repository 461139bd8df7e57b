import type {
  ChainAlg,
  ChainLinkRecord,
  EventStore,
  RecordedEvent,
  Subscription,
} from '@hub/event-store';
import {
  checkpointProblem,
  signCheckpoint,
  type ChainCheckpoint,
  type CheckpointStore,
  type HubSigningKey,
} from './checkpoints.js';
import { expectedLink } from './verify-chain.js';

export interface NotaryOptions {
  store: EventStore;
  checkpoints: CheckpointStore;
  key: HubSigningKey;
  /** How links are derived for records a store keeps without one (a store with no chain of its own). */
  derivedAlg: ChainAlg;
  /** Sign after this many new records (default 10,000) … */
  everyEvents?: number;
  /** … or this long after the last checkpoint, if the history moved (default 10 minutes). */
  everyMs?: number;
  now?: () => Date;
  onError?: (error: unknown) => void;
  onSigned?: (checkpoint: ChainCheckpoint) => void;
}

interface Head {
  position: bigint;
  count: number;
  link: string;
}

const UNLINKED_PAGE = 500;

/**
 * Follows the history and signs where it stands, periodically, with the hub's key. For a store
 * that keeps no chain of its own (KurrentDB), the links are derived here as the verifier derives
 * them, so its checkpoints hold that history to account the same way.
 */
export class ChainNotary {
  private head: Head | undefined;
  private signed: Head | undefined;
  private subscription: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private signing: Promise<unknown> = Promise.resolve();
  /** start() resumes from the stored checkpoint before it follows; stop() waits for that. */
  private starting: Promise<void> = Promise.resolve();
  /** Whole records read ahead for links the store does not keep (advanceUnlinked). */
  private unlinked: RecordedEvent[] = [];

  constructor(private readonly options: NotaryOptions) {}

  /** Where the last checkpoint left the history: signed by this hub's key, or nothing. */
  private async resume(): Promise<Head | undefined> {
    const latest = await this.options.checkpoints.latest();
    if (!latest || checkpointProblem(latest, this.options.key.publicKeyPem)) return undefined;
    return { position: BigInt(latest.position), count: latest.count, link: latest.head };
  }

  private advance(event: RecordedEvent): void {
    const link = event.chain ?? expectedLink(this.head?.link, event, this.options.derivedAlg);
    this.head = { position: event.position, count: (this.head?.count ?? 0) + 1, link };
  }

  /** A record followed by its link alone. */
  private take(position: bigint, link: string): void {
    this.head = { position, count: (this.head?.count ?? 0) + 1, link };
  }

  /** A record the store keeps without a link: read in full, to derive it. */
  private async advanceUnlinked(record: ChainLinkRecord): Promise<void> {
    // Records without a link come in runs (those recorded before the store kept a chain):
    // read a page of them at once.
    while (this.unlinked.length > 0 && this.unlinked[0]!.position < record.position)
      this.unlinked.shift();
    if (this.unlinked[0]?.position !== record.position)
      this.unlinked = await this.options.store.readAll({
        after: record.position - 1n,
        maxCount: UNLINKED_PAGE,
      });
    const event = this.unlinked.shift();
    if (event?.position !== record.position)
      throw new Error(`record ${String(record.position)} could not be read again`);
    this.advance(event);
  }

  private followed(): void {
    if (this.head!.count - (this.signed?.count ?? 0) >= (this.options.everyEvents ?? 10_000))
      this.schedule();
  }

  /** Reads what was recorded since the last checkpoint and signs the head if it moved. */
  async catchUpAndSign(): Promise<ChainCheckpoint | undefined> {
    this.head = await this.resume();
    this.signed = this.head;
    for (;;) {
      const page = await this.options.store.readAll({
        ...(this.head ? { after: this.head.position } : {}),
        maxCount: 10_000,
      });
      for (const event of page) this.advance(event);
      if (page.length < 10_000) break;
    }
    return this.signIfMoved();
  }

  /** Follows the store and signs every `everyEvents` records or `everyMs`. */
  start(): void {
    this.starting = this.follow().catch((error: unknown) => this.options.onError?.(error));
  }

  private async follow(): Promise<void> {
    this.head = await this.resume();
    this.signed = this.head;
    const options = {
      ...(this.head ? { after: this.head.position } : {}),
      onError: (error: unknown) => this.options.onError?.(error),
    };
    const { store } = this.options;
    // Where the store offers it, only positions and links are read: a record's content is not
    // needed when the store keeps its link.
    this.subscription = store.subscribeToChainLinks
      ? store.subscribeToChainLinks((record) => {
          // A record with its link is taken at once: no promise per event of the history.
          if (record.chain !== undefined) {
            this.take(record.position, record.chain);
            this.followed();
            return;
          }
          return this.advanceUnlinked(record).then(() => this.followed());
        }, options)
      : store.subscribeToAll((event) => {
          this.advance(event);
          this.followed();
        }, options);
    this.timer = setInterval(() => this.schedule(), this.options.everyMs ?? 600_000);
    this.timer.unref();
  }

  private schedule(): void {
    this.signing = this.signing
      .then(() => this.signIfMoved())
      .catch((error: unknown) => this.options.onError?.(error));
  }

  /** Signs where the history stands now, if it moved (for an agency asking for a checkpoint). */
  signNow(): Promise<ChainCheckpoint | undefined> {
    const signed = this.signing.then(() => this.signIfMoved());
    this.signing = signed.catch((error: unknown) => this.options.onError?.(error));
    return signed;
  }

  private async signIfMoved(): Promise<ChainCheckpoint | undefined> {
    const head = this.head;
    if (!head || (this.signed && this.signed.count === head.count)) return undefined;
    const checkpoint = signCheckpoint(
      this.options.key,
      head,
      (this.options.now ?? (() => new Date()))(),
    );
    await this.options.checkpoints.save(checkpoint);
    this.signed = head;
    this.options.onSigned?.(checkpoint);
    return checkpoint;
  }

  /** Stops following; signs where the history stands, so a restart loses nothing. */
  async stop(): Promise<void> {
    await this.starting;
    clearInterval(this.timer);
    await this.subscription?.stop();
    await this.signing;
    await this.signIfMoved();
  }
}
