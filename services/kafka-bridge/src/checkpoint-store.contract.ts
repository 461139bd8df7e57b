import type { CheckpointStore } from './checkpoints.js';

/** What an egress checkpoint store holds to, whatever keeps it: one suite every adapter passes. */
export interface CheckpointStoreFixture {
  /** A fresh, empty store. */
  open(): Promise<CheckpointStore>;
  /** Another handle on the store open() made last, as another process (or a restart) holds. */
  reopen(): Promise<CheckpointStore>;
}

export function checkpointStoreContract(fixture: CheckpointStoreFixture): void {
  let stores: CheckpointStore[] = [];
  const track = (store: CheckpointStore) => (stores.push(store), store);
  afterEach(async () => {
    for (const s of stores) await s.close();
    stores = [];
  });

  it('knows no checkpoint at first', async () => {
    const store = track(await fixture.open());
    expect(await store.load('egress')).toBeUndefined();
  });

  it('keeps the last position saved under each name, past 2^53, for the next process', async () => {
    const first = track(await fixture.open());
    const big = 2n ** 60n + 7n;
    await first.save('egress', 5n);
    await first.save('egress', big);
    await first.save('other', 3n);
    const second = track(await fixture.reopen());
    expect(await second.load('egress')).toBe(big);
    expect(await second.load('other')).toBe(3n);
    // Saved through the second handle, seen through the first.
    await second.save('egress', big + 1n);
    expect(await first.load('egress')).toBe(big + 1n);
    expect(await first.load('never saved')).toBeUndefined();
  });

  it('saves the same position twice as once', async () => {
    const store = track(await fixture.open());
    await store.save('egress', 9n);
    await store.save('egress', 9n);
    expect(await store.load('egress')).toBe(9n);
  });

  it('never moves back: a replaced bridge saving late leaves the newer position', async () => {
    const active = track(await fixture.open());
    const replaced = track(await fixture.reopen());
    const beyond64 = 2n ** 64n + 3n;
    await active.save('egress', 120n);
    await replaced.save('egress', 100n);
    expect(await active.load('egress')).toBe(120n);
    // Compared as numbers, not text: "99" sorts after "120" as text.
    await replaced.save('egress', 99n);
    expect(await active.load('egress')).toBe(120n);
    // Control: forward saves go through, past 64 bits too (KurrentDB positions).
    await active.save('egress', 121n);
    expect(await replaced.load('egress')).toBe(121n);
    await active.save('egress', beyond64);
    await replaced.save('egress', 2n ** 63n);
    expect(await active.load('egress')).toBe(beyond64);
  });
}
