import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { ProjectionRunner, SqliteReadModelStore } from '@hub/read-models';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { demoCommand } from '../cli/commands.js';
import { loadConfig, type HubConfig } from '../config.js';
import { hubProjections, openVault } from '../read-side.js';
import { ProjectionThread } from './projection-thread.js';
import type { CommittedChanges } from './messages.js';

/** Blocks this thread (no timer, no message runs) for `ms`. */
const block = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Blocks this thread in slices of 200 ms for up to `seconds`, checking between slices (with
 * synchronous reads: no promise, timer or message of this thread runs) whether every
 * projection has applied every event.
 */
function caughtUpWhileBlocked(config: HubConfig, seconds = 20): boolean {
  const events = new Database(join(config.dataDir, 'events.db'), { readonly: true });
  const readModels = new Database(join(config.dataDir, 'hub.db'), { readonly: true });
  try {
    const head = events.prepare('SELECT MAX(position) FROM events').pluck().get() as number;
    const applied = () => {
      try {
        return readModels
          .prepare('SELECT count(*) FROM rm_checkpoints WHERE CAST(position AS INTEGER) = ?')
          .pluck()
          .get(head);
      } catch (error) {
        // The read models' tables are made when their first connection opens.
        if (/no such table/.test((error as Error).message)) return 0;
        throw error;
      }
    };
    for (let slice = 0; slice < seconds * 5; slice++) {
      block(200);
      if (applied() === 8) return true;
    }
    return false;
  } finally {
    readModels.close();
    events.close();
  }
}

describe('the projection thread', () => {
  let dir: string;
  let config: HubConfig;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hub-projection-thread-'));
    config = loadConfig({ HUB_DATA_DIR: dir }, dir);
    await demoCommand(config, () => undefined);
  }, 30_000);
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('projects while the request thread is busy, logs through its logger, tells of each commit', async () => {
    const records: Array<Record<string, unknown>> = [];
    const logger = pino(
      { level: 'debug' },
      { write: (line: string) => void records.push(JSON.parse(line) as Record<string, unknown>) },
    ).child({ component: 'projections' });
    const changes: CommittedChanges[number][] = [];
    const thread = new ProjectionThread({
      config,
      logger,
      onCommitted: (committed) => void changes.push(...committed),
    });
    thread.start();
    try {
      expect(caughtUpWhileBlocked(config)).toBe(true);
    } finally {
      await thread.stop();
    }
    // What the thread logged and committed reached this thread once it was free again.
    const caughtUp = records.filter((r) => r.msg === 'projections caught up');
    expect(caughtUp.length).toBeGreaterThan(0);
    expect(caughtUp.every((r) => r.component === 'projections' && r.level === 20)).toBe(true);
    expect(caughtUp.reduce((sum, r) => sum + (r.events as number), 0)).toBe(401);
    expect(changes.find((c) => c.projection === 'clue-ledger')?.keys.length).toBeGreaterThan(0);
  }, 40_000);

  it('(control) a runner on this thread does not project while it is busy', async () => {
    const store = new SqliteEventStore({ filename: join(dir, 'events.db') });
    const readModels = new SqliteReadModelStore(join(dir, 'hub.db'), { writerThread: true });
    const vault = await openVault(config);
    const runner = new ProjectionRunner({ store, readModels, projections: hubProjections(vault) });
    runner.start();
    try {
      // Five seconds: more than twice what the thread takes for the same work (about 2 s).
      expect(caughtUpWhileBlocked(config, 5)).toBe(false);
    } finally {
      await runner.stop();
      await readModels.close();
      await store.close();
      await vault.close();
    }
  }, 20_000);

  it('stops at once when asked before its stores are open, and starts again', async () => {
    const thread = new ProjectionThread({
      config,
      logger: pino({ level: 'silent' }),
      onCommitted: () => undefined,
    });
    thread.start();
    await thread.stop();
    // Stopped before its first pass: nothing was projected.
    expect(caughtUpWhileBlocked(config, 1)).toBe(false);
    thread.start();
    try {
      expect(caughtUpWhileBlocked(config)).toBe(true);
    } finally {
      await thread.stop();
    }
  }, 40_000);

  it('logs why it could not run and starts again, until stopped', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'hub-projection-thread-broken-'));
    // The read models cannot open: their file's name is taken by a directory.
    mkdirSync(join(broken, 'hub.db'));
    const records: Array<Record<string, unknown>> = [];
    const thread = new ProjectionThread({
      config: loadConfig({ HUB_DATA_DIR: broken }, broken),
      logger: pino(
        { level: 'info' },
        { write: (line: string) => void records.push(JSON.parse(line) as Record<string, unknown>) },
      ),
      onCommitted: () => undefined,
    });
    thread.start();
    try {
      const started = Date.now();
      const failures = () => records.filter((r) => r.msg === 'the projection thread could not run');
      // The first failure, its restart 1 s later, and the second.
      while (failures().length < 2 && Date.now() - started < 20_000)
        await new Promise((r) => setTimeout(r, 50));
      expect(failures().length).toBeGreaterThanOrEqual(2);
      const err = failures()[0]!.err as { message: string; stack: string };
      expect(err.message).toMatch(/unable to open database file|directory/i);
      expect(err.stack).toContain('projection-worker');
      expect(records.find((r) => r.msg === 'starting the projection thread again')).toMatchObject({
        failures: 1,
        restartInMs: 1000,
      });
      // Its error as the thread saw it, with its code.
      expect(failures()[0]!.err).toMatchObject({ code: expect.stringMatching(/^SQLITE_/) });
    } finally {
      await thread.stop();
      rmSync(broken, { recursive: true, force: true });
    }
    // Stopped: no restart is left waiting.
    const logged = records.length;
    await new Promise((r) => setTimeout(r, 2_500));
    expect(records.length).toBe(logged);
  }, 40_000);
});
