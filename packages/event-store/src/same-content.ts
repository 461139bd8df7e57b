import type { NewEvent } from './types.js';

/** Serialises with sorted keys, so that content compares equal whatever the key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
          a < b ? -1 : a > b ? 1 : 0,
        ),
      );
    }
    return v;
  });
}

/** True when two events with the same id carry the same type, data and metadata. */
export function sameContent(
  a: Pick<NewEvent, 'type' | 'data' | 'metadata'>,
  b: Pick<NewEvent, 'type' | 'data' | 'metadata'>,
): boolean {
  return (
    a.type === b.type &&
    canonicalJson(a.data) === canonicalJson(b.data) &&
    canonicalJson(a.metadata) === canonicalJson(b.metadata)
  );
}
