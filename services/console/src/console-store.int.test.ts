import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleStore, SESSION_IDLE_MS, SESSION_MAX_MS } from './console-store.js';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.js';

describe('console sign-in state', () => {
  let dir: string;
  let now: number;
  let store: ConsoleStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'console-store-'));
    now = Date.parse('2026-01-01T00:00:00Z');
    store = new ConsoleStore(join(dir, 'hub.db'), () => now);
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a sign-in link signs its user in once, and never after it expires', () => {
    const link = store.createLink('u-1');
    expect(store.redeemLink(link)).toBe('u-1');
    expect(store.redeemLink(link)).toBeUndefined();
    const late = store.createLink('u-1', 1000);
    now += 1001;
    expect(store.redeemLink(late)).toBeUndefined();
    expect(store.redeemLink('not-a-link')).toBeUndefined();
  });

  it('a session lives while used, ends after the idle time or the maximum, and on sign-out', () => {
    const { id, csrf } = store.createSession('u-1');
    expect(store.session(id)).toMatchObject({ userId: 'u-1', csrf });
    now += SESSION_IDLE_MS - 1000;
    expect(store.session(id)?.userId).toBe('u-1');
    now += SESSION_IDLE_MS + 1;
    expect(store.session(id)).toBeUndefined();

    const kept = store.createSession('u-1');
    for (let t = 0; t < SESSION_MAX_MS; t += SESSION_IDLE_MS / 2) {
      now += SESSION_IDLE_MS / 2;
      if (t + SESSION_IDLE_MS / 2 < SESSION_MAX_MS) expect(store.session(kept.id)).toBeDefined();
    }
    now += SESSION_IDLE_MS / 2;
    expect(store.session(kept.id)).toBeUndefined();

    const out = store.createSession('u-2');
    expect(store.endSession(out.id)).toBe('u-2');
    expect(store.session(out.id)).toBeUndefined();
  });

  it('a user name belongs to one user; a reset drops the password, links and sessions', async () => {
    expect(store.setAccount('u-1', 'analyst1', await hashPassword('long enough password'))).toBe(
      true,
    );
    expect(store.setAccount('u-2', 'ANALYST1', null)).toBe(false);
    const s = store.createSession('u-1');
    const link = store.createLink('u-1');
    store.resetSignIn('u-1');
    expect(store.byLogin('analyst1')).toEqual({ userId: 'u-1', passwordHash: null });
    expect(store.session(s.id)).toBeUndefined();
    expect(store.redeemLink(link)).toBeUndefined();
  });
});

describe('passwords', () => {
  it('are kept as salted scrypt hashes that verify only the same password', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('correct');
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
  });

  it('must be at least 10 characters', () => {
    expect(passwordProblem('short')).toMatch(/至少 10 个字符/);
    expect(passwordProblem('long enough')).toBeUndefined();
  });
});
