import type { EventEmitter } from 'node:events';
import type {
  GlobalPosition,
  RecordedEvent,
  Subscription,
  SubscriptionOptions,
} from '@hub/event-store';

interface SubscriptionParts {
  read: (after: GlobalPosition | undefined, maxCount: number) => Promise<RecordedEvent[]>;
  /** Emits 'appended' on every commit seen (this process's and NOTIFY from others), 'closed'. */
  notifier: EventEmitter;
  /** Fallback when a notification is missed (the listening connection was being reopened). */
  pollIntervalMs: number;
  handler: (event: RecordedEvent) => Promise<void> | void;
  options: SubscriptionOptions;
}

const PAGE = 500;

/**
 * Catch-up subscription: pages through what is stored, then waits for the next commit. Reading
 * `position > checkpoint` is safe because positions are given under the tail lock and commit
 * in order: a reader never sees a position before every smaller one has committed.
 */
export function startSubscription(parts: SubscriptionParts): Subscription {
  let checkpoint = parts.options.after;
  let stopped = false;
  let signalled = false;
  let wake: (() => void) | undefined;
  const onSignal = () => {
    signalled = true;
    wake?.();
  };
  const onClosed = () => {
    stopped = true;
    wake?.();
  };
  parts.notifier.on('appended', onSignal);
  parts.notifier.once('closed', onClosed);

  const waitForMore = () =>
    new Promise<void>((resolve) => {
      // A commit signalled while the last page was being read: read again at once.
      if (signalled || stopped) return resolve();
      const timer = setTimeout(resolve, parts.pollIntervalMs);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => {
      wake = undefined;
    });

  const loop = (async () => {
    try {
      while (!stopped) {
        signalled = false;
        const events = await parts.read(checkpoint, PAGE);
        for (const event of events) {
          if (stopped) return;
          await parts.handler(event);
          checkpoint = event.position;
        }
        if (events.length < PAGE) {
          parts.options.onCaughtUp?.(checkpoint);
          if (!stopped) await waitForMore();
        }
      }
    } catch (error) {
      stopped = true;
      parts.options.onError?.(error);
    } finally {
      parts.notifier.off('appended', onSignal);
      parts.notifier.off('closed', onClosed);
    }
  })();

  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
