import type { HubEventType, RecordedHubEvent } from '../catalogue.js';
import { shanghaiDay, type DayNumber } from '../shared/time.js';
import { MAX_AMOUNT_FEN } from '../shared/value-objects/money.js';
import { FORM_TEMPLATES, TWO_HUNDRED_PERCENT_RATES } from './forms.js';
import type { FieldPath, Measure } from './measures.js';
import { identityOf } from '../shared/personal-data-refs.js';

/**
 * The statistics projection keeps one fact per (event, measure it feeds): the reporting unit,
 * the Asia/Shanghai day the event happened, the value it adds and, for distinct counts, the
 * key counted. Any form cell is then an aggregate over a range of units and days, and every
 * cell traces back to the ids of the events behind it.
 */
export interface StatisticFact {
  measureId: number;
  /** Division code of the reporting unit. */
  unit: string;
  day: DayNumber;
  /** 1 for a count; the summed field (fen for money) for a sum: an integer, 0 to MAX_SUMMABLE. */
  value: number;
  /** The value counted once, for distinct counts. */
  distinctKey?: string;
}

type Accessor = (event: RecordedHubEvent) => unknown;

/** A measure with the stable numeric id its facts are stored under. */
export interface RegisteredMeasure {
  id: number;
  measure: Measure;
  /** The measure's conditions and fields, compiled once. */
  compiled: {
    where: Array<{ read: Accessor; values: ReadonlySet<unknown> }>;
    value?: Accessor;
    distinct?: Accessor;
  };
}

/**
 * The largest value one fact may add to a sum: the largest bound of a summed field (money;
 * counts are bounded lower). Every value up to it is exact, and the stores sum it without
 * overflow; events recorded before the bounds existed may hold more, and add nothing.
 */
export const MAX_SUMMABLE = MAX_AMOUNT_FEN;

const summable = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= MAX_SUMMABLE;

/** Canonical text of a measure: equal measures in different forms share their facts. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** FNV-1a, 31 bits: a small stable id that fits every SQL integer type. */
function fnv1a31(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash & 0x7fffffff;
}

/** The counted side of an `except`: its own measure, so it has facts of its own. */
export function exceptMeasureOf(measure: Measure): Measure | undefined {
  if (measure.kind !== 'count' || !measure.except) return undefined;
  return { kind: 'count', event: measure.except.event, distinct: measure.except.field };
}

/** A counted measure and the measure whose keys it leaves out (read models keep both together). */
export interface ExceptPair {
  measureId: number;
  exceptMeasureId: number;
}

export class MeasureRegistry {
  private readonly byKey = new Map<string, RegisteredMeasure>();
  private readonly byEvent = new Map<string, RegisteredMeasure[]>();
  private readonly excepts: ExceptPair[] = [];

  constructor(measures: Iterable<Measure>) {
    const ids = new Map<number, string>();
    for (const measure of measures) {
      for (const m of [measure, exceptMeasureOf(measure)]) {
        if (!m) continue;
        const key = canonical(m);
        if (this.byKey.has(key)) continue;
        const id = fnv1a31(key);
        if (ids.has(id)) throw new Error(`measure id collision: ${key} and ${ids.get(id)}`);
        ids.set(id, key);
        const registered: RegisteredMeasure = {
          id,
          measure: m,
          compiled: {
            where: (m.where ?? []).map((c) => ({
              read: fieldAccessor(c.field),
              values: new Set(c.in),
            })),
            ...(m.kind === 'sum' ? { value: fieldAccessor(m.field) } : {}),
            ...(m.kind === 'count' && m.distinct ? { distinct: fieldAccessor(m.distinct) } : {}),
          },
        };
        this.byKey.set(key, registered);
        this.byEvent.set(m.event, [...(this.byEvent.get(m.event) ?? []), registered]);
      }
      const except = exceptMeasureOf(measure);
      if (except) {
        const pair = { measureId: this.idOf(measure), exceptMeasureId: this.idOf(except) };
        if (!this.excepts.some((p) => p.measureId === pair.measureId)) this.excepts.push(pair);
      }
    }
  }

  /** Each measure with an `except` and the measure it leaves keys out by. */
  exceptPairs(): readonly ExceptPair[] {
    return this.excepts;
  }

  idOf(measure: Measure): number {
    const found = this.byKey.get(canonical(measure));
    if (!found) throw new Error(`measure not registered: ${canonical(measure)}`);
    return found.id;
  }

  measuresOf(type: string): readonly RegisteredMeasure[] {
    return this.byEvent.get(type) ?? [];
  }

  eventTypes(): HubEventType[] {
    return [...this.byEvent.keys()] as HubEventType[];
  }

  get size(): number {
    return this.byKey.size;
  }
}

/** Every measure of every form template and of the "two 100%" rates. */
export const STATISTIC_MEASURES = new MeasureRegistry([
  ...FORM_TEMPLATES.flatMap((t) => t.lines.flatMap((l) => l.figures.map((f) => f.measure))),
  ...TWO_HUNDRED_PERCENT_RATES.flatMap((r) => [r.numerator, r.denominator]),
]);

/** A field path compiled once into a function (paths are split at registration, not per event). */
export function fieldAccessor(path: FieldPath): Accessor {
  const alternatives = path.split('|').map((alternative): Accessor => {
    if (alternative === '$agency') return (e) => e.metadata.agency;
    if (alternative === '$reportingUnit') return (e) => e.metadata.reportingUnit;
    const parts = alternative.split('.');
    return (e) => {
      let value: unknown = e.data;
      for (const part of parts)
        value =
          value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
      return value;
    };
  });
  return (event) => {
    for (const read of alternatives) {
      const value = read(event);
      if (value !== undefined && value !== null && value !== '') return value;
    }
    return undefined;
  };
}

/** The value of a field path in an event; alternatives `a|b` take the first present. */
export function fieldValue(event: RecordedHubEvent, path: FieldPath): unknown {
  return fieldAccessor(path)(event);
}

function factOf(
  event: RecordedHubEvent,
  { id, compiled }: RegisteredMeasure,
  day: DayNumber,
): StatisticFact | undefined {
  for (const condition of compiled.where)
    if (!condition.values.has(condition.read(event))) return undefined;
  const unit = event.metadata.reportingUnit;
  if (compiled.value) {
    const value = compiled.value(event);
    return summable(value) ? { measureId: id, unit, day, value } : undefined;
  }
  if (!compiled.distinct) return { measureId: id, unit, day, value: 1 };
  const key = compiled.distinct(event);
  if (typeof key !== 'string' && typeof key !== 'number') return undefined;
  // A person counts once by the match key of their sealed ID number, whatever key sealed it.
  return { measureId: id, unit, day, value: 1, distinctKey: identityOf(String(key)) };
}

/** The facts one event contributes to the statistics. Pure. */
export function statisticFactsOf(
  event: RecordedHubEvent,
  registry: MeasureRegistry = STATISTIC_MEASURES,
): StatisticFact[] {
  const measures = registry.measuresOf(event.type);
  if (measures.length === 0) return [];
  const day = shanghaiDay(event.metadata.occurredAt);
  const facts: StatisticFact[] = [];
  for (const m of measures) {
    const fact = factOf(event, m, day);
    if (fact) facts.push(fact);
  }
  return facts;
}

/**
 * Why an event adds less to the statistics than its fields say: a summed field that is not an
 * integer from 0 to MAX_SUMMABLE (only events recorded before the bounds can hold one). The
 * runner logs these, so a left-out amount is never silent. Pure.
 */
export function statisticWarningsOf(
  event: RecordedHubEvent,
  registry: MeasureRegistry = STATISTIC_MEASURES,
): string[] {
  const warnings = new Set<string>();
  for (const { measure, compiled } of registry.measuresOf(event.type)) {
    if (!compiled.value || measure.kind !== 'sum') continue;
    const value = compiled.value(event);
    if (value !== undefined && !summable(value))
      warnings.add(
        `${event.type}.${measure.field} = ${JSON.stringify(value)} is not an integer from 0 to ${MAX_SUMMABLE}; left out of the sums`,
      );
  }
  return [...warnings];
}
