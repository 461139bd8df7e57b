import { digest, HASH_ALGS, type HashAlg } from '@hub/crypto';
import { maskIdNumbersIn } from '@hub/domain';
import type { AuditBody, AuditRecord } from './record.js';

/**
 * The audit log is a hash chain like the event store's: each record's hash covers the previous
 * record's hash, its sequence number and its canonical body, so a changed byte, a removed or
 * inserted record breaks the chain from there on. The algorithm (SHA-256 or SM3, as the
 * deployment's suite says) is written into every hash, so the verifier never guesses.
 *
 * Canonical bytes (version 1), UTF-8, fields separated by LF:
 *
 *   hub-audit-v1
 *   <previous hash's hex digest, or 64 zeros for the first record>
 *   <seq, decimal>
 *   <body: JSON, object keys sorted, no whitespace, absent fields left out>
 *
 * The body JSON is stored as it was hashed (the `document`), so verification needs no
 * re-serialisation that could differ between versions.
 */
export const AUDIT_GENESIS = '0'.repeat(64);

/** JSON with object keys sorted at every level and undefined fields left out. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const fields = Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${fields.join(',')}}`;
}

/** The hex digest of a hash (`sm3:ab12…` → `ab12…`), or the genesis value. */
export const digestOf = (hash: string | undefined): string =>
  hash ? hash.slice(hash.indexOf(':') + 1) : AUDIT_GENESIS;

export function algOfHash(hash: string): HashAlg | undefined {
  const alg = hash.slice(0, hash.indexOf(':'));
  return (HASH_ALGS as readonly string[]).includes(alg) ? (alg as HashAlg) : undefined;
}

/** The hash a record with this body must carry after `previousHash`. */
export function auditHash(
  alg: HashAlg,
  previousHash: string | undefined,
  seq: number,
  document: string,
): string {
  return `${alg}:${digest(alg, `hub-audit-v1\n${digestOf(previousHash)}\n${seq}\n${document}`).toString('hex')}`;
}

/** Keys that are keyed hashes: never an ID number, and never to be altered by masking. */
const KEY_FIELDS = new Set(['holderKey', 'registryKey']);

/**
 * Every string of a body with any ID-number-shaped run masked (first 6 and last 4 kept): the
 * callers pass match keys, and this makes sure a free-text purpose or an argument summary
 * cannot carry a number into the log anyway.
 */
export function withoutIdNumbers(body: AuditBody): AuditBody {
  // Almost every record holds no 17-digit run: checked without copying, copied only if one does.
  return holdsDigitRun(body) ? (masked(body, '') as AuditBody) : body;
}

const DIGIT_RUN = /\d{17}/;

function holdsDigitRun(value: unknown): boolean {
  if (typeof value === 'string') return value.length >= 18 && DIGIT_RUN.test(value);
  if (!value || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some(holdsDigitRun);
  for (const key in value) if (holdsDigitRun((value as Record<string, unknown>)[key])) return true;
  return false;
}

function masked(value: unknown, key: string): unknown {
  if (typeof value === 'string') return KEY_FIELDS.has(key) ? value : maskIdNumbersIn(value);
  if (Array.isArray(value)) return value.map((v: unknown) => masked(v, ''));
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, masked(v, k)]));
}

/** A record ready to store: its place, its hash, its document and the columns filters use. */
export interface AuditRow {
  seq: number;
  hash: string;
  document: string;
  columns: AuditColumns;
}

/** What the adapters index, derived from the document (the verifier checks they still agree). */
export interface AuditColumns {
  id: string;
  at: string;
  action: string;
  actorId: string;
  agency: string | null;
  holderKey: string | null;
  registryKey: string | null;
  purpose: string | null;
  outcome: string;
}

export function columnsOf(body: AuditBody): AuditColumns {
  return {
    id: body.id,
    at: body.at,
    action: body.action,
    actorId: body.actor.id,
    agency: body.actor.agency ?? null,
    holderKey: body.subject.holderKey ?? null,
    registryKey: body.subject.registryKey ?? null,
    purpose: body.purpose ?? null,
    outcome: body.result.outcome,
  };
}

/** Chains bodies after the head of the log (its last record, or the anchor of a purge). */
export function chainBodies(
  alg: HashAlg,
  head: { seq: number; hash: string | undefined },
  bodies: readonly AuditBody[],
): AuditRow[] {
  let { seq, hash } = head;
  return bodies.map((body) => {
    seq += 1;
    const document = canonicalJson(body);
    hash = auditHash(alg, hash, seq, document);
    return { seq, hash, document, columns: columnsOf(body) };
  });
}

export function recordOf(row: { seq: number; hash: string; document: string }): AuditRecord {
  return { ...(JSON.parse(row.document) as AuditBody), seq: row.seq, hash: row.hash };
}
