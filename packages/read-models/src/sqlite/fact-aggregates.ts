import type Database from 'better-sqlite3';

/**
 * Aggregates of rm_facts that a form reads instead of the facts, so that its cost grows with
 * units × days × figures, not with events. The writer keeps them in the transaction that
 * inserts the facts, once per transaction and only for facts actually inserted (a fact
 * applied twice is ignored, and so counts nothing). See statistics-sql.ts for how they are read.
 */
export const AGGREGATES_SCHEMA = `
-- Sums per unit and day, as the facts are summed: high and low 32 bits apart.
CREATE TABLE IF NOT EXISTS rm_fact_sums (
  measure INTEGER NOT NULL,
  unit INTEGER NOT NULL,
  day INTEGER NOT NULL,
  hi INTEGER NOT NULL,
  lo INTEGER NOT NULL,
  PRIMARY KEY (measure, unit, day)
) WITHOUT ROWID;
-- The days each distinct key occurs on within a division (scope: the unit's first 2, 4 or 6
-- digits), each once.
CREATE TABLE IF NOT EXISTS rm_key_days (
  measure INTEGER NOT NULL,
  digits INTEGER NOT NULL,
  scope INTEGER NOT NULL,
  dkey TEXT NOT NULL,
  day INTEGER NOT NULL,
  -- The key before the divisions: a key's rows are read together, from one page.
  PRIMARY KEY (measure, dkey, digits, scope, day)
) WITHOUT ROWID;
-- How many keys of a division occur on day with their previous day prev (-1: none).
-- The distinct keys of days [from, to] are those occurring there with prev < from: each is
-- counted once, on its first day in the range.
CREATE TABLE IF NOT EXISTS rm_distinct_days (
  measure INTEGER NOT NULL,
  digits INTEGER NOT NULL,
  scope INTEGER NOT NULL,
  day INTEGER NOT NULL,
  prev INTEGER NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (measure, digits, scope, day, prev)
) WITHOUT ROWID;
-- The latest recorded time among the facts: an "as of" at or after it is answered from the
-- aggregates. An upper bound is enough.
CREATE TABLE IF NOT EXISTS rm_fact_recorded (
  id INTEGER PRIMARY KEY CHECK (id = 0),
  max_ms INTEGER NOT NULL
);
-- Until schema 2 per-row triggers kept the aggregates: 4x slower for a rebuild. The tables
-- they filled hold the same rows, so an older file just loses them.
DROP TRIGGER IF EXISTS rm_facts_sum;
DROP TRIGGER IF EXISTS rm_facts_new_key;
DROP TRIGGER IF EXISTS rm_facts_known_key;`;

/** A fact as the insert returns it when it was new: its value's high and low 32 bits apart. */
export type InsertedFact = [
  measure: number,
  unit: number,
  day: number,
  hi: number,
  lo: number,
  dkey: string | null,
  recordedMs: number,
];

/** The columns of rm_facts' INSERT ... RETURNING, in InsertedFact's order. */
export const INSERTED_FACT_COLUMNS =
  'measure, unit, day, value >> 32, value & 4294967295, dkey, recorded_ms';

/** The divisions a unit belongs to: digits of the code kept, and what to divide it by. */
const DIVISIONS = [
  [2, 10000],
  [4, 100],
  [6, 1],
] as const;

const ROWS_PER_STATEMENT = 64;

/**
 * Runs one multi-row statement per 64 rows (one call into SQLite instead of 64), the rest
 * one row at a time. `values` is flat, `columns` values a row.
 */
function chunkedRun(
  db: Database.Database,
  sql: (rows: string) => string,
  columns: number,
): (values: unknown[]) => void {
  const row = `(${Array<string>(columns).fill('?').join(', ')})`;
  const many = db.prepare(sql(Array<string>(ROWS_PER_STATEMENT).fill(row).join(', ')));
  const one = db.prepare(sql(row));
  const chunk = ROWS_PER_STATEMENT * columns;
  return (values) => {
    let i = 0;
    for (; i + chunk <= values.length; i += chunk) many.run(values.slice(i, i + chunk));
    for (; i < values.length; i += columns) one.run(values.slice(i, i + columns));
  };
}

/**
 * Folds the facts a transaction inserted into the aggregates: one upsert per (measure, unit,
 * day) summed, one read of each distinct key's known days, one upsert per distinct-day count
 * changed, one insert per key day new in its division.
 */
export function createAggregatesWriter(
  db: Database.Database,
): (facts: readonly InsertedFact[]) => void {
  const addSums = chunkedRun(
    db,
    (rows) => `INSERT INTO rm_fact_sums (measure, unit, day, hi, lo) VALUES ${rows}
     ON CONFLICT (measure, unit, day) DO UPDATE SET hi = hi + excluded.hi, lo = lo + excluded.lo`,
    5,
  );
  const addDistinctDays = chunkedRun(
    db,
    (rows) => `INSERT INTO rm_distinct_days (measure, digits, scope, day, prev, n) VALUES ${rows}
     ON CONFLICT (measure, digits, scope, day, prev) DO UPDATE SET n = n + excluded.n`,
    6,
  );
  const addKeyDays = chunkedRun(
    db,
    (rows) => `INSERT INTO rm_key_days (measure, dkey, digits, scope, day) VALUES ${rows}`,
    5,
  );
  const knownDays = db
    .prepare<[number, string], [number, number, number]>(
      'SELECT digits, scope, day FROM rm_key_days WHERE measure = ? AND dkey = ?',
    )
    .raw(true);
  const putRecorded = db.prepare(
    `INSERT INTO rm_fact_recorded (id, max_ms) VALUES (0, ?)
     ON CONFLICT (id) DO UPDATE SET max_ms = max(max_ms, excluded.max_ms)`,
  );

  return (facts) => {
    if (facts.length === 0) return;
    const sums = new Map<string, [number, number, number, number, number]>();
    // Per measure and key, the (unit, day) pairs newly seen: flat, two numbers each.
    const keys = new Map<string, { measure: number; dkey: string; unitDays: number[] }>();
    let recorded = facts[0]![6];
    for (const [measure, unit, day, hi, lo, dkey, recordedMs] of facts) {
      const at = `${measure}:${unit}:${day}`;
      const sum = sums.get(at);
      // Each term is below 2^32 and a transaction holds far fewer than 2^20 facts: exact.
      if (sum) {
        sum[3] += hi;
        sum[4] += lo;
      } else sums.set(at, [measure, unit, day, hi, lo]);
      if (recordedMs > recorded) recorded = recordedMs;
      if (dkey === null) continue;
      const keyAt = `${measure}\u0000${dkey}`;
      const key = keys.get(keyAt);
      if (key) key.unitDays.push(unit, day);
      else keys.set(keyAt, { measure, dkey, unitDays: [unit, day] });
    }
    addSums([...sums.values()].flat());
    putRecorded.run(recorded);

    const counts = new Map<string, [number, number, number, number, number, number]>();
    const count = (measure: number, digits: number, scope: number, day: number, prev: number, n: number) => {
      const at = `${measure}:${digits}:${scope}:${day}:${prev}`;
      const cell = counts.get(at);
      if (cell) cell[5] += n;
      else counts.set(at, [measure, digits, scope, day, prev, n]);
    };
    const newKeyDays: unknown[] = [];
    for (const { measure, dkey, unitDays } of keys.values()) {
      // The key's days per division, as known before this transaction, then as it adds them.
      const daysOf = new Map<number, number[]>();
      for (const [digits, scope, day] of knownDays.all(measure, dkey)) {
        const division = digits * 1_000_000 + scope;
        const days = daysOf.get(division);
        if (days) days.push(day);
        else daysOf.set(division, [day]);
      }
      for (let i = 0; i < unitDays.length; i += 2) {
        const unit = unitDays[i]!;
        const day = unitDays[i + 1]!;
        for (const [digits, size] of DIVISIONS) {
          const scope = Math.floor(unit / size);
          const division = digits * 1_000_000 + scope;
          const days = daysOf.get(division) ?? [];
          if (days.length === 0) daysOf.set(division, days);
          if (days.includes(day)) continue;
          // A day d new in the division, between the key's days p (or -1) and n (or none):
          // (d, p) is counted, and n's previous day becomes d instead of p.
          let prev = -1;
          let next: number | undefined;
          for (const other of days) {
            if (other < day && other > prev) prev = other;
            if (other > day && (next === undefined || other < next)) next = other;
          }
          count(measure, digits, scope, day, prev, 1);
          if (next !== undefined) {
            count(measure, digits, scope, next, prev, -1);
            count(measure, digits, scope, next, day, 1);
          }
          days.push(day);
          newKeyDays.push(measure, dkey, digits, scope, day);
        }
      }
    }
    addKeyDays(newKeyDays);
    addDistinctDays([...counts.values()].filter((c) => c[5] !== 0).flat());
  };
}
