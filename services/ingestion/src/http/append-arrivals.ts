import type { RequestHandler, Response } from 'express';
import type { AppendArrivals } from '@hub/event-store';

/**
 * Counts a publish request as an append on its way from the moment it arrives (before its body
 * is read) until it has appended, or has been answered without appending: the store's group
 * commit waits for it (see AppendArrivals).
 */
export function countAppendArrivals(arrivals: AppendArrivals): RequestHandler {
  return (_req, res, next) => {
    const arrived = arrivals.begin();
    res.locals.appendArrived = arrived;
    res.once('finish', arrived);
    res.once('close', arrived);
    next();
  };
}

/** Says the request's append has been handed to the store (or will not be): nothing more to wait for. */
export function appendArrived(res: Response): void {
  (res.locals.appendArrived as (() => void) | undefined)?.();
}
