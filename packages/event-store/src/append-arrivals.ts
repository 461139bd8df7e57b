/**
 * Appends on their way: requests that a caller has begun to read or check and will append
 * soon. A store that commits in groups may wait a little for them before it commits, so that
 * concurrent publishers share one commit and one sync instead of alternating in two halves
 * (PostgreSQL's commit_delay with commit_siblings works alike). Counting one costs nothing;
 * a store that does not group ignores them.
 */
export class AppendArrivals {
  private count = 0;
  private readonly waiters = new Set<() => void>();

  /** One more on its way. The function returned says it has appended or ended; once is enough. */
  begin(): () => void {
    this.count++;
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      this.count--;
      if (this.count === 0) for (const waiter of [...this.waiters]) waiter();
    };
  }

  /** How many are on their way now. */
  get pending(): number {
    return this.count;
  }

  /**
   * Calls `then` once none is on its way (at once when none is); returns what cancels that. A
   * caller appends right after it says so, in the same turn, so a store woken here should let
   * the turn's promises settle (setImmediate) before it looks at its queue.
   */
  whenNone(then: () => void): () => void {
    if (this.count === 0) {
      then();
      return () => undefined;
    }
    const waiter = () => {
      this.waiters.delete(waiter);
      then();
    };
    this.waiters.add(waiter);
    return () => this.waiters.delete(waiter);
  }
}
