import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { ScreenedLines, ScreeningSummary } from './screen-roster.js';

/**
 * Writes a screening's JSON lines to `out` (a chunk's lines per write: a line per write was
 * a tenth of a screening's time), telling `progress` how many rows are out so far.
 */
export async function writeScreenedLines(
  screening: AsyncGenerator<ScreenedLines, ScreeningSummary>,
  out: Writable,
  progress?: (rows: number) => void,
): Promise<ScreeningSummary> {
  let rows = 0;
  let next = await screening.next();
  while (!next.done) {
    if (!out.write(next.value.text)) await once(out, 'drain');
    rows += next.value.rows;
    progress?.(rows);
    next = await screening.next();
  }
  return next.value;
}
