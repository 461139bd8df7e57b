/**
 * The rows this connection committed last, kept in memory in position order: right after an
 * append, the projections and the outbox relay read those very events back, and reading them
 * from here spares the file's B-tree and the copy of every column out of SQLite.
 *
 * Rows are flat, as the INSERT takes them (`columns` values a row, the position first), with
 * `extras` values a row beside them (the store's: the data and metadata as their readers get
 * them, already parsed). They are staged while their transaction is open and kept only once it
 * commits. What is kept is always a contiguous run ending at the last position this connection
 * wrote; the store answers from it only while no other connection has committed since (PRAGMA
 * data_version), so that an answer from here is exactly what the file would give.
 */
export class RecentRows {
  private kept: Segment[] = [];
  private staged: Segment[] = [];
  private keptRows = 0;
  private keptChars = 0;

  constructor(
    private readonly columns: number,
    private readonly extras: number,
    /** Kept at most: whole segments (an append's rows) go first when either is exceeded. */
    private readonly limits: { rows: number; chars: number },
    /** Characters a row holds (its JSON texts), for the limit. */
    private readonly charsOf: (values: readonly unknown[], at: number) => number,
  ) {}

  /** Rows written in the open transaction, from position `first` on. */
  stage(first: number, values: readonly unknown[], extras: readonly unknown[]): void {
    this.staged.push({ first, values, extras, count: values.length / this.columns });
  }

  /** A savepoint was rolled back: the rows staged after `position` were undone with it. */
  unstageAfter(position: number): void {
    while (this.staged.length > 0) {
      const last = this.staged[this.staged.length - 1]!;
      if (last.first > position) this.staged.pop();
      else if (last.first + last.count - 1 > position) {
        const count = position - last.first + 1;
        this.staged[this.staged.length - 1] = {
          first: last.first,
          values: last.values.slice(0, count * this.columns),
          extras: last.extras.slice(0, count * this.extras),
          count,
        };
        return;
      } else return;
    }
  }

  /** The transaction was rolled back: nothing it staged was written. */
  discardStaged(): void {
    this.staged = [];
  }

  /**
   * The transaction committed: its rows are kept. They follow on from what is kept, or another
   * connection wrote in between and what was kept no longer ends at the head: it goes.
   */
  commit(): void {
    for (const segment of this.staged) {
      if (segment.count === 0) continue;
      if (this.last() !== undefined && this.last()! + 1 !== segment.first) this.clear();
      this.kept.push(segment);
      this.keptRows += segment.count;
      for (let i = 0; i < segment.count; i++)
        this.keptChars += this.charsOf(segment.values, i * this.columns);
    }
    this.staged = [];
    while (
      this.kept.length > 1 &&
      (this.keptRows > this.limits.rows || this.keptChars > this.limits.chars)
    ) {
      const first = this.kept.shift()!;
      this.keptRows -= first.count;
      for (let i = 0; i < first.count; i++)
        this.keptChars -= this.charsOf(first.values, i * this.columns);
    }
  }

  /** Forgets every kept row: another connection wrote, or the write began elsewhere. */
  clear(): void {
    this.kept = [];
    this.keptRows = 0;
    this.keptChars = 0;
  }

  /** The last position kept; undefined when none is. */
  last(): number | undefined {
    const segment = this.kept[this.kept.length - 1];
    return segment && segment.first + segment.count - 1;
  }

  /**
   * At most `max` rows after position `after`, as `row` builds each from the flat values and
   * extras (a row's first at `at` and at `extraAt`); or undefined when a row wanted is older
   * than what is kept (the file has it). Past the last kept row there is none: the caller knows
   * that no other connection has written since.
   */
  read<R>(
    after: number,
    max: number,
    row: (values: readonly unknown[], at: number, extras: readonly unknown[], extraAt: number) => R,
  ): R[] | undefined {
    if (this.kept.length === 0 || after + 1 < this.kept[0]!.first) return undefined;
    const out: R[] = [];
    // The segment holding after + 1: the last one starting at or before it.
    let lo = 0;
    let hi = this.kept.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.kept[mid]!.first <= after + 1) lo = mid;
      else hi = mid - 1;
    }
    for (let s = lo; s < this.kept.length && out.length < max; s++) {
      const segment = this.kept[s]!;
      for (let i = Math.max(0, after + 1 - segment.first); i < segment.count; i++) {
        if (out.length === max) break;
        out.push(row(segment.values, i * this.columns, segment.extras, i * this.extras));
      }
    }
    return out;
  }
}

interface Segment {
  first: number;
  values: readonly unknown[];
  extras: readonly unknown[];
  count: number;
}
