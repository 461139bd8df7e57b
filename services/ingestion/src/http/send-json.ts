import type { Response } from 'express';

/**
 * A JSON answer written straight to the response: what express's `res.json` writes, without
 * the ETag it would hash the body for (a write's answer is never revalidated).
 */
export function sendJson(res: Response, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
