/**
 * Reporting periods are calendar days in Asia/Shanghai (UTC+8 all year: China keeps no daylight
 * saving time since 1991), so a fixed offset is exact and needs no time-zone database.
 */
const SHANGHAI_OFFSET_MS = 8 * 3600_000;

/** A calendar day as the integer YYYYMMDD, which sorts and compares like the date. */
export type DayNumber = number;

let lastInstant = '';
let lastDay: DayNumber = 0;

/** The Asia/Shanghai calendar day of an instant with an explicit offset. */
export function shanghaiDay(instant: string): DayNumber {
  // Events come in runs from the same moment: remember the last answer.
  if (instant === lastInstant) return lastDay;
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new RangeError(`not an instant: ${instant}`);
  const d = new Date(ms + SHANGHAI_OFFSET_MS);
  lastDay = d.getUTCFullYear() * 10_000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
  lastInstant = instant;
  return lastDay;
}

/**
 * The Asia/Shanghai calendar day of an instant as a count of days since 1970-01-01: days
 * apart are a subtraction (what lateness is judged by), with no calendar date to build.
 */
export function shanghaiDayIndex(instant: string): number {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new RangeError(`not an instant: ${instant}`);
  return Math.floor((ms + SHANGHAI_OFFSET_MS) / 86_400_000);
}

/** YYYY-MM-DD to YYYYMMDD. */
export function dayNumber(date: string): DayNumber {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new RangeError(`not a date YYYY-MM-DD: ${date}`);
  return Number(date.replaceAll('-', ''));
}

export function dayString(day: DayNumber): string {
  const s = String(day);
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
}

/** Last day of a month (month 1-12). */
export function lastDayOfMonth(year: number, month: number): DayNumber {
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return year * 10_000 + month * 100 + days;
}

/** The instant at which an Asia/Shanghai day ends (exclusive), in epoch ms. */
export function endOfShanghaiDayMs(day: DayNumber): number {
  const s = dayString(day);
  return Date.parse(`${s}T00:00:00+08:00`) + 86_400_000;
}

/** Adds hours or whole days to an instant; the result keeps UTC (ISO 8601 with Z). */
export function addHours(instant: string, hours: number): string {
  return new Date(Date.parse(instant) + hours * 3600_000).toISOString();
}

/** An instant as people read it here: Asia/Shanghai date and time, `YYYY-MM-DD HH:mm`. */
export function shanghaiDateTime(instant: string | number): string {
  const ms = typeof instant === 'number' ? instant : Date.parse(instant);
  if (Number.isNaN(ms)) throw new RangeError(`not an instant: ${String(instant)}`);
  return new Date(ms + SHANGHAI_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
}
