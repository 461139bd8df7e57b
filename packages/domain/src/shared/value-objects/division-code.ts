import { z } from 'zod';

/**
 * Administrative division code (行政区划代码, GB/T 2260): six digits, province in the first two,
 * city in the next two, district/county in the last two.
 */
export const DivisionCode = z
  .string()
  .regex(/^[1-8]\d{5}$/, 'administrative division code must be 6 ASCII digits (GB/T 2260)')
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
