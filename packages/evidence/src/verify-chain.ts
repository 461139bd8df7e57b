import { hash } from 'node:crypto';
import {
  algOfLink,
  chainInput,
  digestOfLink,
  type ChainAlg,
  type EventStore,
  type RecordedEvent,
} from '@hub/event-store';
import { checkpointProblem, type ChainCheckpoint } from './checkpoints.js';

export type ChainProblemKind =
  | 'content_altered'
  | 'link_altered'
  | 'records_missing'
  | 'chain_broken'
  | 'unknown_algorithm'
  | 'checkpoint_mismatch'
  | 'history_truncated'
  | 'checkpoint_invalid';

/** One record that does not match the chain: where it is, and what the chain tells of it. */
export interface ChainProblem {
  kind: ChainProblemKind;
  position: bigint;
  stream?: string;
  eventId?: string;
  /** What differs, Chinese first. */
  detail: string;
}

export interface ChainReport {
  records: number;
  /** Records stored before the chain existed (from the start of the store), not covered by it. */
  unchained: number;
  /**
   * The last record checked: the head a signed checkpoint is compared with. Its link is the
   * record's own, or, for records stored without one, the link derived for them here.
   */
  head?: { position: bigint; link: string; count: number };
  /** Signed checkpoints that were compared with the history and matched it. */
  checkpointsMatched: number;
  problems: ChainProblem[];
  /** Problems found beyond those listed (the list stops at `maxProblems`). */
  moreProblems: number;
}

/** The link a record should carry, given the previous record's stored link. */
export function expectedLink(
  previousLink: string | undefined,
  e: RecordedEvent,
  alg: string,
): string {
  const input = chainInput(previousLink, {
    position: e.position,
    stream: e.streamName,
    revision: e.revision,
    id: e.id,
    type: e.type,
    recordedAt: e.recordedAt,
    dataJson: JSON.stringify(e.data ?? null),
    metadataJson: JSON.stringify(e.metadata ?? {}),
  });
  return `${alg}:${hash(alg, input)}`;
}

/**
 * Walks the whole store in order and recomputes every link. A record that does not match is
 * told apart by what follows it: if the next record still chains onto its stored link, its
 * content was altered; if the next chains onto the link it should have had, its stored link
 * was altered; a gap in positions is a removal; anything else breaks the chain from there on
 * (records inserted, removed or renumbered).
 */
export interface VerifyOptions {
  pageSize?: number;
  maxProblems?: number;
  onProgress?: (records: number) => void;
  /** Signed checkpoints to hold the history to (the hub's own, and files agencies kept). */
  checkpoints?: readonly ChainCheckpoint[];
  /** The hub key checkpoints must be signed with; without it, the key each names is used. */
  trustedPublicKeyPem?: string;
  /** How links are derived for records a store keeps without one (as the notary derived them). */
  derivedAlg?: ChainAlg;
}

export async function verifyChain(
  store: EventStore,
  options: VerifyOptions = {},
): Promise<ChainReport> {
  const pageSize = options.pageSize ?? 10_000;
  const maxProblems = options.maxProblems ?? 20;
  const derivedAlg = options.derivedAlg ?? 'sha256';
  const report: ChainReport = {
    records: 0,
    unchained: 0,
    problems: [],
    moreProblems: 0,
    checkpointsMatched: 0,
  };
  const add = (problem: ChainProblem) => {
    if (report.problems.length < maxProblems) report.problems.push(problem);
    else report.moreProblems += 1;
  };
  const checkpoints = [...(options.checkpoints ?? [])]
    .filter((c) => {
      const problem = checkpointProblem(c, options.trustedPublicKeyPem);
      if (problem)
        add({
          kind: 'checkpoint_invalid',
          position: BigInt(c.position),
          detail: `${problem} (signed ${c.signedAt})`,
        });
      return !problem;
    })
    .sort((a, b) => a.count - b.count);
  let nextCheckpoint = 0;
  // A record whose link did not match, judged once the next record is known.
  let suspect: { event: RecordedEvent; expected: string } | undefined;
  let previous: RecordedEvent | undefined;
  let effective: string | undefined;
  let after: bigint | undefined;
  const reachCheckpoints = (event: RecordedEvent) => {
    report.head = { position: event.position, link: effective!, count: report.records };
    while (checkpoints[nextCheckpoint]?.count === report.records) {
      const c = checkpoints[nextCheckpoint++]!;
      if (c.position === event.position.toString() && c.head === effective) {
        report.checkpointsMatched += 1;
        continue;
      }
      add(
        problemAt(
          event,
          'checkpoint_mismatch',
          `与 ${c.signedAt} 签署的检查点不符（记有位置 ${c.position}、链头 ${c.head.slice(0, 20)}…）：此前的历史被改写 / does not match the checkpoint signed ${c.signedAt} (position ${c.position}, head ${c.head.slice(0, 20)}…): the history before it was rewritten`,
        ),
      );
    }
  };
  for (;;) {
    const page = await store.readAll({
      ...(after === undefined ? {} : { after }),
      maxCount: pageSize,
    });
    for (const event of page) {
      report.records += 1;
      const link = event.chain;
      if (!link) {
        effective = expectedLink(effective, event, derivedAlg);
        if (previous?.chain)
          add(
            problemAt(
              event,
              'chain_broken',
              '记录缺少链值 / the record has no chain link though records before it have one',
            ),
          );
        else report.unchained += 1;
        previous = event;
        reachCheckpoints(event);
        continue;
      }
      const alg = algOfLink(link);
      if (!alg) {
        add(
          problemAt(
            event,
            'unknown_algorithm',
            `链值算法未知 / unknown chain algorithm in "${link.slice(0, 12)}…"`,
          ),
        );
        effective = link;
        previous = event;
        reachCheckpoints(event);
        continue;
      }
      let expected = expectedLink(previous?.chain, event, alg);
      if (suspect) {
        // A previous link that was itself rewritten explains this record's mismatch.
        if (judge(suspect, event, alg, add) === 'link_altered') expected = link;
        suspect = undefined;
      }
      if (expected !== link) {
        if (previous && event.position !== previous.position + 1n) {
          add(
            problemAt(
              event,
              'records_missing',
              `位置 ${previous.position + 1n}–${event.position - 1n} 的记录缺失 / records at positions ${previous.position + 1n} to ${event.position - 1n} are missing`,
            ),
          );
        } else suspect = { event, expected };
      }
      effective = link;
      previous = event;
      reachCheckpoints(event);
    }
    options.onProgress?.(report.records);
    if (page.length < pageSize) break;
    after = page[page.length - 1]!.position;
  }
  for (const c of checkpoints.slice(nextCheckpoint))
    add({
      kind: 'history_truncated',
      position: BigInt(c.position),
      detail: `历史只有 ${report.records} 条记录，但 ${c.signedAt} 签署的检查点记有 ${c.count} 条（至位置 ${c.position}）：末尾的记录被删除 / the history holds ${report.records} records, but the checkpoint signed ${c.signedAt} counts ${c.count} (to position ${c.position}): records were removed from its end`,
    });
  if (suspect)
    add(
      problemAt(
        suspect.event,
        'content_altered',
        `最后一条记录的内容与链值不符 / the last record's content or link does not match its chain (${hintOf(suspect.event)})`,
      ),
    );
  return report;
}

function judge(
  suspect: { event: RecordedEvent; expected: string },
  next: RecordedEvent,
  alg: string,
  add: (p: ChainProblem) => void,
): ChainProblemKind {
  const nextLink = next.chain!;
  const found = (kind: ChainProblemKind, detail: string) => {
    add(problemAt(suspect.event, kind, detail));
    return kind;
  };
  if (expectedLink(suspect.event.chain, next, alg) === nextLink)
    return found(
      'content_altered',
      `记录内容在入链后被改动 / the record was altered after it was chained: ${hintOf(suspect.event)}`,
    );
  if (expectedLink(suspect.expected, next, alg) === nextLink)
    return found(
      'link_altered',
      `记录的链值被改动，内容未变 / the record's stored link was altered; its content is as chained`,
    );
  return found(
    'chain_broken',
    `链在此处断开：此前的记录被插入、删除或重新编号 / the chain breaks here: records before it were inserted, removed or renumbered`,
  );
}

/** What can be told of an altered record without the original: inner inconsistencies. */
function hintOf(event: RecordedEvent): string {
  const metadataId = JSON.stringify((event.metadata as { eventId?: unknown }).eventId);
  if (metadataId !== undefined && metadataId !== JSON.stringify(event.id))
    return `元数据中的事件编号 ${metadataId} 与记录编号不一致 / metadata eventId ${metadataId} differs from the record's id`;
  return '类型、数据、元数据、流、版本或记录时间与入链时不同 / its type, data, metadata, stream, revision or recorded time differ from what was chained';
}

function problemAt(event: RecordedEvent, kind: ChainProblemKind, detail: string): ChainProblem {
  return { kind, position: event.position, stream: event.streamName, eventId: event.id, detail };
}

export { digestOfLink };
