import { generateSigningKeyPair } from '@hub/crypto';
import {
  checkpointProblem,
  parseHubSigningKey,
  signCheckpoint,
  type CheckpointStore,
} from './checkpoints.js';

/** What a checkpoint store holds to, whatever keeps it: one suite every adapter passes. */
export interface CheckpointStoreFixture {
  /** A fresh, empty store. */
  open(): Promise<CheckpointStore>;
  /** Another handle on the store open() made last, as another process would hold. */
  reopen(): Promise<CheckpointStore>;
}

const pair = generateSigningKeyPair('ed25519');
const key = parseHubSigningKey(pair.privateKeyPem + pair.publicKeyPem, 'test key');
const at = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, n));
const signedAt = (count: number, second = count) =>
  signCheckpoint(
    key,
    { position: BigInt(count * 2), count, link: `sha256:${'ab'.repeat(32)}` },
    at(second),
  );

export function checkpointStoreContract(fixture: CheckpointStoreFixture): void {
  let stores: CheckpointStore[] = [];
  const track = (store: CheckpointStore) => (stores.push(store), store);
  afterEach(async () => {
    for (const s of stores) await s.close();
    stores = [];
  });

  it('is empty at first: no checkpoint, nothing listed', async () => {
    const store = track(await fixture.open());
    expect(await store.latest()).toBeUndefined();
    expect(await store.list()).toEqual([]);
  });

  it('lists checkpoints by count then signing time, the latest furthest along, each exactly as signed', async () => {
    const store = track(await fixture.open());
    const ten = signedAt(10);
    const thirty = signedAt(30);
    const twentyLater = signedAt(20, 40);
    const twenty = signedAt(20, 25);
    for (const c of [thirty, ten, twentyLater, twenty]) await store.save(c);
    expect(await store.list()).toEqual([ten, twenty, twentyLater, thirty]);
    expect(await store.latest()).toEqual(thirty);
    // The stored document still verifies against the key that signed it …
    expect(checkpointProblem((await store.latest())!, key.publicKeyPem)).toBeUndefined();
    // … and the check is not vacuous: a count changed after signing does not.
    expect(checkpointProblem({ ...thirty, count: 31 }, key.publicKeyPem)).toMatch(/签名无效/);
  });

  it('keeps the same checkpoint saved twice once, and another handle sees what one saved', async () => {
    const first = track(await fixture.open());
    const second = track(await fixture.reopen());
    const c = signedAt(5);
    await first.save(c);
    await second.save(c);
    expect(await first.list()).toEqual([c]);
    const later = signedAt(6);
    await second.save(later);
    expect(await first.latest()).toEqual(later);
  });
}
