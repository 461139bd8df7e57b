import { clueUnitKey } from '@hub/domain';
import type { ReadModelStore } from '@hub/read-models';
import { byBytes, keysInUnits } from './unit-index.js';

/** Only what the index walk reads: pages of one collection in byte order, with a read count. */
function indexOf(entries: ReadonlyArray<[unit: string, clueId: string]>) {
  const keys = entries.map(([unit, clue]) => clueUnitKey(unit, clue)).sort(byBytes);
  const reads: number[] = [];
  const store = {
    pageKeys: async (_collection: string, page: { after?: string; limit: number }) => {
      reads.push(page.limit);
      return keys.filter((k) => byBytes(k, page.after ?? '') > 0).slice(0, page.limit);
    },
  } as unknown as ReadModelStore;
  return { store, reads };
}

async function all(generator: AsyncGenerator<string>, limit = Infinity) {
  const out: string[] = [];
  for await (const key of generator) {
    out.push(key);
    if (out.length >= limit) break;
  }
  return out;
}

describe('the ledger unit index walk', () => {
  const clues = Array.from({ length: 250 }, (_, i) => `CL-${String(i).padStart(4, '0')}`);
  // Three units over 250 clues, overlapping (a clue under two units) and a unit of no interest.
  const entries: Array<[string, string]> = [
    ...clues.filter((_, i) => i % 2 === 0).map((c): [string, string] => ['310101', c]),
    ...clues.filter((_, i) => i % 3 === 0).map((c): [string, string] => ['310105', c]),
    ...clues.map((c): [string, string] => ['320101', c]),
  ];
  const expected = clues.filter((_, i) => i % 2 === 0 || i % 3 === 0);

  it('yields every clue of the units once, in key order, beyond the first small read', async () => {
    const { store, reads } = indexOf(entries);
    const keys = await all(keysInUnits(store, 'idx', ['310101', '310105'], undefined, 21));
    expect(keys).toEqual(expected);
    // The first read of each unit fetched what the page wanted; later ones a full chunk.
    expect(reads.slice(0, 2)).toEqual([21, 21]);
    expect(reads.slice(2).every((limit) => limit === 100)).toBe(true);
  });

  it('starts after the cursor', async () => {
    const { store } = indexOf(entries);
    const after = expected[40]!;
    const keys = await all(keysInUnits(store, 'idx', ['310105', '310101'], after, 5));
    expect(keys).toEqual(expected.slice(41));
  });

  it('reads one small page per unit for a page the first reads fill', async () => {
    const { store, reads } = indexOf(entries);
    const keys = await all(keysInUnits(store, 'idx', ['310101'], undefined, 11), 11);
    expect(keys).toEqual(clues.filter((_, i) => i % 2 === 0).slice(0, 11));
    expect(reads).toEqual([11]);
  });
});
