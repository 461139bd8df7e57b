/** Asia/Shanghai is UTC+8 all year (no daylight saving since 1991): a fixed offset is exact. */
const SHANGHAI_MS = 8 * 3600_000;

/** An instant as people in China read it: `2025-03-04 18:20:31` (Asia/Shanghai). */
export function shanghaiTime(instant: string): string {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) return instant;
  return new Date(ms + SHANGHAI_MS).toISOString().slice(0, 19).replace('T', ' ');
}

export class AuditTimeError extends Error {
  readonly code = 'AUDIT_QUERY_INVALID';
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A bound of a time filter as UTC ISO. A date (`2025-01-31`) is an Asia/Shanghai day: `from`
 * starts at its beginning, `to` includes the whole day; an instant needs its offset.
 */
export function boundOf(text: string, side: 'from' | 'to', name: string = side): string {
  if (DAY.test(text)) {
    const start = Date.parse(`${text}T00:00:00+08:00`);
    if (Number.isNaN(start) || new Date(start + SHANGHAI_MS).toISOString().slice(0, 10) !== text)
      throw invalid(text, name);
    return new Date(side === 'from' ? start : start + 86_400_000).toISOString();
  }
  const ms = INSTANT.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) throw invalid(text, name);
  return new Date(ms).toISOString();
}

const invalid = (text: string, name: string) =>
  new AuditTimeError(
    `${name} 应为日期 YYYY-MM-DD（北京时间）或带时区的时刻，收到 "${text}" / ${name} must be a date YYYY-MM-DD (Asia/Shanghai) or an instant with its offset, got "${text}"`,
  );
