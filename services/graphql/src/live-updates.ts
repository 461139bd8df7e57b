import {
  clueLedgerView,
  type ClueLedgerDocument,
  type ClueLedgerView,
  type DeadlineRule,
  type LedgerStep,
} from '@hub/domain';
import type { ReadModelStore } from '@hub/read-models';

/** An async iterator fed by pushes, ended by the subscriber (graphql-ws calls return()). */
class Feed<T> implements AsyncIterableIterator<T> {
  private readonly queue: T[] = [];
  private waiting: ((r: IteratorResult<T>) => void) | undefined;
  private done = false;
  constructor(private readonly onClose: () => void) {}
  push(value: T) {
    if (this.done) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value, done: false });
    } else if (this.queue.length < 1000) this.queue.push(value); // a stalled client drops old news
  }
  next(): Promise<IteratorResult<T>> {
    if (this.queue.length) return Promise.resolve({ value: this.queue.shift()!, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }
  return(): Promise<IteratorResult<T>> {
    this.done = true;
    this.onClose();
    this.waiting?.({ value: undefined, done: true });
    return Promise.resolve({ value: undefined, done: true });
  }
  [Symbol.asyncIterator]() {
    return this;
  }
}

/** A step that has just become overdue, with the clue's view: subscribers are scoped on it. */
export interface OverdueStep {
  clueId: string;
  step: LedgerStep;
  clue: ClueLedgerView;
}

/**
 * Live updates for subscriptions: clues whose ledger entry changed (told by the projection
 * runner after each commit) and steps that have just become overdue (checked on a timer).
 */
export class LiveUpdates {
  private readonly changed = new Set<Feed<ClueLedgerView>>();
  private readonly overdue = new Set<Feed<OverdueStep>>();
  private readonly seenOverdue = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private primed = false;

  constructor(
    private readonly readModels: ReadModelStore,
    private readonly rules: () => readonly DeadlineRule[],
    checkEveryMs: number,
  ) {
    this.timer = setInterval(() => void this.checkOverdue().catch(() => undefined), checkEveryMs);
    this.timer.unref();
    void this.checkOverdue().catch(() => undefined);
  }

  ledgerChanges(): Feed<ClueLedgerView> {
    const feed: Feed<ClueLedgerView> = new Feed(() => this.changed.delete(feed));
    this.changed.add(feed);
    return feed;
  }

  /** A feed of newly overdue steps; the first listener makes the hub learn what is overdue already. */
  async overdueSteps(): Promise<Feed<OverdueStep>> {
    const feed: Feed<OverdueStep> = new Feed(() => this.overdue.delete(feed));
    this.overdue.add(feed);
    if (!this.primed) await this.checkOverdue();
    return feed;
  }

  /** From the projection runner: documents that changed in a commit. */
  async committed(changes: ReadonlyArray<{ projection: string; keys: string[] }>): Promise<void> {
    const keys = changes.filter((c) => c.projection === 'clue-ledger').flatMap((c) => c.keys);
    if (keys.length === 0) return;
    if (this.changed.size > 0) {
      const docs = await this.readModels.getDocuments('clue-ledger', keys);
      const now = new Date().toISOString();
      for (const doc of docs.values()) {
        const view = clueLedgerView(doc as ClueLedgerDocument, this.rules(), now);
        for (const feed of this.changed) feed.push(view);
      }
    }
    // A clue recorded late may arrive already overdue: tell the overdue listeners now.
    await this.checkOverdue();
  }

  /** Steps overdue now that were not at the last check; the first check only learns the state. */
  async checkOverdue(): Promise<void> {
    // Nobody listening: read nothing, and learn the state afresh when someone subscribes.
    if (this.overdue.size === 0) {
      this.primed = false;
      this.seenOverdue.clear();
      return;
    }
    const now = new Date().toISOString();
    const fresh: OverdueStep[] = [];
    for (const d of await this.readModels.listDocuments('clue-ledger')) {
      const view = clueLedgerView(d.value as ClueLedgerDocument, this.rules(), now);
      for (const step of view.steps.filter((s) => s.status === 'overdue')) {
        const id = `${view.clueId}|${step.ruleId}`;
        if (!this.seenOverdue.has(id)) {
          this.seenOverdue.add(id);
          if (this.primed) fresh.push({ clueId: view.clueId, step, clue: view });
        }
      }
    }
    this.primed = true;
    for (const item of fresh) for (const feed of this.overdue) feed.push(item);
  }

  stop(): void {
    clearInterval(this.timer);
    for (const feed of [...this.changed, ...this.overdue]) void feed.return();
  }
}
