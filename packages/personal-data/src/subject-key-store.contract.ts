import { randomBytes } from 'node:crypto';
import { parseSealedRef } from '@hub/domain';
import { residentIdFor } from '@hub/domain/testing';
import {
  SubjectKeyDestroyedError,
  SubjectKeysChangedError,
  type SubjectKeyStore,
} from './subject-keys.js';
import { PersonalDataVault, type VaultKey } from './vault.js';

/** What a subject-key store holds to, whatever keeps it: one suite every adapter passes. */
export interface SubjectKeyStoreFixture {
  /** A fresh, empty store wrapping under these master keys. */
  open(masters: { current: VaultKey; previous: VaultKey[] }): Promise<SubjectKeyStore>;
  /**
   * Another store on the storage open() made last, as another process holds it; absent where
   * a store is one process's alone (memory).
   */
  reopen?(masters: { current: VaultKey; previous: VaultKey[] }): Promise<SubjectKeyStore>;
}

const A = residentIdFor('19800101', 1);
const B = residentIdFor('19800101', 2);
const keyOf = (sealed: string) => parseSealedRef(sealed)!.keyId;

export function subjectKeyStoreContract(fixture: SubjectKeyStoreFixture): void {
  const master = { id: 'k1', secret: randomBytes(32) };
  let vaults: PersonalDataVault[] = [];
  afterEach(async () => {
    for (const v of vaults) await v.close();
    vaults = [];
  });
  const vaultOn = (store: SubjectKeyStore, current = master, previous: VaultKey[] = []) => {
    const vault = new PersonalDataVault(current, previous, { subjectKeys: store });
    vaults.push(vault);
    return vault;
  };
  const open = async (current = master, previous: VaultKey[] = []) =>
    vaultOn(await fixture.open({ current, previous }), current, previous);

  it('seals a person under one key, the same bytes each time, and opens what was committed', async () => {
    const vault = await open();
    const sealed = vault.sealIdNumber(A);
    expect(vault.sealIdNumber(A)).toBe(sealed);
    expect(sealed).not.toContain(A);
    // Another person has a key of their own.
    const other = vault.sealIdNumber(B);
    expect(keyOf(other)).not.toBe(keyOf(sealed));
    const events = [{ data: { holder: { idNumber: sealed } } }, { data: { idNumber: other } }];
    expect(await vault.commitKeys(events)).toBe(events);
    expect(await vault.unseal(sealed)).toBe(A);
    expect(await vault.unseal(other)).toBe(B);
  });

  it('destroys every key of a person: nothing sealed under them opens, other people still do', async () => {
    const vault = await open();
    const a = vault.sealIdNumber(A);
    const b = vault.sealIdNumber(B);
    await vault.commitKeys([a, b]);
    expect(await vault.forget(vault.matchKey(A), '保存期限届满')).toBe(1);
    await expect(vault.unseal(a)).rejects.toBeInstanceOf(SubjectKeyDestroyedError);
    expect(await vault.unseal(b)).toBe(B);
    // Gone already: nothing more to destroy.
    expect(await vault.forget(vault.matchKey(A), '再次')).toBe(0);
    // Recorded again later, the person gets a new key, which opens.
    const again = vault.sealIdNumber(A);
    expect(keyOf(again)).not.toBe(keyOf(a));
    await vault.commitKeys([again]);
    expect(await vault.unseal(again)).toBe(A);
  });

  it('refuses a commit of values sealed under a key destroyed meanwhile, once, and not others', async () => {
    const vault = await open();
    await vault.commitKeys([vault.sealIdNumber(A), vault.sealIdNumber(B)]);
    const stale = vault.sealIdNumber(A);
    await vault.forget(vault.matchKey(A), '保存期限届满');
    // Positive control: a batch sealing only B goes through.
    await expect(vault.commitKeys([vault.sealIdNumber(B)])).resolves.toBeDefined();
    await expect(vault.commitKeys([stale])).rejects.toBeInstanceOf(SubjectKeysChangedError);
    // Sealed again, the request goes through under a new key.
    const fresh = vault.sealIdNumber(A);
    expect(keyOf(fresh)).not.toBe(keyOf(stale));
    await vault.commitKeys([fresh]);
    expect(await vault.unseal(fresh)).toBe(A);
  });

  it('refuses a commit of values sealed under a key made here and destroyed before it was ever stored', async () => {
    const vault = await open();
    const unstored = vault.sealIdNumber(A);
    const kept = vault.sealIdNumber(B);
    await vault.forget(vault.matchKey(A), '保存期限届满');
    // The events must not go on record under a key that no store holds.
    await expect(vault.commitKeys([unstored, kept])).rejects.toBeInstanceOf(
      SubjectKeysChangedError,
    );
    // Positive control: B's value alone commits and opens.
    await vault.commitKeys([kept]);
    expect(await vault.unseal(kept)).toBe(B);
  });

  it('does not ask about a reference passed through as it came (a key it never handed out)', async () => {
    const vault = await open();
    const elsewhere = await open({ id: 'k1', secret: randomBytes(32) });
    const foreign = elsewhere.sealIdNumber(A);
    await expect(vault.commitKeys({ copied: foreign })).resolves.toEqual({ copied: foreign });
  });

  it('fixes the master key of match keys at first use: a rotation keeps them, and opens old keys', async () => {
    const first = await fixture.open({ current: master, previous: [] });
    expect(first.matchKeyId('k1')).toBe('k1');
    expect(first.matchKeyId('k2')).toBe('k1');
    const vault = vaultOn(first);
    const before = vault.matchKey(A);
    const sealed = vault.sealIdNumber(A);
    await vault.commitKeys([sealed]);
    if (!fixture.reopen) return;
    const k2 = { id: 'k2', secret: randomBytes(32) };
    const rotated = vaultOn(await fixture.reopen({ current: k2, previous: [master] }), k2, [
      master,
    ]);
    expect(rotated.matchKey(A)).toBe(before);
    expect(await rotated.unseal(sealed)).toBe(A);
  });

  (fixture.reopen ? describe : describe.skip)(
    `retiring an old master key (rewrap)${fixture.reopen ? '' : ' (skipped: keys in memory are not wrapped)'}`,
    () => {
      const k2 = { id: 'k2', secret: randomBytes(32) };
      const C = residentIdFor('19800101', 3);
      const reopened = async (current: VaultKey, previous: VaultKey[], suite?: 'national') => {
        const vault = new PersonalDataVault(current, previous, {
          subjectKeys: await fixture.reopen!({ current, previous }),
          suite,
        });
        vaults.push(vault);
        return vault;
      };
      /** A store with A and B live under k1 and C destroyed; the values sealed then. */
      const sealedUnderK1 = async () => {
        const vault = await open();
        const sealed = [A, B, C].map((id) => vault.sealIdNumber(id));
        const cert = vault.sealCertificateNumber('special_operations', `T${A}`);
        await vault.commitKeys([...sealed, cert]);
        await vault.forget(vault.matchKey(C), '保存期限届满');
        return { vault, sealed, cert };
      };

      it('moves every live key to the current master key; destroyed keys stay destroyed; a rerun changes nothing', async () => {
        const { sealed } = await sealedUnderK1();
        const rotated = await reopened(k2, [master]);
        const first = await rotated.rewrap({ batchSize: 1 });
        expect(first).toEqual({ current: 'k2', rewrapped: 2, changedMeanwhile: 0, remaining: {} });
        const again = await rotated.rewrap();
        expect(again).toEqual({ current: 'k2', rewrapped: 0, changedMeanwhile: 0, remaining: {} });
        const retired = await reopened(k2, []);
        expect(await retired.unseal(sealed[0]!)).toBe(A);
        expect(await retired.unseal(sealed[1]!)).toBe(B);
        await expect(retired.unseal(sealed[2]!)).rejects.toBeInstanceOf(SubjectKeyDestroyedError);
      });

      it('leaves a key destroyed between its batch being read and written destroyed', async () => {
        const { sealed } = await sealedUnderK1();
        const rotated = await reopened(k2, [master]);
        const other = await reopened(k2, [master]);
        let raced = false;
        const report = await rotated.rewrap({
          batchSize: 10,
          betweenReadAndWrite: async (ids) => {
            if (raced) return;
            raced = true;
            // Positive control of the race: A's key is in the batch read, live, when it goes.
            expect(ids).toContain(keyOf(sealed[0]!));
            expect(await other.forget(other.matchKey(A), '保存期限届满')).toBe(1);
          },
        });
        expect(report).toMatchObject({ rewrapped: 1, changedMeanwhile: 1, remaining: {} });
        const retired = await reopened(k2, []);
        await expect(retired.unseal(sealed[0]!)).rejects.toBeInstanceOf(SubjectKeyDestroyedError);
        await expect(rotated.unseal(sealed[0]!)).rejects.toBeInstanceOf(SubjectKeyDestroyedError);
        expect(await retired.unseal(sealed[1]!)).toBe(B);
      });

      it('after a rewrap, a vault without the old master key opens what was sealed before, with the same match keys', async () => {
        const { vault, sealed, cert } = await sealedUnderK1();
        const before = vault.matchKey(A);
        const national = await reopened(master, [], 'national');
        const beforeSm3 = national.matchKey(A);
        // Positive control: without k1, before the rewrap, the vault refuses to start.
        const early = await fixture.reopen!({ current: k2, previous: [] });
        expect(() => new PersonalDataVault(k2, [], { subjectKeys: early })).toThrow(
          /match keys come from personal-data key "k1", which is not configured/,
        );
        await early.close();
        await (await reopened(k2, [master])).rewrap();
        const retired = await reopened(k2, []);
        expect(retired.matchKey(A)).toBe(before);
        expect((await reopened(k2, [], 'national')).matchKey(A)).toBe(beforeSm3);
        expect(await retired.unseal(sealed[0]!)).toBe(A);
        expect(await retired.unseal(cert)).toBe(`T${A}`);
        // A copy for matching only (a screening thread) makes the same match keys.
        expect(new PersonalDataVault(k2, [], retired.matchingSettings).matchKey(A)).toBe(before);
        // The person recorded again, committed, seals as before: one key per person still.
        expect(await retired.commitKeys(retired.sealIdNumber(A))).toBe(sealed[0]);
      });

      it('a key wrapped under the old master key does not open without it before the rewrap', async () => {
        const { sealed } = await sealedUnderK1();
        // Match keys kept under k2 by a rewrap whose key writes all lost their race.
        await (
          await reopened(k2, [master])
        )
          .rewrap({
            betweenReadAndWrite: async () => {
              throw new Error('stopped before writing');
            },
          })
          .catch(() => undefined);
        const retired = await reopened(k2, []);
        await expect(retired.unseal(sealed[0]!)).rejects.toThrow(/wrapped under master key "k1"/);
        // Positive control: with k1 configured it opens; rewrapped, it opens without.
        expect(await (await reopened(k2, [master])).unseal(sealed[0]!)).toBe(A);
        await (await reopened(k2, [master])).rewrap();
        expect(await (await reopened(k2, [])).unseal(sealed[0]!)).toBe(A);
      });
    },
  );

  (fixture.reopen ? describe : describe.skip)(
    `two processes on one store${fixture.reopen ? '' : ' (skipped: these keys live in one process only)'}`,
    () => {
      const another = async () => vaultOn(await fixture.reopen!({ current: master, previous: [] }));

      it('a key destroyed through one is refused by the other, which opened it before', async () => {
        const one = await open();
        const two = await another();
        const sealed = one.sealIdNumber(A);
        await one.commitKeys([sealed]);
        expect(await two.unseal(sealed)).toBe(A);
        expect(await one.forget(one.matchKey(A), '保存期限届满')).toBe(1);
        await expect(two.unseal(sealed)).rejects.toBeInstanceOf(SubjectKeyDestroyedError);
      });

      it('a commit racing a destroy through the other fails; sealed again it goes through', async () => {
        const one = await open();
        const two = await another();
        await one.commitKeys([one.sealIdNumber(A), one.sealIdNumber(B)]);
        const stale = one.sealIdNumber(A);
        const b = one.sealIdNumber(B);
        await two.forget(two.matchKey(A), '保存期限届满');
        await expect(one.commitKeys([stale, b])).rejects.toBeInstanceOf(SubjectKeysChangedError);
        // Positive control: the same batch sealed again commits, and opens through the other.
        const fresh = one.sealIdNumber(A);
        await one.commitKeys([fresh, one.sealIdNumber(B)]);
        expect(await two.unseal(fresh)).toBe(A);
      });

      it('two processes meeting a person at once end with one key: both commit the same bytes', async () => {
        const one = await open();
        const two = await another();
        const mine = { idNumber: one.sealIdNumber(A), other: [one.sealIdNumber(B)] };
        const theirs = { idNumber: two.sealIdNumber(A) };
        const committedMine = await one.commitKeys(mine);
        const committedTheirs = await two.commitKeys(theirs);
        expect(committedTheirs.idNumber).toBe(committedMine.idNumber);
        // A retried event then seals to the same bytes on either process.
        expect(two.sealIdNumber(A)).toBe(committedMine.idNumber);
        expect(await two.unseal(committedTheirs.idNumber)).toBe(A);
        // Destroying the person through either leaves nothing of them that opens.
        await two.forget(two.matchKey(A), 'gone');
        await expect(one.unseal(committedMine.idNumber)).rejects.toBeInstanceOf(
          SubjectKeyDestroyedError,
        );
      });
    },
  );
}
