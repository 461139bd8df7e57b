import { z } from 'zod';

/**
 * Administrative division code (行政区划代码, GB/T 2260): six digits, province in the first two,
 * city in the next two, district/county in the last two.
 */
export const DIVISION_CODE_PATTERN = /^[1-8]\d{5}$/;

export const DivisionCode = z
  .string()
  .regex(DIVISION_CODE_PATTERN, 'administrative division code must be 6 ASCII digits (GB/T 2260)')
  .describe('Administrative division code of the reporting unit (GB/T 2260)');

export type DivisionCode = string;

export type DivisionLevel = 'province' | 'city' | 'district';

export function divisionLevel(code: DivisionCode): DivisionLevel {
  if (code.endsWith('0000')) return 'province';
  if (code.endsWith('00')) return 'city';
  return 'district';
}

/** Codes of the enclosing divisions, nearest first (district → city → province). */
export function enclosingDivisions(code: DivisionCode): DivisionCode[] {
  const province = `${code.slice(0, 2)}0000`;
  const city = `${code.slice(0, 4)}00`;
  return [city, province].filter((c, i, all) => c !== code && all.indexOf(c) === i);
}

/** True when `code` is `ancestor` or lies inside it. */
export function isWithinDivision(code: DivisionCode, ancestor: DivisionCode): boolean {
  return code === ancestor || enclosingDivisions(code).includes(ancestor);
}

/**
 * Stands for the whole country in a list of units: GB/T 2260 has no national code. A user or
 * credential sees nationwide only when its units say so, never by its role.
 */
export const NATIONWIDE = '000000';

/** True when `code` lies in one of the units (a scope of division codes, or NATIONWIDE). */
export function withinUnits(units: readonly string[], code: string | undefined): boolean {
  if (code === undefined) return false;
  return units.some((unit) => unit === NATIONWIDE || isWithinDivision(code, unit));
}

/** Parses a comma-separated list of units (`000000` or 全国 for the whole country). */
export function parseUnits(text: string): string[] | string {
  const units = text
    .split(/[,，]/)
    .map((u) => u.trim())
    .filter(Boolean)
    .map((u) => (u === '全国' ? NATIONWIDE : u));
  if (units.length === 0) return '至少一个单位 / at least one unit is needed';
  const bad = units.filter((u) => u !== NATIONWIDE && !DIVISION_CODE_PATTERN.test(u));
  return bad.length > 0
    ? `单位须为 6 位行政区划代码（全国用 000000）/ units are 6-digit division codes (000000 for the whole country): ${bad.join(', ')}`
    : units;
}
