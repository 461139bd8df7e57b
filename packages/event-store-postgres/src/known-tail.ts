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
   * The last reading of the server's clock, with this process's monotonic clock when its answer
   * arrived: the reading was taken before that, so reading + time elapsed since is a lower
   * bound of the server's clock, give or take how far the two clocks drifted apart since that
   * reading (after a long idle spell the estimate may run ahead: the server refuses it, and the
   * next reading sets it right). Keeping the largest offset ever seen instead, drift added up:
   * a server clock running slower than this one, as NTP slewing makes it, let the estimate run
   * ahead until every commit was refused and decided again under the lock.
   */
  private reading: { serverMs: number; receivedAtMs: number } | undefined;
  /**
   * The last estimate handed out since the last reading: estimates never go back between
   * readings. A reading replaces them (an accepted estimate is never later than the reading
   * its commit returns; one the server refused must not outlive it).
   */
  private lastEstimateMs = -Infinity;

  constructor(
    private readonly maxStreams = 10_000,
    /** This process's monotonic clock in ms (a parameter for the tests' drifting clocks). */
    readonly monotonicMs: () => number = () => Number(process.hrtime.bigint()) / 1e6,
  ) {}

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
    this.reading = undefined;
    this.lastEstimateMs = -Infinity;
  }

  /**
   * After a commit (or a read under the lock): the tail and revisions it left, and the server's
   * clock as read in that round trip; `receivedAtMs` (`monotonicMs()`) is taken after the answer
   * arrived, so the estimate in `serverNow` does not run ahead of the server.
   */
  learn(
    tail: { position: bigint; chain: string | null },
    revisions: Iterable<readonly [string, number]>,
    serverNow: Date,
    receivedAtMs: number,
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
    this.reading = { serverMs: serverNow.getTime(), receivedAtMs };
    this.lastEstimateMs = serverNow.getTime();
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
    if (!this.reading) return undefined;
    const { serverMs, receivedAtMs } = this.reading;
    // Whole milliseconds, rounded down: the server's clock is finer, so never behind the estimate.
    const estimate = Math.floor(serverMs + this.monotonicMs() - receivedAtMs);
    this.lastEstimateMs = Math.max(this.lastEstimateMs, estimate);
    return new Date(this.lastEstimateMs);
  }
}
