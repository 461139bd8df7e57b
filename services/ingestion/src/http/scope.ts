import type { Request } from 'express';
import { withinUnits } from '@hub/domain';

/** A unit asked for lies outside the caller's units. */
export class OutOfScopeError extends Error {
  readonly code = 'OUT_OF_SCOPE';
  constructor(unit: string) {
    super(`单位 ${unit} 不在本凭证的辖区内 / unit ${unit} is outside the units of your credential`);
  }
}

/** The units the authenticated agency credential publishes and reads for. */
export const unitsOf = (req: Request): readonly string[] => req.credential?.units ?? [];

/** Refuses a unit outside the caller's units. */
export function requireInScope(req: Request, unit: string): void {
  if (!withinUnits(unitsOf(req), unit)) throw new OutOfScopeError(unit);
}
