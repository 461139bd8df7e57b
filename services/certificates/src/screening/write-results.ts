import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { ScreeningSummary } from './screen-roster.js';

/**
 * Writes a screening's JSON lines to `out`, many lines per write (a line per write was a
 * tenth of a screening's time), telling `progress` how many rows are out so far.
 */
export async function writeScreenedLines(
  screening: AsyncGenerator<string, ScreeningSummary>,
  out: Writable,
  progress?: (rows: number) => void,
): Promise<ScreeningSummary> {
  let batch = '';
  let rows = 0;
  const flush = async () => {
    if (!out.write(batch)) await once(out, 'drain');
    batch = '';
    progress?.(rows);
  };
  let next = await screening.next();
  while (!next.done) {
    batch += `${next.value}\n`;
    if (++rows % 500 === 0) await flush();
    next = await screening.next();
  }
  if (batch.length > 0) await flush();
  return next.value;
}
