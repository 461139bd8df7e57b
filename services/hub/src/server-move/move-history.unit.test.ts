import type { GlobalPosition, StoredRecord } from '@hub/event-store';
import {
  moveHistory,
  planHistory,
  type HistorySource,
  type HistoryTarget,
} from './move-history.js';

/** Records 1…n whose links name their history (`h`) and position: enough to tell two apart. */
const history = (h: string, n: number, chained = true): StoredRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    position: BigInt(i + 1),
    id: `${h}-${i + 1}`,
    stream: 's',
    revision: i,
    type: 'T',
    dataJson: '{}',
    metadataJson: '{}',
    recordedAt: '2026-12-01T00:00:00.000Z',
    ...(chained ? { chain: `sha256:${h}${i + 1}` } : {}),
  }));

const after = (records: StoredRecord[], position: GlobalPosition | undefined, max: number) =>
  records.filter((r) => r.position > (position ?? 0n)).slice(0, max);

const source = (records: StoredRecord[]): HistorySource => ({
  readStored: (position, max) => after(records, position, max),
  headPosition: async () => records.at(-1)?.position,
});

const target = (records: StoredRecord[]): HistoryTarget & { records: StoredRecord[] } => ({
  records,
  importStored: async (page) => void records.push(...page),
  headPosition: async () => records.at(-1)?.position,
  readAll: async ({ after: position, maxCount = 1000 }) => after(records, position, maxCount),
});

describe('planning a move of the history', () => {
  it('copies everything into an empty target', async () => {
    expect(await planHistory(source(history('a', 5)), target([]))).toEqual({
      from: 0n,
      through: 5n,
    });
  });

  it('goes on after the records an interrupted move left, since their last link is the source’s', async () => {
    const into = target(history('a', 3));
    const plan = await planHistory(source(history('a', 7)), into);
    expect(plan).toEqual({ from: 3n, through: 7n });
    expect(await moveHistory(source(history('a', 7)), into, plan, undefined, 2)).toBe(4);
    expect(into.records.map((r) => r.id)).toEqual(history('a', 7).map((r) => r.id));
  });

  it('has nothing to copy when the target holds the whole source', async () => {
    expect(await planHistory(source(history('a', 4)), target(history('a', 4)))).toEqual({
      from: 4n,
      through: 4n,
    });
  });

  it('refuses a target holding another history, shorter, longer or as long', async () => {
    for (const held of [2, 4, 9])
      await expect(
        planHistory(source(history('a', 4)), target(history('b', held))),
      ).rejects.toThrow('another history');
  });

  it('says the move is done when the target holds the source and more after it', async () => {
    const moved = [...history('a', 4), ...history('z', 6).slice(4)];
    await expect(planHistory(source(history('a', 4)), target(moved))).rejects.toThrow(
      'the move is done',
    );
  });

  it('refuses an empty source beside a target that holds records', async () => {
    await expect(planHistory(source([]), target(history('b', 1)))).rejects.toThrow(
      'another history',
    );
  });

  it('asks for hub migrate evidence first when the source is not chained', async () => {
    await expect(planHistory(source(history('a', 2, false)), target([]))).rejects.toThrow(
      'hub migrate evidence',
    );
  });
});
