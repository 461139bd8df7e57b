import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { anEvent } from '@hub/event-store/contract';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { verifyChain } from './verify-chain.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hub-chain-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A store with 30 events in 10 streams, appended in groups; closed again. */
async function filled(chain: 'sha256' | 'sm3' = 'sha256'): Promise<string> {
  const filename = join(dir, 'events.db');
  const store = new SqliteEventStore({ filename, chain });
  for (let round = 0; round < 3; round++)
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.append(`stream-${i}`, [anEvent()])),
    );
  await store.close();
  return filename;
}

async function verify(filename: string) {
  const store = new SqliteEventStore({ filename });
  try {
    return await verifyChain(store, { pageSize: 7 });
  } finally {
    await store.close();
  }
}

/** Changes the stored bytes behind the hub's back, as an operator with file access could. */
function tamper(filename: string, sql: string, ...params: unknown[]) {
  const db = new Database(filename);
  db.prepare(sql).run(...params);
  db.close();
}

const row = (filename: string, position: number) => {
  const db = new Database(filename, { readonly: true });
  const found = db.prepare('SELECT * FROM events WHERE position = ?').get(position) as {
    event_id: string;
    stream: string;
    data: string;
    chain: string;
  };
  db.close();
  return found;
};

describe('hash chain of the embedded store', () => {
  it.each(['sha256', 'sm3'] as const)(
    'chains every record (%s) and verifies a history nobody touched',
    async (alg) => {
      const filename = await filled(alg);
      const report = await verify(filename);
      expect(report.problems).toEqual([]);
      expect(report).toMatchObject({ records: 30, unchained: 0 });
      expect(report.head).toMatchObject({ position: 30n, count: 30 });
      expect(report.head!.link.startsWith(`${alg}:`)).toBe(true);
    },
  );

  it('names the record of which one byte of data was changed', async () => {
    const filename = await filled();
    const victim = row(filename, 17);
    const altered = victim.data.replace(/"value":0\./, '"value":1.');
    expect(altered).not.toBe(victim.data);
    tamper(filename, 'UPDATE events SET data = ? WHERE position = 17', altered);
    const report = await verify(filename);
    expect(report.problems).toEqual([
      expect.objectContaining({
        kind: 'content_altered',
        position: 17n,
        stream: victim.stream,
        eventId: victim.event_id,
      }),
    ]);
  });

  it('names the gap where a record was deleted', async () => {
    const filename = await filled();
    tamper(filename, 'DELETE FROM events WHERE position = 12');
    const report = await verify(filename);
    expect(report.problems).toEqual([
      expect.objectContaining({ kind: 'records_missing', position: 13n }),
    ]);
    expect(report.problems[0]!.detail).toMatch(/positions 12 to 12 are missing/);
  });

  it('tells a rewritten link from altered content', async () => {
    const filename = await filled();
    tamper(
      filename,
      "UPDATE events SET chain = 'sha256:' || substr(chain, 9) || '00' WHERE position = 5",
    );
    const report = await verify(filename);
    expect(report.problems).toEqual([
      expect.objectContaining({ kind: 'link_altered', position: 5n }),
    ]);
  });

  it('breaks where records were removed and the rest renumbered', async () => {
    const filename = await filled();
    tamper(filename, 'DELETE FROM events WHERE position = 20');
    tamper(filename, 'UPDATE events SET position = position - 1 WHERE position > 20');
    const report = await verify(filename);
    expect(report.problems[0]).toMatchObject({ kind: 'chain_broken', position: 20n });
  });

  it('keeps one chain when two processes append to the same file in turn', async () => {
    const filename = join(dir, 'events.db');
    const a = new SqliteEventStore({ filename });
    const b = new SqliteEventStore({ filename });
    for (let i = 0; i < 10; i++) {
      await a.append(`a-${i % 3}`, [anEvent()]);
      await b.append(`b-${i % 3}`, [anEvent(), anEvent()]);
    }
    await a.close();
    await b.close();
    const report = await verify(filename);
    expect(report.problems).toEqual([]);
    expect(report.records).toBe(30);
  });

  it('chains on after a store made before the chain, counting its earlier records as unchained', async () => {
    const filename = join(dir, 'events.db');
    const db = new Database(filename);
    db.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE,
      stream TEXT NOT NULL, revision INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,
      metadata TEXT NOT NULL, recorded_at TEXT NOT NULL, UNIQUE (stream, revision));
      CREATE TABLE streams (stream TEXT PRIMARY KEY, revision INTEGER NOT NULL) WITHOUT ROWID;
      INSERT INTO events (event_id, stream, revision, type, data, metadata, recorded_at)
        VALUES ('e1', 'old', 0, 'Old', '{}', '{}', '2024-01-01T00:00:00.000Z');
      INSERT INTO streams VALUES ('old', 0);`);
    db.close();
    const store = new SqliteEventStore({ filename });
    await store.append('new', [anEvent(), anEvent()]);
    await store.close();
    const report = await verify(filename);
    expect(report).toMatchObject({ records: 3, unchained: 1, problems: [] });
  });
});
