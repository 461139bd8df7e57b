import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anEvent } from '@hub/event-store/contract';
import { SqliteEventStore } from './sqlite-event-store.js';

function tempFile() {
  const dir = mkdtempSync(join(tmpdir(), 'hub-subscription-'));
  return {
    filename: join(dir, 'events.db'),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

describe('embedded store subscriptions catching up', () => {
  it.each([
    [
      'all events',
      (s: SqliteEventStore, h: (r: { position: bigint }) => void) => s.subscribeToAll(h),
    ],
    [
      'chain links',
      (s: SqliteEventStore, h: (r: { position: bigint }) => void) => s.subscribeToChainLinks(h),
    ],
  ])('%s: let the thread run a timer between pages, not only at the tail', async (_, subscribe) => {
    const { filename, cleanup } = tempFile();
    const store = new SqliteEventStore({ filename });
    try {
      for (let i = 0; i < 4; i++)
        await store.append(
          `s-${i}`,
          Array.from({ length: 500 }, () => anEvent()),
        );
      let handled = 0;
      let handledWhenTimerRan: number | undefined;
      const timer = new Promise<void>((resolve) =>
        setTimeout(() => {
          handledWhenTimerRan = handled;
          resolve();
        }, 0),
      );
      const subscription = subscribe(store, () => void (handled += 1));
      await timer;
      const started = Date.now();
      while (handled < 2000 && Date.now() - started < 5_000)
        await new Promise((r) => setTimeout(r, 5));
      await subscription.stop();
      expect(handled).toBe(2000);
      // The timer was due before the first page was read: it ran after a page, not after all.
      expect(handledWhenTimerRan).toBeGreaterThan(0);
      expect(handledWhenTimerRan).toBeLessThan(2000);
    } finally {
      await store.close();
      await cleanup();
    }
  });
});
