import type Database from 'better-sqlite3';
import type { ExceptPair } from '@hub/domain';

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
-- The units and days each distinct key occurs on, each once: its days in a division (the
-- unit's first 2, 4 or 6 digits) are worked out when read. Files of schema 4 and before had
-- a row per division (rm_key_days, three per unit and day), and those rows, scattered by the
-- key's hash, were most of what each commit of a rebuild wrote.
CREATE TABLE IF NOT EXISTS rm_key_unit_days (
  measure INTEGER NOT NULL,
  dkey TEXT NOT NULL,
  unit INTEGER NOT NULL,
  day INTEGER NOT NULL,
  PRIMARY KEY (measure, dkey, unit, day)
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
-- For a measure with an \`except\`: its keys that the except measure also has. A key with
-- (day, prev) of the measure in a division (digits, scope) and (eday, eprev) of the except
-- measure in the division of \`within\` digits holding it counts n times here. Its keys of days
-- [from, to] that the except measure has in [efrom, eto] are counted by day and eday in range
-- with prev < from and eprev < efrom: each key once.
CREATE TABLE IF NOT EXISTS rm_except_days (
  measure INTEGER NOT NULL,
  except_measure INTEGER NOT NULL,
  digits INTEGER NOT NULL,
  within INTEGER NOT NULL,
  scope INTEGER NOT NULL,
  day INTEGER NOT NULL,
  prev INTEGER NOT NULL,
  eday INTEGER NOT NULL,
  eprev INTEGER NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (measure, except_measure, digits, within, scope, day, prev, eday, eprev)
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
  exceptPairs: readonly ExceptPair[],
): (facts: readonly InsertedFact[]) => void {
  // Each pair once: a pair listed twice would count its changes twice.
  const pairs = [
    ...new Map(exceptPairs.map((p) => [`${p.measureId}:${p.exceptMeasureId}`, p])).values(),
  ];
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
  const addKeyUnitDays = chunkedRun(
    db,
    (rows) => `INSERT INTO rm_key_unit_days (measure, dkey, unit, day) VALUES ${rows}`,
    4,
  );
  const addExceptDays = chunkedRun(
    db,
    (rows) => `INSERT INTO rm_except_days
     (measure, except_measure, digits, within, scope, day, prev, eday, eprev, n) VALUES ${rows}
     ON CONFLICT (measure, except_measure, digits, within, scope, day, prev, eday, eprev)
     DO UPDATE SET n = n + excluded.n`,
    10,
  );
  const knownUnitDays = db
    .prepare<[number, string], [number, number]>(
      'SELECT unit, day FROM rm_key_unit_days WHERE measure = ? AND dkey = ?',
    )
    .raw(true);
  const putRecorded = db.prepare(
    `INSERT INTO rm_fact_recorded (id, max_ms) VALUES (0, ?)
     ON CONFLICT (id) DO UPDATE SET max_ms = max(max_ms, excluded.max_ms)`,
  );

  // Sums of at most 2^20 terms below 2^32 each: exact in a JavaScript number.
  const FACTS_PER_FOLD = 1 << 20;
  return (facts) => {
    for (let i = 0; i < facts.length; i += FACTS_PER_FOLD)
      fold(i === 0 && facts.length <= FACTS_PER_FOLD ? facts : facts.slice(i, i + FACTS_PER_FOLD));
  };

  // Every row is written in its table's key order: rows in random order dirtied pages all
  // over each B-tree, and a rebuild spent most of its commits writing them (a 200,000-event
  // rebuild wrote 2.6 GB, 0.9 GB in key order).
  function fold(facts: readonly InsertedFact[]): void {
    const sums: number[][] = [];
    // Per measure and key, the (unit, day) pairs newly seen: flat, two numbers each.
    const keys = new Map<number, Map<string, number[]>>();
    let recorded = facts[0]![6];
    for (const [measure, unit, day, hi, lo, dkey, recordedMs] of facts) {
      sums.push([measure, unit, day, hi, lo]);
      if (recordedMs > recorded) recorded = recordedMs;
      if (dkey === null) continue;
      let byKey = keys.get(measure);
      if (!byKey) keys.set(measure, (byKey = new Map<string, number[]>()));
      const unitDays = byKey.get(dkey);
      if (unitDays) unitDays.push(unit, day);
      else byKey.set(dkey, [unit, day]);
    }
    addSums(merged(sums, 3, true));
    putRecorded.run(recorded);

    const counts: number[][] = [];
    const newUnitDays: unknown[] = [];
    const states = new Map<number, Map<string, KeyDays>>();
    for (const measure of [...keys.keys()].sort(byNumber)) {
      const byKey = keys.get(measure)!;
      const measureStates = new Map<string, KeyDays>();
      states.set(measure, measureStates);
      for (const dkey of [...byKey.keys()].sort()) {
        const state = keyDays(measure, dkey, byKey.get(dkey)!);
        measureStates.set(dkey, state);
        for (let i = 0; i < state.added.length; i += 2)
          newUnitDays.push(measure, dkey, state.added[i], state.added[i + 1]);
        for (const division of [...state.now.keys()].sort(byNumber)) {
          const days = state.now.get(division)!;
          const before = state.before.get(division);
          if (days.length === (before?.length ?? 0)) continue;
          const digits = Math.floor(division / DIVISION);
          const scope = division % DIVISION;
          // The key's (day, prev) entries in the division now, less those it had before.
          if (before)
            for (const [day, prev] of entries(before))
              counts.push([measure, digits, scope, day, prev, -1]);
          for (const [day, prev] of entries(days))
            counts.push([measure, digits, scope, day, prev, 1]);
        }
      }
    }
    addKeyUnitDays(newUnitDays);
    addDistinctDays(merged(counts, 5));
    addExceptDays(exceptDaysChanged(keys, states));
  }

  /**
   * The key's days per division, as known before this transaction and with `unitDays` added,
   * and the (unit, day) pairs new to it (in key order).
   */
  function keyDays(measure: number, dkey: string, unitDays: readonly number[]): KeyDays {
    const before = new Map<number, number[]>();
    const known = new Set<string>();
    for (const [unit, day] of knownUnitDays.all(measure, dkey)) {
      addUnitDay(before, unit, day);
      known.add(`${unit}:${day}`);
    }
    const added: number[][] = [];
    for (let i = 0; i < unitDays.length; i += 2) {
      const at = `${unitDays[i]!}:${unitDays[i + 1]!}`;
      if (known.has(at)) continue;
      known.add(at);
      added.push([unitDays[i]!, unitDays[i + 1]!]);
    }
    if (added.length === 0) return { before, now: before, added: [] };
    const now = new Map<number, number[]>();
    for (const [division, days] of before) now.set(division, [...days]);
    for (const [unit, day] of added) addUnitDay(now, unit!, day!);
    return { before, now, added: merged(added, 2, true) };
  }

  /**
   * The rm_except_days rows changed by the keys this transaction touched in either measure
   * of an except pair: the pairs of entries the key had are taken away, those it has added.
   */
  function exceptDaysChanged(
    keys: ReadonlyMap<number, ReadonlyMap<string, unknown>>,
    states: Map<number, Map<string, KeyDays>>,
  ): number[] {
    const changes: number[][] = [];
    const stateOf = (measure: number, dkey: string): KeyDays => {
      let measureStates = states.get(measure);
      if (!measureStates) states.set(measure, (measureStates = new Map<string, KeyDays>()));
      let state = measureStates.get(dkey);
      if (!state) {
        state = keyDays(measure, dkey, []);
        measureStates.set(dkey, state);
      }
      return state;
    };
    for (const { measureId: measure, exceptMeasureId: except } of pairs) {
      // The keys touched on either side, each once.
      const touched = new Set<string>();
      for (const side of [measure, except])
        for (const dkey of keys.get(side)?.keys() ?? []) touched.add(dkey);
      for (const dkey of [...touched].sort()) {
        const counted = stateOf(measure, dkey);
        const excepted = stateOf(except, dkey);
        const add = (side: 'before' | 'now', sign: number) => {
          for (const [division, days] of counted[side]) {
            const digits = Math.floor(division / DIVISION);
            const scope = division % DIVISION;
            for (const within of [2, 4, 6]) {
              if (within > digits) continue;
              const outer = within * DIVISION + Math.floor(scope / 10 ** (digits - within));
              const exceptDays = excepted[side].get(outer);
              if (!exceptDays) continue;
              for (const [day, prev] of entries(days))
                for (const [eday, eprev] of entries(exceptDays))
                  changes.push([
                    measure,
                    except,
                    digits,
                    within,
                    scope,
                    day,
                    prev,
                    eday,
                    eprev,
                    sign,
                  ]);
            }
          }
        };
        add('before', -1);
        add('now', 1);
      }
    }
    return merged(changes, 9);
  }
}

/** A key's days per division (digits × DIVISION + scope), before a transaction and now. */
interface KeyDays {
  before: Map<number, number[]>;
  now: Map<number, number[]>;
  /** The (unit, day) pairs the transaction adds, flat. */
  added: number[];
}

/** Adds a day of a unit to each of the unit's divisions, once. */
function addUnitDay(days: Map<number, number[]>, unit: number, day: number): void {
  for (const [digits, size] of DIVISIONS) {
    const division = digits * DIVISION + Math.floor(unit / size);
    const known = days.get(division);
    if (!known) days.set(division, [day]);
    else if (!known.includes(day)) known.push(day);
  }
}

const DIVISION = 1_000_000;

const byNumber = (a: number, b: number) => a - b;

/**
 * Rows sorted by their first `keyColumns` numbers, those with equal keys merged by adding the
 * rest; flat, as the statements take them. Counts that add up to nothing are left out (`sums`
 * keep them: a fact of value 0 still makes its group appear, as it does from the facts).
 */
function merged(rows: number[][], keyColumns: number, keepZero = false): number[] {
  rows.sort((a, b) => {
    for (let i = 0; i < keyColumns; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
    return 0;
  });
  const out: number[] = [];
  let last: number[] | undefined;
  const flush = () => {
    if (!last) return;
    let nonZero = keepZero;
    for (let i = keyColumns; i < last.length && !nonZero; i++) nonZero = last[i] !== 0;
    if (nonZero) for (const v of last) out.push(v);
  };
  for (const row of rows) {
    if (last && sameKey(last, row, keyColumns)) {
      for (let i = keyColumns; i < row.length; i++) last[i]! += row[i]!;
      continue;
    }
    flush();
    last = row;
  }
  flush();
  return out;
}

function sameKey(a: readonly number[], b: readonly number[], keyColumns: number): boolean {
  for (let i = 0; i < keyColumns; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A key's days in a division as (day, previous day or -1) entries, the unit of every count. */
function entries(days: readonly number[]): Array<[number, number]> {
  const sorted = [...days].sort(byNumber);
  return sorted.map((day, i) => [day, i === 0 ? -1 : sorted[i - 1]!]);
}
