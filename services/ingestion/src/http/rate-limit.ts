/**
 * Token buckets per client: `perMinute` requests a minute, with bursts up to the same number.
 * The key is chosen by the caller and must name who the client really is (a verified
 * credential or user, else the address): a key taken from an unverified header is a fresh
 * quota for every spelling of it.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly refillPerMs: number;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.refillPerMs = perMinute / 60_000;
  }

  /** Takes one request from the client's bucket: 0 when allowed, else seconds to wait. */
  take(key: string): number {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.perMinute, at: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * this.refillPerMs);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (this.buckets.size > 10_000)
      for (const [k, b] of this.buckets) if (now - b.at > 120_000) this.buckets.delete(k);
    if (bucket.tokens < 1) return Math.ceil((1 - bucket.tokens) / this.refillPerMs / 1000);
    bucket.tokens -= 1;
    return 0;
  }
}

export class RateLimitedError extends Error {
  readonly code = 'RATE_LIMITED';
  constructor(
    readonly perMinute: number,
    readonly retryAfterSeconds: number,
  ) {
    super(
      `每分钟请求超过 ${perMinute} 次，请稍后重试 / more than ${perMinute} requests a minute; retry after ${retryAfterSeconds} s`,
    );
  }
}
