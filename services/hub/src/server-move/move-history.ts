import { InvalidAppendError, type GlobalPosition, type StoredRecord } from '@hub/event-store';
import { MoveRefusedError } from './errors.js';

/** Where the embedded history is read from (SqliteEventStore). */
export interface HistorySource {
  readStored(after: GlobalPosition | undefined, maxCount: number): StoredRecord[];
  headPosition(): Promise<GlobalPosition | undefined>;
}

/** Where it goes (PostgresEventStore): records written exactly as kept, or refused. */
export interface HistoryTarget {
  importStored(records: readonly StoredRecord[]): Promise<void>;
  headPosition(): Promise<GlobalPosition | undefined>;
  readAll(options: {
    after?: GlobalPosition;
    maxCount?: number;
  }): Promise<Array<{ chain?: string }>>;
}

export interface HistoryPlan {
  /** The target already holds the source's records up to here (0: none). */
  from: bigint;
  /** The source's last record. */
  through: bigint;
}

/** The link of the record at `position` of a target, if it holds one. */
async function targetLinkAt(target: HistoryTarget, position: bigint): Promise<string | undefined> {
  const [record] = await target.readAll({ after: position - 1n, maxCount: 1 });
  return record?.chain;
}

/**
 * What is left to copy. A chain link covers every record before it, so the target is the
 * source's beginning exactly when its last link is the source's link at that position: a
 * move interrupted half-way goes on from there. A target holding anything else (another
 * hub's history, or this one's after server mode has written to it) is refused.
 */
export async function planHistory(
  source: HistorySource,
  target: HistoryTarget,
): Promise<HistoryPlan> {
  const through = (await source.headPosition()) ?? 0n;
  const first = source.readStored(undefined, 1)[0];
  if (first && !first.chain)
    throw new MoveRefusedError(
      '本数据目录的事件库尚未入链：请先运行 hub migrate evidence',
      "this data directory's store is not chained yet: run hub migrate evidence first",
    );
  const held = (await target.headPosition()) ?? 0n;
  if (held === 0n) return { from: 0n, through };
  /** Whether the source's link at `position` is the target's: all before it is the same. */
  const sameAt = async (position: bigint) =>
    position > 0n &&
    position <= through &&
    source.readStored(position - 1n, 1)[0]?.chain === (await targetLinkAt(target, position));
  if (held <= through && (await sameAt(held))) return { from: held, through };
  if (held > through && (await sameAt(through)))
    throw new MoveRefusedError(
      `PostgreSQL 中的事件库已包含本数据目录的全部 ${through} 条记录，且其后又有 ${held - through} 条：迁移已完成，服务器模式已在写入`,
      `PostgreSQL already holds all ${through} records of this data directory and ${held - through} more after them: the move is done and server mode has written since`,
    );
  throw new MoveRefusedError(
    `PostgreSQL 中的事件库已有另一份历史（${held} 条记录，与本数据目录的不一致），未写入任何内容：请使用空数据库`,
    `PostgreSQL already holds another history (${held} records that are not this data directory's); nothing was written: use an empty database`,
  );
}

/**
 * Copies the records after `plan.from`, a page at a time: each page is one transaction, so an
 * interrupted move leaves a prefix that the next run continues. Returns how many were copied.
 */
export async function moveHistory(
  source: HistorySource,
  target: HistoryTarget,
  plan: HistoryPlan,
  onPage: (copied: bigint, through: bigint) => void = () => undefined,
  pageSize = 5000,
): Promise<number> {
  let after = plan.from;
  let copied = 0;
  while (after < plan.through) {
    const page = source.readStored(after, pageSize);
    if (page.length === 0) break;
    try {
      await target.importStored(page);
    } catch (error) {
      if (!(error instanceof InvalidAppendError)) throw error;
      throw new MoveRefusedError(
        `本数据目录的事件库从第 ${after + 1n} 条起的一页中有记录未通过核验（hub verify 可指出是哪条），从该页起未复制：${error.message}`,
        `a record of this data directory's store after position ${after} does not verify (hub verify names it); nothing from that page on was copied: ${error.message}`,
      );
    }
    after = page[page.length - 1]!.position;
    copied += page.length;
    onPage(after, plan.through);
  }
  return copied;
}
