import type { HubEventType } from '../catalogue.js';

/**
 * A field of an event: a dot path into `data` (e.g. `subject.creditCode`), or one of the
 * envelope fields `$agency` and `$reportingUnit`. Alternatives joined by `|` take the first
 * that is present (`subject.creditCode|subject.name`).
 */
export type FieldPath = string;

export interface Condition {
  field: FieldPath;
  in: readonly (string | number | boolean)[];
}

/**
 * How one figure of a form is computed from events, as data, so that a new form is a new
 * template and not new code. Counting is per event unless `distinct` names a field.
 */
export type Measure =
  | {
      kind: 'count';
      event: HubEventType;
      where?: readonly Condition[];
      distinct?: FieldPath;
      /** Leave out distinct values that also occur in this other (event, field). */
      except?: { event: HubEventType; field: FieldPath };
    }
  | { kind: 'sum'; event: HubEventType; field: FieldPath; where?: readonly Condition[] };

export type FigureUnit = '家' | '人' | '项' | '件' | '个' | '条' | '元' | '万元';

/** Whether the figure counts what happened within the period or everything up to its end. */
export type Accumulation = 'flow' | 'stock';

export interface Figure {
  id: string;
  /** Header text exactly as printed on the official form. */
  headerZh: string;
  unit: FigureUnit;
  measure: Measure;
  accumulation?: Accumulation;
  /**
   * Money only: the decimals the form prints in its unit. More are printed where an amount
   * needs them to stay exact, never trailing zeros beyond these.
   */
  decimals?: number;
}

/** Event types a measure reads. */
export function sourcesOf(measure: Measure): HubEventType[] {
  const types: HubEventType[] = [measure.event];
  if (measure.kind === 'count' && measure.except) types.push(measure.except.event);
  return [...new Set(types)];
}

/** Shorthands that keep the templates readable. */
export const count = (
  event: HubEventType,
  options: Omit<Extract<Measure, { kind: 'count' }>, 'kind' | 'event'> = {},
): Measure => ({ kind: 'count', event, ...options });

export const sum = (
  event: HubEventType,
  field: FieldPath,
  where?: readonly Condition[],
): Measure => (where ? { kind: 'sum', event, field, where } : { kind: 'sum', event, field });

export const when = (field: FieldPath, ...values: (string | number | boolean)[]): Condition => ({
  field,
  in: values,
});
