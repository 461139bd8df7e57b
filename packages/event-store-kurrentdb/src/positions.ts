import type { Position } from '@kurrent/kurrentdb-client';

const SHIFT = 64n;
const MASK = (1n << SHIFT) - 1n;

/**
 * The port's global position is one bigint; KurrentDB's is a (commit, prepare) pair, and the
 * events of one append share a commit position. Packing the pair keeps it unique and ordered.
 */
export function toGlobalPosition(position: Position): bigint {
  return (position.commit << SHIFT) | position.prepare;
}

export function fromGlobalPosition(position: bigint): Position {
  return { commit: position >> SHIFT, prepare: position & MASK };
}
