import { z } from 'zod';
import { nonAsciiProblem } from './ascii.js';

/** GB 32100-2015 alphabet: digits and capitals without I, O, S, V, Z. */
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

/** The GB 32100 check character for the first 17 characters. */
export function creditCodeCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += ALPHABET.indexOf(first17[i] ?? '') * (WEIGHTS[i] ?? 0);
  return ALPHABET[(31 - (sum % 31)) % 31] ?? '';
}

/** Each character's value in the alphabet by its code (-1: not in it). */
const VALUE_OF = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  return table;
})();

/**
 * Whether a code is valid, in one pass over its characters: what nearly every code is. Only a
 * code found wanting is examined again, by creditCodeProblem, to say what is wrong.
 */
function isValidCreditCode(value: string): boolean {
  if (value.length !== 18) return false;
  let sum = 0;
  for (let i = 0; i < 18; i++) {
    const c = value.charCodeAt(i);
    const v = c < 128 ? VALUE_OF[c]! : -1;
    if (v < 0) return false;
    // Characters 3-8: an administrative division code, digits only.
    if (i >= 2 && i < 8 && v > 9) return false;
    if (i < 17) sum += v * WEIGHTS[i]!;
    else if (v !== (31 - (sum % 31)) % 31) return false;
  }
  return true;
}

/** Returns what is wrong with a unified social credit code, or undefined when it is valid. */
export function creditCodeProblem(value: string): string | undefined {
  if (isValidCreditCode(value)) return undefined;
  const ascii = nonAsciiProblem(value);
  if (ascii) return `unified social credit code ${ascii}`;
  if (value.length !== 18) return 'unified social credit code must have 18 characters (GB 32100)';
  const bad = [...value].find((c) => !ALPHABET.includes(c));
  if (bad !== undefined) {
    return `unified social credit code contains "${bad}", outside the GB 32100 alphabet (no I, O, S, V, Z; capitals only)`;
  }
  if (!/^\d{6}$/.test(value.slice(2, 8))) {
    return 'unified social credit code characters 3-8 must be an administrative division code';
  }
  if (value[17] !== creditCodeCheckCharacter(value.slice(0, 17))) {
    return 'unified social credit code has a wrong check character (GB 32100)';
  }
  return undefined;
}

export const CreditCode = z
  .string()
  .superRefine((value, ctx) => {
    const problem = creditCodeProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe('Unified social credit code (统一社会信用代码), GB 32100, 18 characters');
