import type { Response } from 'express';
import type { z } from 'zod';
import { answerFor, ERROR_TABLE, type ErrorCode } from '../errors/error-table.js';
import { noteProblemCode } from './audit-request.js';

/**
 * RFC 9457 problem details as the hub answers them: the stable `code` for machines, `title`
 * in English and `titleZh` beside it for people, both from the one error table.
 */
export interface Problem {
  type: string;
  code: ErrorCode;
  status: number;
  title: string;
  titleZh: string;
  detail?: string;
  /** A Chinese detail where the failure says more than its title in Chinese. */
  detailZh?: string;
  [extension: string]: unknown;
}

/** What a route gives: the code (which fixes status and titles), details and extensions. */
export interface ProblemOf {
  code: ErrorCode;
  detail?: string;
  detailZh?: string;
  [extension: string]: unknown;
}

/** HTTP statuses of the error codes, as the one error table gives them. */
export const STATUS_OF_CODE: Readonly<Record<string, number>> = Object.fromEntries(
  Object.entries(ERROR_TABLE).map(([code, answer]) => [code, answer.status]),
);

/** The problem+json body of a code, as every route answers it. */
export function problemBody({ code, ...rest }: ProblemOf): Problem {
  const known = ERROR_TABLE[code];
  return {
    type: 'about:blank',
    code,
    status: known.status,
    title: known.title,
    titleZh: known.titleZh,
    ...rest,
  };
}

export function sendProblem(res: Response, problem: ProblemOf): void {
  // The audit record of the request says why it was refused.
  noteProblemCode(res, problem.code);
  const body = problemBody(problem);
  res.status(body.status).type('application/problem+json').send(JSON.stringify(body));
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
    code: 'INVALID_REQUEST',
    detail: parsed.error.issues
      .map((i) => `${i.path.join('.') || 'request'}: ${i.message}`)
      .join('; '),
    errors: parsed.error.issues.map((i) => ({
      pointer: `/${i.path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`,
      message: i.message,
    })),
  });
  return undefined;
}

/**
 * Answers an error that carries a code of the error table as problem+json (the stable code,
 * the titles of the table, the error's own message as detail); false otherwise.
 */
export function sendErrorProblem(res: Response, error: unknown): boolean {
  const known = answerFor(error);
  if (!known) return false;
  const { problems } = error as { problems?: unknown };
  sendProblem(res, {
    code: known.code,
    detail: (error as Error).message,
    ...(Array.isArray(problems) ? { errors: problems } : {}),
  });
  return true;
}
