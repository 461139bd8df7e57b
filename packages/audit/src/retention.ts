/**
 * Audit records are kept at least six months: 网络安全法 (Cybersecurity Law) art. 21(3) asks
 * network operators to keep logs of network operation for no less than six months. 183 days
 * covers the longest six calendar months (e.g. 1 July – 31 December).
 */
export const MIN_AUDIT_RETENTION_DAYS = 183;

const DAY_MS = 86_400_000;

/** A purge reaching into the retention period: refused, nothing removed. */
export class AuditRetentionError extends Error {
  readonly code = 'AUDIT_RETENTION';
}

/** The latest instant before which records may be removed now. */
export function earliestKeptInstant(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * DAY_MS);
}

/** Refuses a purge of records that are still inside the retention period. */
export function checkRetention(before: string, now: Date, retentionDays: number): void {
  if (!Number.isInteger(retentionDays) || retentionDays < MIN_AUDIT_RETENTION_DAYS)
    throw new AuditRetentionError(
      `审计记录保留期不得少于 ${MIN_AUDIT_RETENTION_DAYS} 天（网络安全法第二十一条：不少于六个月）/ the audit retention period cannot be under ${MIN_AUDIT_RETENTION_DAYS} days (Cybersecurity Law art. 21: at least six months), got ${retentionDays}`,
    );
  const beforeMs = Date.parse(before);
  if (Number.isNaN(beforeMs)) throw new AuditRetentionError(`not an instant: ${before}`);
  const limit = earliestKeptInstant(now, retentionDays);
  if (beforeMs > limit.getTime())
    throw new AuditRetentionError(
      `审计记录须保留至少 ${retentionDays} 天：${shanghaiDate(beforeMs)} 之前的记录尚在保留期内，不予清除；最多可清除 ${shanghaiDate(limit.getTime())} 之前的记录 / audit records are kept at least ${retentionDays} days: records before ${shanghaiDate(beforeMs)} are still within the retention period and were not purged; the latest date a purge may name is ${shanghaiDate(limit.getTime())}`,
    );
}

/** The Asia/Shanghai date of an instant (UTC+8, no daylight saving). */
function shanghaiDate(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 10);
}
