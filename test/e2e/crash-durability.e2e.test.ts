import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { inspection } from '@hub/domain/testing';
import { hubCli, startHubProcess, tempDataDir } from '../support/hub-process';

describe('embedded store under kill -9', () => {
  it('keeps every acknowledged event exactly once and nothing half-written', async () => {
    const dataDir = tempDataDir();
    try {
      const token = hubCli(['token', 'create', '--agency', 'emergency', '--units', '310000'], {
        HUB_DATA_DIR: dataDir,
      })
        .stdout.trim()
        .split('\n')
        .pop()!;
      const hub = await startHubProcess({ HUB_DATA_DIR: dataDir });
      const acknowledged = new Set<string>();
      const sent = new Set<string>();
      let stop = false;
      const writer = async (w: number) => {
        for (let i = 0; !stop; i++) {
          const events = Array.from({ length: 5 }, (_, k) => inspection(`W${w}-${i}-${k}`));
          events.forEach((e) => sent.add(e.id));
          try {
            const res = await fetch(`${hub.url}/v1/events`, {
              method: 'POST',
              headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
              body: JSON.stringify({ events }),
            });
            if (res.status === 201) events.forEach((e) => acknowledged.add(e.id));
          } catch {
            return; // the process is gone
          }
        }
      };
      const writers = Array.from({ length: 4 }, (_, w) => writer(w));
      await new Promise((r) => setTimeout(r, 1500));
      hub.child.kill('SIGKILL');
      stop = true;
      await Promise.all(writers);
      expect(acknowledged.size).toBeGreaterThan(50);

      const store = new SqliteEventStore({ filename: join(dataDir, 'events.db') });
      const stored = await store.readAll({ maxCount: 1_000_000 });
      await store.close();
      const ids = stored.map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of acknowledged) expect(ids).toContain(id);
      for (const id of ids) expect(sent.has(id)).toBe(true);
      // Batches are atomic: a batch of 5 is either all there or absent.
      const perBatch = new Map<string, number>();
      for (const e of stored) {
        const batch = (e.data as { inspectionId: string }).inspectionId.replace(/-\d+$/, '');
        perBatch.set(batch, (perBatch.get(batch) ?? 0) + 1);
      }
      expect([...perBatch.values()].every((n) => n === 5)).toBe(true);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 30_000);
});
