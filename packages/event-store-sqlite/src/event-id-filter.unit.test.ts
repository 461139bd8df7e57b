import { randomBytes } from 'node:crypto';
import { EventIdKeyFilter } from './event-id-filter.js';

const randomKeys = (n: number) => {
  const bytes = randomBytes(8 * n);
  return Array.from({ length: n }, (_, i) => bytes.readBigInt64BE(8 * i));
};

describe('the filter of event id keys', () => {
  for (const expected of [0, 300_000]) {
    it(`never says "not there" of a key it was given, and rarely "perhaps" of another (sized for ${expected})`, () => {
      const filter = new EventIdKeyFilter(expected);
      // 300,000 keys: without a size given, the filter grows twice past its first part.
      const given = randomKeys(300_000);
      for (const key of given) filter.add(key);
      expect(filter.size).toBe(300_000);
      expect(given.filter((key) => !filter.mayHave(key))).toEqual([]);
      // The extremes of the signed 64-bit range are keys like any other.
      for (const key of [-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n]) {
        filter.add(key);
        expect(filter.mayHave(key)).toBe(true);
      }
      const others = randomKeys(100_000);
      const perhaps = others.filter((key) => filter.mayHave(key)).length;
      // About 6 in 10,000 per full part; a filter that says "perhaps" of everything fails here.
      expect(perhaps).toBeLessThan(500);
    });
  }

  it('says "not there" of every key while empty', () => {
    const filter = new EventIdKeyFilter();
    expect(randomKeys(1000).some((key) => filter.mayHave(key))).toBe(false);
  });
});
