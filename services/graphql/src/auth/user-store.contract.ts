import type { UserRecord, UserStore } from './user-store.js';

/** What a user store holds to, whatever keeps it: one suite every adapter passes. */
export interface UserStoreFixture {
  /** A fresh, empty store. */
  open(): Promise<UserStore>;
  /** Another handle on the store open() made last, as a second process would hold. */
  reopen(): Promise<UserStore>;
}

const user = (id: string, createdAt: string, extra: Partial<UserRecord> = {}): UserRecord => ({
  id,
  name: `用户${id}`,
  role: 'analyst',
  agency: null,
  units: ['310000', '320000'],
  createdAt,
  revokedAt: null,
  ...extra,
});

export function userStoreContract(fixture: UserStoreFixture): void {
  let stores: UserStore[] = [];
  const track = (store: UserStore) => (stores.push(store), store);
  afterEach(async () => {
    for (const s of stores) await s.close();
    stores = [];
  });

  it('finds a user it keeps and lists users oldest first', async () => {
    const store = track(await fixture.open());
    const later = user('b', '2026-12-01T08:00:01.000Z', {
      role: 'agency_officer',
      agency: 'police',
    });
    const earlier = user('a', '2026-12-01T08:00:00.000Z');
    await store.insert(later);
    await store.insert(earlier);
    expect(await store.find('b')).toEqual(later);
    expect(await store.list()).toEqual([earlier, later]);
    // Negative: an id it never kept finds no one.
    expect(await store.find('c')).toBeUndefined();
  });

  it('refuses a second user with the same id', async () => {
    const store = track(await fixture.open());
    await store.insert(user('a', '2026-12-01T08:00:00.000Z'));
    // By message, not by class: better-sqlite3's errors may come from another jest realm.
    await expect(store.insert(user('a', '2026-12-01T08:00:01.000Z'))).rejects.toHaveProperty(
      'message',
      expect.stringMatching(/unique/i),
    );
    expect(await store.list()).toHaveLength(1);
  });

  it('changes a live user, and no revoked or unknown one', async () => {
    const store = track(await fixture.open());
    await store.insert(user('a', '2026-12-01T08:00:00.000Z'));
    await store.insert(user('b', '2026-12-01T08:00:01.000Z'));
    const change = { role: 'agency_officer', agency: 'market', units: ['440000'] };
    expect(await store.update('a', change)).toBe(true);
    expect(await store.find('a')).toMatchObject(change);
    expect(await store.revoke('b', '2026-12-01T09:00:00.000Z')).toBe(true);
    expect(await store.update('b', change)).toBe(false);
    expect(await store.find('b')).toMatchObject({ role: 'analyst', units: ['310000', '320000'] });
    expect(await store.update('nobody', change)).toBe(false);
  });

  it('revokes once, and a revocation is seen through another handle at once', async () => {
    const store = track(await fixture.open());
    await store.insert(user('a', '2026-12-01T08:00:00.000Z'));
    const other = track(await fixture.reopen());
    // Positive control: the other handle sees the live user first.
    expect(await other.find('a')).toMatchObject({ revokedAt: null });
    expect(await store.revoke('a', '2026-12-01T09:00:00.000Z')).toBe(true);
    expect(await other.find('a')).toMatchObject({ revokedAt: '2026-12-01T09:00:00.000Z' });
    expect(await other.revoke('a', '2026-12-01T10:00:00.000Z')).toBe(false);
    expect(await store.revoke('nobody', '2026-12-01T10:00:00.000Z')).toBe(false);
  });

  it('keeps users across a reopen', async () => {
    const store = await fixture.open();
    await store.insert(user('a', '2026-12-01T08:00:00.000Z'));
    await store.close();
    const reopened = track(await fixture.reopen());
    expect((await reopened.list()).map((u) => u.id)).toEqual(['a']);
  });
}
