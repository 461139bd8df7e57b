import type { HashAlg } from '@hub/crypto';
import { NATIONWIDE, withinUnits } from '@hub/domain';
import type { AuditBody, AuditOutcome, AuditRecord } from './record.js';

/** Filters of the audit log; every given one must hold. */
export interface AuditQuery {
  /** Records at or after this instant (UTC ISO). */
  from?: string;
  /** Records before this instant (UTC ISO, exclusive). */
  to?: string;
  actorId?: string;
  /** The actor's agency. */
  agency?: string;
  /** An action code (`personal_data.unmask`) or a family (`export`: every `export.*`). */
  action?: string;
  /** A person, by the match key of their ID number. */
  holderKey?: string;
  registryKey?: string;
  /** Records whose purpose contains this text. */
  purpose?: string;
  outcome?: AuditOutcome;
  /**
   * The reader's units: only records whose actor works in one of them, or whose subject unit
   * lies in one of them (`000000`: everything). Absent: no scoping (the hub command).
   */
  scope?: readonly string[];
}

export interface AuditPageRequest {
  /** At most this many records (newest first). */
  first: number;
  /** The cursor of the last record of the previous page. */
  after?: string;
}

export interface AuditPage {
  records: Array<AuditRecord & { cursor: string }>;
  hasNextPage: boolean;
  endCursor: string | null;
}

/**
 * What remains of purged records: the hash and place of the last one removed, so the records
 * after it still verify, and how many went.
 */
export interface AuditAnchor {
  /** The last seq removed; the first remaining record is the next one. */
  throughSeq: number;
  /** That record's hash: the chain of what remains starts from it. */
  hash: string;
  /** Records this purge removed. */
  count: number;
  /** Records removed from the start of the log up to here, over every purge. */
  totalCount: number;
  /** Records older than this instant were asked to go (UTC ISO). */
  before: string;
  purgedAt: string;
  retentionDays: number;
}

export interface PurgeRequest {
  /** Remove records older than this instant (UTC ISO). */
  before: string;
  /** The hub's clock and retention period: a purge inside the period is refused. */
  now: Date;
  retentionDays: number;
}

export interface PurgeResult {
  purged: number;
  anchor?: AuditAnchor;
}

/** A stored record as kept: for the verifier, which must not trust the parsed form. */
export interface StoredAuditRow {
  seq: number;
  hash: string;
  document: string;
  /** The indexed columns as stored: filters read them, so they must agree with the document. */
  columns: {
    id: string;
    at: string;
    action: string;
    actorId: string;
    agency: string | null;
    holderKey: string | null;
    registryKey: string | null;
    purpose: string | null;
    outcome: string;
  };
}

/**
 * The audit log: append-only, hash-chained, purged only from its start and only past the
 * retention period. One contract suite (`@hub/audit/contract`) holds every adapter to this.
 */
export interface AuditLog {
  readonly alg: HashAlg;
  /**
   * Appends in one transaction, chained after the log's head; returns the stored records.
   * Durable (the default): on disk when it resolves. Not durable: a crash of the machine (not
   * of the process) may lose it until the next durable append or checkpoint — what a buffer
   * of reads already accepts; an opening of personal data is always durable.
   */
  append(bodies: readonly AuditBody[], options?: { durable?: boolean }): Promise<AuditRecord[]>;
  /** Newest first, filtered, in pages. */
  query(query: AuditQuery, page: AuditPageRequest): Promise<AuditPage>;
  /** Removes the oldest records before `before`, keeping an anchor; refused inside retention. */
  purge(request: PurgeRequest): Promise<PurgeResult>;
  /** Stored rows in seq order after `afterSeq`, for verification. */
  readRows(afterSeq: number, limit: number): Promise<StoredAuditRow[]>;
  /** Anchors of past purges, oldest first. */
  anchors(): Promise<AuditAnchor[]>;
  close(): Promise<void>;
}

/** A query's cursor error: the caller's mistake (a cursor this log did not give out). */
export class AuditCursorError extends Error {
  readonly code = 'AUDIT_QUERY_INVALID';
}

export const cursorOfSeq = (seq: number) => Buffer.from(`a${seq}`, 'utf8').toString('base64url');

export function seqOfCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const seq = /^a(\d{1,15})$/.exec(text)?.[1];
  if (seq === undefined || cursorOfSeq(Number(seq)) !== cursor)
    throw new AuditCursorError(
      'after 不是本接口给出的游标 / after is not a cursor this API gave out',
    );
  return Number(seq);
}

/** Whether a reader with these units may see a record (see AuditQuery.scope). */
export function inScope(record: AuditBody, scope: readonly string[] | undefined): boolean {
  // The whole country sees records of no unit too: failed sign-ins, the hub command.
  if (!scope || scope.includes(NATIONWIDE)) return true;
  if (withinUnits(scope, record.subject.unit)) return true;
  return (record.actor.units ?? []).some((unit) => withinUnits(scope, unit));
}

/**
 * Fills one page from batches the adapter reads newest first (its SQL filters applied), keeping
 * the records the reader's scope allows: scoping follows division containment, which the
 * adapters do not index, so they read on until the page is full.
 */
export async function pageThrough(
  fetch: (beforeSeq: number | undefined, limit: number) => Promise<AuditRecord[]>,
  scope: readonly string[] | undefined,
  page: AuditPageRequest,
): Promise<AuditPage> {
  const kept: AuditRecord[] = [];
  let before = page.after === undefined ? undefined : seqOfCursor(page.after);
  let limit = page.first + 1;
  for (;;) {
    const batch = await fetch(before, limit);
    for (const record of batch) if (inScope(record, scope)) kept.push(record);
    if (kept.length > page.first || batch.length < limit) break;
    before = batch[batch.length - 1]!.seq;
    limit = 500;
  }
  const records = kept.slice(0, page.first).map((r) => ({ ...r, cursor: cursorOfSeq(r.seq) }));
  return {
    records,
    hasNextPage: kept.length > page.first,
    endCursor: records.length ? records[records.length - 1]!.cursor : null,
  };
}

/** The SQL conditions of a query, with `?` placeholders, shared by the adapters. */
export function conditionsOf(
  query: AuditQuery,
  contains: (column: string) => string,
): { sql: string[]; params: unknown[] } {
  const sql: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, ...values: unknown[]) => {
    sql.push(clause);
    params.push(...values);
  };
  if (query.from) add('at >= ?', query.from);
  if (query.to) add('at < ?', query.to);
  if (query.actorId) add('actor_id = ?', query.actorId);
  if (query.agency) add('agency = ?', query.agency);
  if (query.action) {
    // A family (`export`) is every code under it; a full code is itself.
    if (query.action.includes('.')) add('action = ?', query.action);
    else
      add(
        '(action = ? OR substr(action, 1, ?) = ?)',
        query.action,
        query.action.length + 1,
        `${query.action}.`,
      );
  }
  if (query.holderKey) add('holder_key = ?', query.holderKey);
  if (query.registryKey) add('registry_key = ?', query.registryKey);
  if (query.purpose) add(contains('purpose'), query.purpose);
  if (query.outcome) add('outcome = ?', query.outcome);
  return { sql, params };
}
