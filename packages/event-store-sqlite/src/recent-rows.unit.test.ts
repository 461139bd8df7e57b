import { RecentRows } from './recent-rows.js';

// Rows of two columns: the position and a text (the chars counted for the limit); one extra
// value a row beside them, naming its row.
const COLUMNS = 2;
const EXTRAS = 1;
const rowsFrom = (first: number, count: number, text = 'x'): unknown[] =>
  Array.from({ length: count }, (_, i) => [first + i, text]).flat();
const extrasFrom = (first: number, count: number): unknown[] =>
  Array.from({ length: count }, (_, i) => `extra of ${first + i}`);
const positionOf = (values: readonly unknown[], at: number) => values[at] as number;
const charsOf = (values: readonly unknown[], at: number) => (values[at + 1] as string).length;

function recentRows(limits = { rows: 1000, chars: 1_000_000 }) {
  return new RecentRows(COLUMNS, EXTRAS, limits, charsOf);
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('RecentRows', () => {
  it('gives the rows after a position, in order and across appends, at most as many as asked', () => {
    const rows = recentRows();
    rows.stage(1, rowsFrom(1, 3), extrasFrom(1, 3));
    rows.stage(4, rowsFrom(4, 2), extrasFrom(4, 2));
    rows.commit();
    rows.stage(6, rowsFrom(6, 4), extrasFrom(6, 4));
    rows.commit();

    expect(rows.read(0, 100, positionOf)).toEqual(range(1, 9));
    expect(rows.read(2, 3, positionOf)).toEqual([3, 4, 5]);
    expect(rows.read(5, 100, positionOf)).toEqual(range(6, 9));
    // At the last row kept: nothing after it.
    expect(rows.read(9, 100, positionOf)).toEqual([]);
    expect(rows.last()).toBe(9);
  });

  it('does not answer for rows older than it keeps', () => {
    const rows = recentRows();
    rows.stage(11, rowsFrom(11, 5), extrasFrom(11, 5));
    rows.commit();
    expect(rows.read(9, 100, positionOf)).toBeUndefined();
    // From the first row kept on, it does.
    expect(rows.read(10, 100, positionOf)).toEqual(range(11, 15));
  });

  it('keeps staged rows only once their transaction commits', () => {
    const rows = recentRows();
    rows.stage(1, rowsFrom(1, 2), extrasFrom(1, 2));
    expect(rows.read(0, 100, positionOf)).toBeUndefined();
    expect(rows.last()).toBeUndefined();
    rows.discardStaged();
    rows.commit();
    expect(rows.last()).toBeUndefined();

    // The positions are written again by the next transaction.
    rows.stage(1, rowsFrom(1, 3, 'y'), extrasFrom(1, 3));
    rows.commit();
    expect(rows.read(0, 100, (v, at) => v[at + 1])).toEqual(['y', 'y', 'y']);
  });

  it('forgets the rows a savepoint undid, whole appends or part of one', () => {
    const rows = recentRows();
    rows.stage(1, rowsFrom(1, 2), extrasFrom(1, 2));
    rows.stage(3, rowsFrom(3, 3), extrasFrom(3, 3));
    rows.stage(6, rowsFrom(6, 2), extrasFrom(6, 2));
    rows.unstageAfter(4);
    rows.commit();
    expect(rows.read(0, 100, positionOf)).toEqual(range(1, 4));
    expect(rows.last()).toBe(4);
    // Each row keeps its own extras, also in the append cut short.
    expect(rows.read(0, 100, (v, at, extras, extraAt) => [v[at], extras[extraAt]])).toEqual(
      range(1, 4).map((p) => [p, `extra of ${p}`]),
    );
  });

  it('starts again when its rows no longer follow on (another connection wrote between)', () => {
    const rows = recentRows();
    rows.stage(1, rowsFrom(1, 3), extrasFrom(1, 3));
    rows.commit();
    rows.stage(6, rowsFrom(6, 2), extrasFrom(6, 2));
    rows.commit();
    expect(rows.read(3, 100, positionOf)).toBeUndefined();
    expect(rows.read(5, 100, positionOf)).toEqual([6, 7]);
  });

  it('drops its oldest appends beyond its limits of rows and of characters', () => {
    const byRows = recentRows({ rows: 5, chars: 1_000_000 });
    for (let first = 1; first <= 10; first += 2) {
      byRows.stage(first, rowsFrom(first, 2), extrasFrom(first, 2));
      byRows.commit();
    }
    // Whole appends go: 4 rows kept of 10 (6 would exceed 5).
    expect(byRows.read(6, 100, positionOf)).toEqual(range(7, 10));
    expect(byRows.read(5, 100, positionOf)).toBeUndefined();

    const byChars = recentRows({ rows: 1000, chars: 25 });
    byChars.stage(1, rowsFrom(1, 1, 'a'.repeat(20)), extrasFrom(1, 1));
    byChars.commit();
    byChars.stage(2, rowsFrom(2, 1, 'b'.repeat(10)), extrasFrom(2, 1));
    byChars.commit();
    expect(byChars.read(0, 100, positionOf)).toBeUndefined();
    expect(byChars.read(1, 100, positionOf)).toEqual([2]);

    // The latest append stays even when it alone exceeds them.
    const huge = recentRows({ rows: 1, chars: 1 });
    huge.stage(1, rowsFrom(1, 3), extrasFrom(1, 3));
    huge.commit();
    expect(huge.read(0, 100, positionOf)).toEqual([1, 2, 3]);
  });

  it('forgets everything when cleared', () => {
    const rows = recentRows();
    rows.stage(1, rowsFrom(1, 3), extrasFrom(1, 3));
    rows.commit();
    rows.clear();
    expect(rows.last()).toBeUndefined();
    expect(rows.read(0, 100, positionOf)).toBeUndefined();
  });
});
