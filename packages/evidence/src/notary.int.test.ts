import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { EventStore } from '@hub/event-store';
import { anEvent } from '@hub/event-store/contract';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { loadOrCreateHubSigningKey } from './checkpoints.js';
import { ChainNotary } from './notary.js';
import { SqliteChainCheckpointStore } from './sqlite-checkpoint-store.js';
import { verifyChain } from './verify-chain.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hub-notary-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A store that keeps no chain of its own (as KurrentDB): the notary derives the links as it
 * follows the history and signs them; the verifier derives them the same way.
 */
describe('chain notary over a store without a chain of its own', () => {
  it.each(['ed25519', 'sm2'] as const)(
    'signs checkpoints (%s) that the history matches, and a later rewrite does not',
    async (alg) => {
      const filename = join(dir, 'events.db');
      const store = new SqliteEventStore({ filename, chain: false });
      for (let i = 0; i < 25; i++) await store.append(`s-${i % 4}`, [anEvent()]);
      const checkpoints = new SqliteChainCheckpointStore(join(dir, 'evidence.db'));
      const key = loadOrCreateHubSigningKey(join(dir, 'hub-signing.key'), alg);
      const notary = new ChainNotary({
        store,
        checkpoints,
        key,
        derivedAlg: 'sm3',
        everyEvents: 10,
      });
      notary.start();
      for (let i = 0; i < 10; i++) await store.append('later', [anEvent()]);
      await new Promise((r) => setTimeout(r, 300));
      await notary.stop();
      const signed = await checkpoints.list();
      expect(signed.length).toBeGreaterThanOrEqual(2);
      expect(signed[signed.length - 1]).toMatchObject({ count: 35, position: '35' });

      const intact = await verifyChain(store, {
        checkpoints: signed,
        trustedPublicKeyPem: key.publicKeyPem,
        derivedAlg: 'sm3',
      });
      expect(intact).toMatchObject({ unchained: 35, problems: [] });
      expect(intact.checkpointsMatched).toBe(signed.length);
      await store.close();

      const db = new Database(filename);
      db.prepare('UPDATE events SET data = \'{"value":0}\' WHERE position = 3').run();
      db.close();
      const reopened = new SqliteEventStore({ filename, chain: false });
      const rewritten = await verifyChain(reopened, {
        checkpoints: signed,
        trustedPublicKeyPem: key.publicKeyPem,
        derivedAlg: 'sm3',
      });
      await reopened.close();
      await checkpoints.close();
      expect(rewritten.problems.map((p) => p.kind)).toEqual(
        signed.map(() => 'checkpoint_mismatch'),
      );
    },
  );

  it('refuses a checkpoint signed by another key than the trusted one', async () => {
    const store = new SqliteEventStore({ filename: join(dir, 'events.db') });
    await store.append('s', [anEvent()]);
    const checkpoints = new SqliteChainCheckpointStore(join(dir, 'evidence.db'));
    const stranger = loadOrCreateHubSigningKey(join(dir, 'stranger.key'), 'ed25519');
    const trusted = loadOrCreateHubSigningKey(join(dir, 'hub-signing.key'), 'ed25519');
    const forged = await new ChainNotary({
      store,
      checkpoints,
      key: stranger,
      derivedAlg: 'sha256',
    }).catchUpAndSign();
    const report = await verifyChain(store, {
      checkpoints: [forged!],
      trustedPublicKeyPem: trusted.publicKeyPem,
    });
    await store.close();
    await checkpoints.close();
    expect(report.problems.map((p) => p.kind)).toEqual(['checkpoint_invalid']);
  });
});

describe('chain notary over a store that keeps its chain', () => {
  it('follows positions and links alone and signs the head that following whole events signs', async () => {
    const store = new SqliteEventStore({ filename: join(dir, 'events.db') });
    for (let i = 0; i < 25; i++) await store.append(`s-${i % 4}`, [anEvent(), anEvent()]);
    const key = loadOrCreateHubSigningKey(join(dir, 'hub-signing.key'), 'ed25519');
    let linksRead = 0;
    // The same store with its narrow read counted, and without it: the notary then reads whole
    // events (the positive control for what the narrow read must give).
    const counted: EventStore = {
      ...bound(store),
      subscribeToChainLinks: (handler, options) =>
        store.subscribeToChainLinks((link) => {
          linksRead += 1;
          return handler(link);
        }, options),
    };
    const { subscribeToChainLinks: _, ...whole } = counted;
    const followers = [counted, whole].map((follow, i) => {
      const checkpoints = new SqliteChainCheckpointStore(join(dir, `evidence-${i}.db`));
      const notary = new ChainNotary({ store: follow, checkpoints, key, derivedAlg: 'sha256' });
      notary.start();
      return { notary, checkpoints };
    });
    await store.append('later', [anEvent()]);
    await new Promise((r) => setTimeout(r, 300));
    const heads = [];
    for (const { notary, checkpoints } of followers) {
      await notary.stop();
      const last = (await checkpoints.list()).at(-1)!;
      const report = await verifyChain(store, {
        checkpoints: [last],
        trustedPublicKeyPem: key.publicKeyPem,
      });
      expect(report).toMatchObject({ problems: [], checkpointsMatched: 1 });
      heads.push({ position: last.position, count: last.count, head: last.head });
      await checkpoints.close();
    }
    await store.close();
    expect(linksRead).toBe(51);
    expect(heads[0]).toMatchObject({ position: '51', count: 51 });
    expect(heads[0]).toEqual(heads[1]);
  });
});

/** The store's methods bound to it, as a plain object a test can change. */
function bound(store: SqliteEventStore): EventStore {
  return {
    append: (...a) => store.append(...a),
    appendMany: (...a) => store.appendMany(...a),
    readStream: (...a) => store.readStream(...a),
    readAll: (...a) => store.readAll(...a),
    subscribeToAll: (...a) => store.subscribeToAll(...a),
    headPosition: () => store.headPosition(),
    close: () => store.close(),
  };
}
