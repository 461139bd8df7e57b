import { createHash } from 'node:crypto';

/**
 * Distinct keys include resident ID numbers: read models keep a hash, never the number, so a
 * read-model dump or a drill-down shows none. Only equality matters for counting. (ID numbers
 * have little entropy, so this hides them from readers, not from someone who also holds the
 * event store, which keeps what agencies published.)
 */
export function hashDistinctKey(key: string): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 22);
}
