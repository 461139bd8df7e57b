import type { Response } from 'express';
import type { z } from 'zod';

/** RFC 9457 problem details. */
export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  [extension: string]: unknown;
}

/** Error codes of the domain and the store, mapped to HTTP statuses in one place. */
export const STATUS_OF_CODE: Record<string, number> = {
  WRONG_EXPECTED_REVISION: 409,
  IDEMPOTENCY_CONFLICT: 409,
  EVENT_TOO_LARGE: 413,
  INVALID_APPEND: 400,
  EVENT_STORE_UNAVAILABLE: 503,
  // 507 Insufficient Storage: nothing was written; the same request may succeed later.
  EVENT_STORE_FULL: 507,
};

export function sendProblem(res: Response, problem: Problem): void {
  res
    .status(problem.status)
    .type('application/problem+json')
    .send(JSON.stringify({ type: 'about:blank', ...problem }));
}

/** Parses a request part with a schema, or answers 400 saying what is wrong and where. */
export function parseOrProblem<S extends z.ZodType>(
  schema: S,
  value: unknown,
  res: Response,
): z.output<S> | undefined {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  sendProblem(res, {
    status: 400,
    title: 'Invalid request',
    detail: parsed.error.issues
      .map((i) => `${i.path.join('.') || 'request'}: ${i.message}`)
      .join('; '),
  });
  return undefined;
}
