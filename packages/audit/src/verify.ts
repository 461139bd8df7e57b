import { algOfHash, auditHash, canonicalJson, columnsOf, recordOf } from './chain.js';
import type { AuditLog, StoredAuditRow } from './port.js';
import type { AuditBody } from './record.js';

export type AuditProblemKind =
  | 'content_altered'
  | 'hash_altered'
  | 'records_missing'
  | 'chain_broken'
  | 'unknown_algorithm'
  | 'columns_altered'
  | 'anchor_mismatch'
  | 'purged_too_early';

/** One record (or purge anchor) that does not match the chain, and what differs. */
export interface AuditProblem {
  kind: AuditProblemKind;
  seq: number;
  id?: string;
  /** Chinese first. */
  detail: string;
}

export interface AuditChainReport {
  records: number;
  /** Purges so far, and the records they removed. */
  anchors: number;
  purged: number;
  head?: { seq: number; hash: string };
  problems: AuditProblem[];
  moreProblems: number;
}

/**
 * Walks the whole audit log in order and recomputes every hash from the stored document.
 * A record whose hash does not match is judged by the next one, as the event chain's verifier
 * does: if the next still chains onto the stored hash, the content was altered; if it chains
 * onto the hash the record should have had, the stored hash was altered. A gap in seq is a
 * removal; the indexed columns must say what the document says (a filter reads them). The
 * first remaining record after a purge chains onto the purge's anchor.
 */
export async function verifyAuditChain(
  log: AuditLog,
  options: { pageSize?: number; maxProblems?: number } = {},
): Promise<AuditChainReport> {
  const pageSize = options.pageSize ?? 5000;
  const maxProblems = options.maxProblems ?? 20;
  const anchors = await log.anchors();
  const report: AuditChainReport = {
    records: 0,
    anchors: anchors.length,
    purged: anchors.reduce((n, a) => n + a.count, 0),
    problems: [],
    moreProblems: 0,
  };
  const add = (problem: AuditProblem) => {
    if (report.problems.length < maxProblems) report.problems.push(problem);
    else report.moreProblems += 1;
  };
  let previousAnchor = 0;
  for (const anchor of anchors) {
    if (anchor.throughSeq <= previousAnchor || !algOfHash(anchor.hash))
      add({
        kind: 'anchor_mismatch',
        seq: anchor.throughSeq,
        detail: `清除锚点不连贯（至 ${anchor.throughSeq}）/ the purge anchor through ${anchor.throughSeq} does not follow the one before`,
      });
    const kept = Date.parse(anchor.purgedAt) - Date.parse(anchor.before);
    if (!(kept >= anchor.retentionDays * 86_400_000))
      add({
        kind: 'purged_too_early',
        seq: anchor.throughSeq,
        detail: `${anchor.purgedAt} 的清除删除了保留期（${anchor.retentionDays} 天）内的记录 / the purge of ${anchor.purgedAt} removed records inside the retention period (${anchor.retentionDays} days)`,
      });
    previousAnchor = anchor.throughSeq;
  }
  const last = anchors[anchors.length - 1];
  // The chain of what remains starts at the last anchor (or at the genesis).
  let previous: { seq: number; hash: string | undefined } = last
    ? { seq: last.throughSeq, hash: last.hash }
    : { seq: 0, hash: undefined };
  let suspect: { row: StoredAuditRow; expected: string } | undefined;
  for (let after = previous.seq; ;) {
    const rows = await log.readRows(after, pageSize);
    for (const row of rows) {
      report.records += 1;
      const alg = algOfHash(row.hash);
      if (!alg) {
        add(
          at(
            row,
            'unknown_algorithm',
            `哈希算法未知 / unknown hash algorithm in "${row.hash.slice(0, 12)}…"`,
          ),
        );
        previous = row;
        continue;
      }
      let expected = auditHash(alg, previous.hash, row.seq, row.document);
      if (suspect) {
        if (judge(suspect, row, alg, add) === 'hash_altered')
          expected = auditHash(alg, suspect.expected, row.seq, row.document);
        suspect = undefined;
      }
      if (row.seq !== previous.seq + 1) {
        add(
          at(
            row,
            'records_missing',
            `序号 ${previous.seq + 1}–${row.seq - 1} 的审计记录缺失 / audit records ${previous.seq + 1} to ${row.seq - 1} are missing`,
          ),
        );
      } else if (expected !== row.hash) suspect = { row, expected };
      // A record that chains is as written; its columns must still say the same.
      else checkColumns(row, add);
      previous = row;
    }
    if (rows.length < pageSize) break;
    after = rows[rows.length - 1]!.seq;
  }
  if (suspect)
    add(
      at(
        suspect.row,
        'content_altered',
        '最后一条审计记录的内容或哈希与链不符 / the last audit record’s content or hash does not match the chain',
      ),
    );
  if (previous.hash && previous.seq > 0) report.head = { seq: previous.seq, hash: previous.hash };
  return report;
}

function judge(
  suspect: { row: StoredAuditRow; expected: string },
  next: StoredAuditRow,
  alg: Parameters<typeof auditHash>[0],
  add: (p: AuditProblem) => void,
): AuditProblemKind {
  const found = (kind: AuditProblemKind, detail: string) => {
    add(at(suspect.row, kind, detail));
    return kind;
  };
  if (auditHash(alg, suspect.row.hash, next.seq, next.document) === next.hash)
    return found(
      'content_altered',
      '审计记录在入链后被改动 / the audit record was altered after it was chained',
    );
  if (auditHash(alg, suspect.expected, next.seq, next.document) === next.hash)
    return found(
      'hash_altered',
      '审计记录的哈希被改动，内容未变 / the audit record’s stored hash was altered; its content is as chained',
    );
  return found(
    'chain_broken',
    '链在此处断开：此前的审计记录被插入、删除或重新编号 / the chain breaks here: audit records before it were inserted, removed or renumbered',
  );
}

/** The indexed columns must say what the document says: filters read them. */
function checkColumns(row: StoredAuditRow, add: (p: AuditProblem) => void): void {
  let body: AuditBody;
  try {
    body = recordOf(row);
  } catch {
    add(at(row, 'content_altered', '审计记录不是有效的 JSON / the audit record is not valid JSON'));
    return;
  }
  if (canonicalJson(columnsOf(body)) !== canonicalJson(row.columns))
    add(
      at(
        row,
        'columns_altered',
        '审计记录的检索列与记录内容不一致（按条件查询会漏掉或错列此记录）/ the record’s indexed columns differ from its content (filtered reads would miss or misplace it)',
      ),
    );
}

function at(row: StoredAuditRow, kind: AuditProblemKind, detail: string): AuditProblem {
  return { kind, seq: row.seq, id: row.columns.id, detail };
}
