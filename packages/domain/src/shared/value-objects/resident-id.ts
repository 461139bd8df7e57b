import { z } from 'zod';
import { nonAsciiProblem } from './ascii.js';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARACTERS = '10X98765432';

/** The GB 11643 MOD 11-2 check character for the first 17 digits. */
export function residentIdCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (WEIGHTS[i] ?? 0);
  return CHECK_CHARACTERS[sum % 11] ?? '';
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day <= days;
}

/**
 * Returns what is wrong with a resident ID number, Chinese first with what to fix, or
 * undefined when it is valid.
 */
export function residentIdProblem(value: string): string | undefined {
  const ascii = nonAsciiProblem(value);
  if (ascii) return `身份证号含全角或非 ASCII 字符，请用半角数字和 X / resident ID number ${ascii}`;
  if (!/^\d{17}[\dXx]$/.test(value)) {
    return '身份证号应为 17 位数字加 1 位数字或 X，共 18 位（GB 11643）/ resident ID number must be 17 digits followed by a digit or X (GB 11643)';
  }
  if (!/^[1-9]/.test(value))
    return '身份证号前 6 位不是有效的行政区划代码 / resident ID number starts with an impossible region code';
  const year = Number(value.slice(6, 10));
  const month = Number(value.slice(10, 12));
  const day = Number(value.slice(12, 14));
  // Holders of working certificates were born after 1900; 2099 bounds obvious typos.
  if (year < 1900 || year > 2099 || !isCalendarDate(year, month, day)) {
    return `身份证号中的出生日期 ${value.slice(6, 14)} 不存在，请核对 / resident ID number has an impossible birth date ${value.slice(6, 14)}`;
  }
  const expected = residentIdCheckCharacter(value.slice(0, 17));
  if (value[17]?.toUpperCase() !== expected) {
    return '身份证号校验位不对（GB 11643 MOD 11-2），请核对是否抄错 / resident ID number has a wrong check character (GB 11643 MOD 11-2)';
  }
  return undefined;
}

/** Birth date (YYYY-MM-DD) encoded in a valid resident ID number. */
export function birthDateOfResidentId(id: string): string {
  return `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
}

/** Shows the first 6 and last 4 characters only, as agreed for readers without need-to-know. */
export function maskResidentId(id: string): string {
  if (id.length < 10) return '*'.repeat(id.length);
  return `${id.slice(0, 6)}${'*'.repeat(id.length - 10)}${id.slice(-4)}`;
}

/**
 * Runs of 17 digits and a digit or X that are not part of a longer run of digits: the shape of
 * a resident ID number, also where it follows letters (a certificate number `T` + ID), and also
 * typed full-width (１１０１…, as a Chinese input method writes it). The check character is
 * deliberately not checked: a mistyped ID number is still someone's.
 */
/** Characters of an ID number (each one UTF-16 unit, full-width ones too): shorter text holds none. */
const ID_LENGTH = 18;
const EMBEDDED_ID =
  /(?<![0-9０-９])([1-9１-９][0-9０-９]{16}[0-9０-９XxＸｘ])(?![0-9０-９A-Za-zＡ-Ｚａ-ｚ])/gu;

/**
 * Masks every resident ID number inside a text (first 6 and last 4 characters kept), so that
 * evidence, messages and numbers that embed an ID number (`T` + ID) can be shown and stored.
 */
export function maskIdNumbersIn(text: string): string {
  return text.replace(EMBEDDED_ID, (id) => maskResidentId(id.toUpperCase()));
}

/** True when a text holds something shaped like a resident ID number in clear. */
export function containsIdNumber(text: string): boolean {
  if (text.length < ID_LENGTH) return false;
  EMBEDDED_ID.lastIndex = 0;
  return EMBEDDED_ID.test(text);
}

/**
 * True when a text holds a valid resident ID number (check character and birth date right): the
 * test for refusing data, where an 18-digit case number must not be taken for one by its shape.
 */
export function containsValidIdNumber(text: string): boolean {
  // Most fields are short: no need to start the matcher for them.
  if (text.length < ID_LENGTH) return false;
  for (const match of text.matchAll(EMBEDDED_ID))
    if (residentIdProblem(match[0].toUpperCase()) === undefined) return true;
  return false;
}

export const ResidentIdNumber = z
  .string()
  .superRefine((value, ctx) => {
    const problem = residentIdProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform((value) => value.toUpperCase())
  .describe('Resident ID number (居民身份证号码), GB 11643, 18 characters with MOD 11-2 check');
