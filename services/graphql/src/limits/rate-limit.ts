import type { NextFunction, Request, Response } from 'express';

/**
 * A token bucket per client (the bearer token, else the address): `perMinute` requests a
 * minute, with bursts up to the same number. Over the limit: 429 with Retry-After.
 */
export function rateLimit(perMinute: number) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const refillPerMs = perMinute / 60_000;
  return (req: Request, res: Response, next: NextFunction) => {
    const client = req.headers.authorization ?? req.ip ?? 'unknown';
    const now = Date.now();
    const bucket = buckets.get(client) ?? { tokens: perMinute, at: now };
    bucket.tokens = Math.min(perMinute, bucket.tokens + (now - bucket.at) * refillPerMs);
    bucket.at = now;
    if (bucket.tokens < 1) {
      res.setHeader('Retry-After', String(Math.ceil((1 - bucket.tokens) / refillPerMs / 1000)));
      res.status(429).json({
        errors: [
          {
            message: `more than ${perMinute} requests a minute; slow down`,
            extensions: { code: 'RATE_LIMITED' },
          },
        ],
      });
      return;
    }
    bucket.tokens -= 1;
    buckets.set(client, bucket);
    if (buckets.size > 10_000)
      for (const [k, b] of buckets) if (now - b.at > 120_000) buckets.delete(k);
    next();
  };
}
