import type { CredentialStore } from './credential-store.js';

/** What a credential store holds to, whatever keeps it: one suite every adapter passes. */
export interface CredentialStoreFixture {
  /** A fresh, empty store. */
  open(): Promise<CredentialStore>;
  /** Another handle on the store open() made last, as a second process would hold. */
  reopen(): Promise<CredentialStore>;
}

export function credentialStoreContract(fixture: CredentialStoreFixture): void {
  let stores: CredentialStore[] = [];
  const track = (store: CredentialStore) => (stores.push(store), store);
  afterEach(async () => {
    for (const s of stores) await s.close();
    stores = [];
  });

  it('verifies a token it made, keeps only its hash, and lists the credential', async () => {
    const store = track(await fixture.open());
    const { token, credential } = await store.create('police', '公安系统', ['310000', '320000']);
    expect(token).toMatch(/^hub_police_[A-Za-z0-9_-]{43}$/);
    expect(await store.verify(token)).toEqual(credential);
    expect(credential).toMatchObject({ agency: 'police', units: ['310000', '320000'] });
    expect(await store.list()).toEqual([credential]);
    // Negative: a token that differs in one character is not the credential's.
    const other = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    expect(await store.verify(other)).toBeUndefined();
  });

  it('accepts a token made through another handle, and a revocation holds on both at once', async () => {
    const first = track(await fixture.open());
    const second = track(await fixture.reopen());
    const kept = await first.create('emergency', '应急系统', ['000000']);
    const revoked = await first.create('market', '市场监管系统', ['310000']);
    expect(await second.verify(kept.token)).toEqual(kept.credential);
    expect(await second.verify(revoked.token)).toEqual(revoked.credential);
    expect(await second.revoke(revoked.credential.tokenId)).toBe(true);
    expect(await first.verify(revoked.token)).toBeUndefined();
    expect(await first.verify(kept.token)).toEqual(kept.credential);
    // Revoking twice changes nothing the second time; an unknown id is not found.
    expect(await first.revoke(revoked.credential.tokenId)).toBe(false);
    expect(await first.revoke('000000000000')).toBe(false);
    const listed = await first.list();
    expect(listed.map((c) => c.tokenId).sort()).toEqual(
      [kept.credential.tokenId, revoked.credential.tokenId].sort(),
    );
    expect(listed.find((c) => c.tokenId === revoked.credential.tokenId)?.revokedAt).toEqual(
      expect.any(String),
    );
  });

  it('refuses a credential without units', async () => {
    const store = track(await fixture.open());
    await expect(store.create('court', '法院系统', [])).rejects.toThrow(/at least one unit/);
    expect(await store.list()).toEqual([]);
  });
}
