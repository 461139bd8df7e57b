import type { Response } from 'express';
import type { z } from 'zod';
import { answerFor, ERROR_TABLE } from '../errors/error-table.js';
import { noteProblemCode } from './audit-request.js';

/** RFC 9457 problem details. */
export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  [extension: string]: unknown;
}

/** HTTP statuses of the error codes, as the one error table gives them. */
export const STATUS_OF_CODE: Readonly<Record<string, number>> = Object.fromEntries(
  Object.entries(ERROR_TABLE).map(([code, answer]) => [code, answer.status]),
);

export function sendProblem(res: Response, problem: Problem): void {
  // The audit record of the request says why it was refused.
  noteProblemCode(res, problem.code);
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

/**
 * Answers an error that carries a code of the error table as problem+json (title Chinese
 * first, the stable code for machines, the error's own message as detail); false otherwise.
 */
export function sendErrorProblem(res: Response, error: unknown): boolean {
  const known = answerFor(error);
  if (!known) return false;
  const { problems } = error as { problems?: unknown };
  sendProblem(res, {
    status: known.status,
    title: `${known.titleZh} / ${known.title}`,
    detail: (error as Error).message,
    code: known.code,
    ...(Array.isArray(problems) ? { errors: problems } : {}),
  });
  return true;
}
