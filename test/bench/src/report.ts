/** Prints one figure per line: `BENCH <suite>.<figure> <value> <unit>`. */
export function bench(suite: string, figure: string, value: number, unit: string): void {
  const shown = Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 3 : 1);
  process.stdout.write(`BENCH ${suite}.${figure} ${shown} ${unit}\n`);
}

/** Median of three runs: the machine has two cores and its neighbours are noisy. */
export async function medianOf3(run: () => Promise<number>): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < 3; i++) values.push(await run());
  return values.sort((a, b) => a - b)[1]!;
}

export function perSecond(count: number, startedNs: bigint): number {
  const seconds = Number(process.hrtime.bigint() - startedNs) / 1e9;
  return Math.round(count / seconds);
}

/**
 * Runs taken in turns (a, b, c, a, b, c …): when the machine's load drifts, every variant meets
 * the same drift, so their ratios stay fair. Every run's figure, by variant, in round order.
 */
export async function interleavedRuns<K extends string>(
  runs: Record<K, () => Promise<number>>,
  rounds = 5,
): Promise<Record<K, number[]>> {
  const values = {} as Record<K, number[]>;
  const keys = Object.keys(runs) as K[];
  for (let round = 0; round < rounds; round++)
    for (const key of keys) (values[key] ??= []).push(await runs[key]());
  return values;
}

export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Medians of runs taken in turns (see interleavedRuns). */
export async function interleavedMedians<K extends string>(
  runs: Record<K, () => Promise<number>>,
  rounds = 5,
): Promise<Record<K, number>> {
  const values = await interleavedRuns(runs, rounds);
  return Object.fromEntries(
    (Object.keys(values) as K[]).map((k) => [k, median(values[k])]),
  ) as Record<K, number>;
}
