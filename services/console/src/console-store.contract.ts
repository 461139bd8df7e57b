import { SESSION_IDLE_MS, SESSION_MAX_MS, type ConsoleStore } from './console-store.js';

/** What a console store holds to, whatever keeps it: one suite every adapter passes. */
export interface ConsoleStoreFixture {
  /** A fresh, empty store whose clock is now(). */
  open(now: () => number): Promise<ConsoleStore>;
  /** Another handle on the store open() made last, as a second process would hold. */
  reopen(now: () => number): Promise<ConsoleStore>;
}

export function consoleStoreContract(fixture: ConsoleStoreFixture): void {
  let now: number;
  const clock = () => now;
  let stores: ConsoleStore[] = [];
  const open = async () => (stores.push(await fixture.open(clock)), stores.at(-1)!);
  const reopen = async () => (stores.push(await fixture.reopen(clock)), stores.at(-1)!);
  beforeEach(() => (now = Date.parse('2026-01-01T00:00:00Z')));
  afterEach(async () => {
    for (const s of stores) await s.close();
    stores = [];
  });

  it('a sign-in link signs its user in once, and never after it expires', async () => {
    const store = await open();
    const link = await store.createLink('u-1');
    expect(await store.redeemLink(link)).toBe('u-1');
    expect(await store.redeemLink(link)).toBeUndefined();
    const late = await store.createLink('u-1', 1000);
    now += 1001;
    expect(await store.redeemLink(late)).toBeUndefined();
    expect(await store.redeemLink('not-a-link')).toBeUndefined();
  });

  it('a session lives while used, ends after the idle time or the maximum, and on sign-out', async () => {
    const store = await open();
    const { id, csrf } = await store.createSession('u-1');
    expect(await store.session(id)).toMatchObject({ userId: 'u-1', csrf });
    now += SESSION_IDLE_MS - 1000;
    expect((await store.session(id))?.userId).toBe('u-1');
    now += SESSION_IDLE_MS + 1;
    expect(await store.session(id)).toBeUndefined();

    const kept = await store.createSession('u-1');
    for (let t = 0; t < SESSION_MAX_MS; t += SESSION_IDLE_MS / 2) {
      now += SESSION_IDLE_MS / 2;
      if (t + SESSION_IDLE_MS / 2 < SESSION_MAX_MS)
        expect(await store.session(kept.id)).toBeDefined();
    }
    now += SESSION_IDLE_MS / 2;
    expect(await store.session(kept.id)).toBeUndefined();

    const out = await store.createSession('u-2');
    expect(await store.endSession(out.id)).toBe('u-2');
    expect(await store.session(out.id)).toBeUndefined();
  });

  it('a user name belongs to one user; a reset drops the password, links and sessions', async () => {
    const store = await open();
    expect(await store.setAccount('u-1', 'analyst1', 'hash-1')).toBe(true);
    expect(await store.setAccount('u-2', 'ANALYST1', null)).toBe(false);
    // A name given again without a password keeps the password set before.
    expect(await store.setAccount('u-1', 'Analyst1', null)).toBe(true);
    expect(await store.account('u-1')).toEqual({ login: 'Analyst1', passwordHash: 'hash-1' });
    const s = await store.createSession('u-1');
    const other = await store.createSession('u-2');
    const link = await store.createLink('u-1');
    await store.resetSignIn('u-1');
    expect(await store.byLogin('analyst1')).toEqual({ userId: 'u-1', passwordHash: null });
    expect(await store.session(s.id)).toBeUndefined();
    expect(await store.redeemLink(link)).toBeUndefined();
    // Positive control: another user's session is untouched.
    expect((await store.session(other.id))?.userId).toBe('u-2');
  });

  it('ends every session of a user but the one kept', async () => {
    const store = await open();
    const [kept, gone] = [await store.createSession('u-1'), await store.createSession('u-1')];
    await store.endOtherSessionsOf('u-1', kept.id);
    expect((await store.session(kept.id))?.userId).toBe('u-1');
    expect(await store.session(gone.id)).toBeUndefined();
    await store.endSessionsOf('u-1');
    expect(await store.session(kept.id)).toBeUndefined();
  });

  it('a link, account and session made through one handle hold through another at once', async () => {
    const a = await open();
    const b = await reopen();
    await a.setAccount('u-1', 'analyst1', 'hash-1');
    expect(await b.byLogin('analyst1')).toEqual({ userId: 'u-1', passwordHash: 'hash-1' });
    const link = await a.createLink('u-1');
    expect(await b.redeemLink(link)).toBe('u-1');
    expect(await a.redeemLink(link)).toBeUndefined();
    const s = await a.createSession('u-1');
    expect((await b.session(s.id))?.userId).toBe('u-1');
    expect(await b.endSession(s.id)).toBe('u-1');
    expect(await a.session(s.id)).toBeUndefined();
  });
}
