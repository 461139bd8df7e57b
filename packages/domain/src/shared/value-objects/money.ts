import { z } from 'zod';

/** Money as an integer number of fen (分). Never floating point. */
export const Fen = z
  .number()
  .int('amount must be an integer number of fen (分)')
  .nonnegative('amount must not be negative')
  .max(Number.MAX_SAFE_INTEGER)
  .describe('Amount in fen (分, 0.01 yuan), integer');

export type Fen = number;

/** Yuan to fen, exactly, for integer yuan. */
export function fenFromYuan(yuan: number): Fen {
  if (!Number.isSafeInteger(yuan)) throw new RangeError(`yuan amount ${yuan} is not an integer`);
  return yuan * 100;
}

/**
 * Formats fen in a display unit without floating point: 元 with 2 decimals, 万元 with 6
 * (1 万元 = 1,000,000 fen), so the printed figure is exact.
 */
export function formatFen(fen: Fen, unit: '元' | '万元'): string {
  const negative = fen < 0;
  const abs = BigInt(Math.abs(fen));
  const divisor = unit === '元' ? 100n : 1_000_000n;
  const decimals = unit === '元' ? 2 : 6;
  const whole = abs / divisor;
  const fraction = (abs % divisor).toString().padStart(decimals, '0');
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}
