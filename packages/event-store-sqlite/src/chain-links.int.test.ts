import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChainLinkRecord } from '@hub/event-store';
import { anEvent } from '@hub/event-store/contract';
import { SqliteEventStore } from './sqlite-event-store.js';
import { ThreadedSqliteEventStore } from './threaded-sqlite-event-store.js';

function tempFile() {
  const dir = mkdtempSync(join(tmpdir(), 'hub-links-'));
  return {
    filename: join(dir, 'events.db'),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

describe('embedded store chain links', () => {
  it.each([
    ['on this thread', (filename: string) => new SqliteEventStore({ filename })],
    ['with a writer thread', (filename: string) => new ThreadedSqliteEventStore({ filename })],
  ])('%s: delivers each position with the link readAll gives, then new ones', async (_, open) => {
    const { filename, cleanup } = tempFile();
    const store = open(filename);
    try {
      await store.append('a', [anEvent(), anEvent()]);
      await store.append('b', [anEvent()]);
      const links: ChainLinkRecord[] = [];
      const subscription = store.subscribeToChainLinks((link) => void links.push(link), {
        after: 1n,
      });
      await store.append('a', [anEvent()]);
      const started = Date.now();
      while (links.length < 3 && Date.now() - started < 5_000)
        await new Promise((r) => setTimeout(r, 10));
      await subscription.stop();
      const whole = await store.readAll({ after: 1n });
      expect(whole).toHaveLength(3);
      expect(links).toEqual(whole.map((e) => ({ position: e.position, chain: e.chain })));
      expect(links.every((l) => l.chain?.startsWith('sha256:'))).toBe(true);
    } finally {
      await store.close();
      await cleanup();
    }
  });

  it('leaves the link out for a store that keeps none', async () => {
    const { filename, cleanup } = tempFile();
    const store = new SqliteEventStore({ filename, chain: false });
    try {
      await store.append('a', [anEvent()]);
      const links: ChainLinkRecord[] = [];
      const subscription = store.subscribeToChainLinks((link) => void links.push(link));
      while (links.length < 1) await new Promise((r) => setTimeout(r, 10));
      await subscription.stop();
      expect(links).toEqual([{ position: 1n }]);
    } finally {
      await store.close();
      await cleanup();
    }
  });
});
