import { z } from 'zod';

/**
 * The largest count one event may state (persons, certificates, items cleaned …): 100,000,000
 * (1亿). Forms sum counts across events, so an unbounded count could overflow a sum or pass
 * the range where a number is exact.
 */
export const MAX_COUNT = 100_000_000;

/** What is wrong with a count, Chinese first; undefined when it is valid. */
export function countProblem(
  value: number,
  min = 0,
): { code: 'COUNT_INVALID' | 'COUNT_TOO_LARGE'; message: string } | undefined {
  if (!Number.isInteger(value) || value < min)
    return {
      code: 'COUNT_INVALID',
      message: `数量须为不小于 ${min} 的整数；a count must be an integer of at least ${min}`,
    };
  if (value > MAX_COUNT)
    return {
      code: 'COUNT_TOO_LARGE',
      message: `数量不得超过 1亿（${MAX_COUNT}）；a count may not exceed ${MAX_COUNT}`,
    };
  return undefined;
}

/** A count: an integer from `min` (0 by default) to MAX_COUNT. */
export function countSchema(min = 0) {
  return z
    .number()
    .superRefine((value, ctx) => {
      const problem = countProblem(value, min);
      if (problem)
        ctx.addIssue({ code: 'custom', message: problem.message, params: { code: problem.code } });
    })
    .meta({ type: 'integer', minimum: min, maximum: MAX_COUNT });
}
