import { closeEach } from './shutdown.js';

describe('closeEach', () => {
  it('closes every part in order, then fails naming the one that failed', async () => {
    const closed: string[] = [];
    const part = (name: string, fails = false) =>
      [
        name,
        async () => {
          closed.push(name);
          if (fails) throw new Error('disk gone');
        },
      ] as const;
    const closing = closeEach([part('the store', true), part('the vault'), part('the lock')]);
    await expect(closing).rejects.toThrow('closing the store failed: disk gone');
    // The failure did not stop the parts after it.
    expect(closed).toEqual(['the store', 'the vault', 'the lock']);
  });

  it('gathers several failures, and resolves when nothing fails (control)', async () => {
    const fail = (what: string) => [what, () => Promise.reject(new Error('no'))] as const;
    await expect(closeEach([fail('a'), ['b', () => undefined], fail('c')])).rejects.toThrow(
      'closing a failed: no; closing c failed: no',
    );
    const closed: string[] = [];
    await expect(
      closeEach([
        ['a', () => void closed.push('a')],
        ['b', () => void closed.push('b')],
      ]),
    ).resolves.toBeUndefined();
    expect(closed).toEqual(['a', 'b']);
  });
});
