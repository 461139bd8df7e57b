import { z } from 'zod';

/**
 * The largest amount one money field may hold: 1,000,000,000 元 (10亿元). Far above the largest
 * fine of the Work Safety Law (2021, art. 114: up to five times 2,000万元, i.e. 1亿元), so every
 * real fine, reward or confiscation fits; and small enough that one amount is exact as a
 * JavaScript number (a total of many is a bigint).
 */
export const MAX_AMOUNT_FEN = 100_000_000_000;
export const MAX_AMOUNT_YUAN = MAX_AMOUNT_FEN / 100;

export type AmountProblemCode = 'AMOUNT_NOT_INTEGER' | 'AMOUNT_NEGATIVE' | 'AMOUNT_TOO_LARGE';

/** What is wrong with an amount in fen or whole yuan, Chinese first; undefined when it is valid. */
export function amountProblem(
  value: number,
  unit: 'fen' | 'yuan',
): { code: AmountProblemCode; message: string } | undefined {
  const [zh, en, max] =
    unit === 'fen'
      ? ['分', 'fen (分)', MAX_AMOUNT_FEN]
      : ['元', 'whole yuan (元)', MAX_AMOUNT_YUAN];
  if (!Number.isInteger(value))
    return {
      code: 'AMOUNT_NOT_INTEGER',
      message: `金额须为整数${zh}；amount must be an integer number of ${en}`,
    };
  if (value < 0)
    return { code: 'AMOUNT_NEGATIVE', message: `金额不得为负；amount must not be negative` };
  if (value > max)
    return {
      code: 'AMOUNT_TOO_LARGE',
      message: `单笔金额不得超过 10亿元（${max} ${zh}）；one amount may not exceed 1,000,000,000 yuan (${max} ${en})`,
    };
  return undefined;
}

function amount(unit: 'fen' | 'yuan', description: string) {
  return z
    .number()
    .superRefine((value, ctx) => {
      const problem = amountProblem(value, unit);
      if (problem)
        ctx.addIssue({ code: 'custom', message: problem.message, params: { code: problem.code } });
    })
    .meta({
      type: 'integer',
      minimum: 0,
      maximum: unit === 'fen' ? MAX_AMOUNT_FEN : MAX_AMOUNT_YUAN,
      description,
    });
}

/** Money as an integer number of fen (分), at most MAX_AMOUNT_FEN. Never floating point. */
export const Fen = amount('fen', 'Amount in fen (分, 0.01 yuan), integer, at most 10亿元');
export type Fen = number;

/** Whole yuan, as FineImposed v1 had them; bounded so that the fen they make are bounded too. */
export const Yuan = amount('yuan', 'Amount in whole yuan (元), at most 10亿元');

/** Yuan to fen, exactly, for integer yuan within the bound. */
export function fenFromYuan(yuan: number): Fen {
  const problem = amountProblem(yuan, 'yuan');
  if (problem) throw new RangeError(`yuan amount ${yuan}: ${problem.message}`);
  return yuan * 100;
}

/** A valid amount of one money field (what a sum may add). */
export const isFenAmount = (value: unknown): value is Fen =>
  typeof value === 'number' && amountProblem(value, 'fen') === undefined;

/**
 * Formats fen in a display unit without floating point: 元 with 2 decimals, 万元 with 6
 * (1 万元 = 1,000,000 fen), so the printed figure is exact. Totals come as bigint: a sum of
 * amounts may pass 2^53. With `minDecimals`, trailing zeros are left out down to that many
 * decimals (12.010000 万元 → 12.01 with 2), still exact; 元 keep both decimals when fen remain.
 */
export function formatFen(fen: number | bigint, unit: '元' | '万元', minDecimals?: number): string {
  const value = BigInt(fen);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const divisor = unit === '元' ? 100n : 1_000_000n;
  const decimals = unit === '元' ? 2 : 6;
  const whole = abs / divisor;
  let fraction = (abs % divisor).toString().padStart(decimals, '0');
  if (minDecimals !== undefined) {
    const needed = fraction.replace(/0+$/, '').length;
    const kept = Math.max(minDecimals, unit === '元' && needed > 0 ? 2 : needed);
    fraction = fraction.slice(0, Math.min(kept, decimals)).padEnd(kept, '0');
  }
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}
