import { fromGlobalPosition, toGlobalPosition } from './positions.js';

describe('KurrentDB positions in one bigint', () => {
  it('round-trips a (commit, prepare) pair', () => {
    const p = { commit: 123_456_789_012n, prepare: 123_456_789_000n };
    expect(fromGlobalPosition(toGlobalPosition(p))).toEqual(p);
  });

  it('orders events of one commit by prepare position, and commits before later commits', () => {
    const a = toGlobalPosition({ commit: 100n, prepare: 90n });
    const b = toGlobalPosition({ commit: 100n, prepare: 95n });
    const c = toGlobalPosition({ commit: 101n, prepare: 0n });
    expect(a < b && b < c).toBe(true);
  });
});
