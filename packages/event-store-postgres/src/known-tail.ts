/**
 * What this process last learned of the store under the tail lock: the tail (position and
 * chain), the revisions of the streams it wrote or read lately, and the server's clock. An
 * append group decided on this is sent in one statement that re-checks the tail under the
 * lock, so a stale guess costs a retry, never a wrong write (see `PostgresEventStore`).
 */
export class KnownTail {
  private tail: { position: bigint; chain: string | null } | undefined;
  /** Most recently learned last (a Map keeps insertion order): the oldest is dropped first. */
  private readonly revisions = new Map<string, number>();
  /**
   * The server's clock minus this process's monotonic one (ms), the largest seen: each reading
   * was taken before its answer arrived, so each gives a lower bound and the largest is the
   * closest. A bound that drift made too large is refused under the lock (`forgetClock`).
   */
  private offsetMs: number | undefined;

  constructor(private readonly maxStreams = 10_000) {}

  get current(): { position: bigint; chain: string | null } | undefined {
    return this.tail;
  }

  /** After any failure: the next group reads the tail again. */
  forget(): void {
    this.tail = undefined;
    this.revisions.clear();
  }

  /** After the server refused the estimated clock. */
  forgetClock(): void {
    this.offsetMs = undefined;
  }

  /**
   * After a commit (or a read under the lock): the tail and revisions it left, and the server's
   * clock as read in that round trip; `receivedAt` (process.hrtime) is taken after the answer
   * arrived, so the estimate in `serverNow` does not run ahead of the server.
   */
  learn(
    tail: { position: bigint; chain: string | null },
    revisions: Iterable<readonly [string, number]>,
    serverNow: Date,
    receivedAt: bigint,
  ): void {
    this.tail = tail;
    for (const [stream, revision] of revisions) {
      this.revisions.delete(stream);
      this.revisions.set(stream, revision);
    }
    for (const stream of this.revisions.keys()) {
      if (this.revisions.size <= this.maxStreams) break;
      this.revisions.delete(stream);
    }
    const offset = serverNow.getTime() - Number(receivedAt / 1_000_000n);
    this.offsetMs = Math.max(offset, this.offsetMs ?? offset);
  }

  /** The known revisions of `streams` (a copy: deciding a group changes it). */
  revisionsOf(streams: Iterable<string>): Map<string, number> {
    const known = new Map<string, number>();
    for (const stream of streams) {
      const revision = this.revisions.get(stream);
      if (revision !== undefined) known.set(stream, revision);
    }
    return known;
  }

  /** The server's clock now, from its readings and this process's monotonic clock. */
  serverNow(): Date | undefined {
    if (this.offsetMs === undefined) return undefined;
    return new Date(Number(process.hrtime.bigint() / 1_000_000n) + this.offsetMs);
  }
}
