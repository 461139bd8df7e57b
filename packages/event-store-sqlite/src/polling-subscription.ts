import type { EventEmitter } from 'node:events';
import type { GlobalPosition, Subscription, SubscriptionOptions } from '@hub/event-store';

interface PollingSubscriptionParts<T extends { position: GlobalPosition }> {
  read: (after: GlobalPosition | undefined, maxCount: number) => T[];
  /** Emits 'appended' after each commit in this process, 'closed' when the store closes. */
  notifier: EventEmitter;
  /** Fallback for commits made by another process on the same file. */
  pollIntervalMs: number;
  handler: (event: T) => Promise<void> | void;
  options: SubscriptionOptions;
}

const PAGE = 500;

/** Catch-up subscription: pages through what is stored, then waits for the next commit. */
export function startPollingSubscription<T extends { position: GlobalPosition }>(
  parts: PollingSubscriptionParts<T>,
): Subscription {
  let checkpoint = parts.options.after;
  let stopped = false;
  let wake: (() => void) | undefined;
  const onSignal = () => wake?.();
  const onClosed = () => {
    stopped = true;
    wake?.();
  };
  parts.notifier.on('appended', onSignal);
  parts.notifier.once('closed', onClosed);

  const waitForMore = () =>
    new Promise<void>((resolve) => {
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
        const events = parts.read(checkpoint, PAGE);
        for (const event of events) {
          if (stopped) return;
          // A handler that answers at once is not awaited: a microtask per event adds up.
          const pending = parts.handler(event);
          if (pending) await pending;
          checkpoint = event.position;
        }
        if (events.length < PAGE) {
          parts.options.onCaughtUp?.(checkpoint);
          if (!stopped) await waitForMore();
        } else {
          // Catching up: the thread's requests and timers run between pages. Handlers that
          // answer at once (microtasks) would otherwise hold the thread until the tail.
          await new Promise((resolve) => setImmediate(resolve));
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
