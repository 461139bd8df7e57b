import { clueUnitPrefix } from '@hub/domain';
import type { ReadModelStore } from '@hub/read-models';

/** How many index entries one read fetches per unit, after the first read. */
const CHUNK = 100;

/** Keys compare as the stores order them: by their UTF-8 bytes (SQLite BINARY, PostgreSQL "C"). */
export const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * The keys a unit index lists under one unit, in key order, after `after` (exclusive). Each
 * index document is keyed `<unit>:<key>`, so a unit's entries are one range of the collection.
 */
async function* keysUnder(
  readModels: ReadModelStore,
  index: string,
  unit: string,
  after: string | undefined,
  firstChunk: number,
): AsyncGenerator<string> {
  const prefix = clueUnitPrefix(unit);
  let cursor = prefix + (after ?? '');
  for (let limit = firstChunk; ; limit = CHUNK) {
    // Keys only: an index document says nothing its key does not.
    const page = await readModels.pageKeys(index, { after: cursor, limit });
    for (const key of page) {
      if (!key.startsWith(prefix)) return;
      yield key.slice(prefix.length);
    }
    if (page.length < limit) return;
    cursor = page[page.length - 1]!;
  }
}

/**
 * The keys listed under any of the units, in key order, each once: the per-unit ranges merged.
 * A viewer has a handful of units, so the merge looks at each range's head in turn. `wanted`
 * is how many keys the caller expects to take: each range's first read fetches that many (a
 * page of 20 reads 21 entries, not a hundred), later reads CHUNK.
 */
export async function* keysInUnits(
  readModels: ReadModelStore,
  index: string,
  units: readonly string[],
  after: string | undefined,
  wanted: number = CHUNK,
): AsyncGenerator<string> {
  const firstChunk = Math.max(1, Math.min(CHUNK, wanted));
  const ranges = [...new Set(units)].map((unit) =>
    keysUnder(readModels, index, unit, after, firstChunk),
  );
  // Each range's next key, undefined once the range is done.
  const next = async (i: number) => {
    const step = await ranges[i]!.next();
    return step.done ? undefined : step.value;
  };
  const heads = await Promise.all(ranges.map((_, i) => next(i)));
  let last: string | undefined;
  for (;;) {
    let min = -1;
    heads.forEach((head, i) => {
      if (head !== undefined && (min < 0 || byBytes(head, heads[min]!) < 0)) min = i;
    });
    if (min < 0) return;
    const key = heads[min]!;
    // Yield before reading on: a page that takes what it wanted leaves the next read undone.
    if (key !== last) {
      last = key;
      yield key;
    }
    heads[min] = await next(min);
  }
}
