import {
  asOfDocument,
  assembleForm,
  caseView,
  clueLedgerView,
  dayNumber,
  DEFAULT_RECORDING_POLICY,
  FORM_TEMPLATES,
  penaltyInsteadOfProsecution,
  planForm,
  procuratorWorklistReasons,
  recordingFlag,
  STATISTIC_MEASURES,
  TWO_HUNDRED_PERCENT_RATES,
  unitRange,
  type CaseDocument,
  type CaseView,
  type ClueLedgerDocument,
  type ClueLedgerView,
  type ComputedForm,
  type DeadlineRule,
  type FormRequest,
  type FormTemplate,
  type InspectionOutcomeDocument,
  type RecordingFlag,
  type TransferCriteria,
  type WorklistReason,
} from '@hub/domain';
import type { ReadModelStore, TracedFact } from './port.js';

export class UnknownFormError extends Error {
  readonly code = 'UNKNOWN_FORM';
}

export function formTemplate(id: string): FormTemplate {
  const template = FORM_TEMPLATES.find((t) => t.id === id);
  if (!template)
    throw new UnknownFormError(
      `no form "${id}"; forms: ${FORM_TEMPLATES.map((t) => t.id).join(', ')}`,
    );
  return template;
}

/** A form for a reporting unit and period, from the statistics read model. */
export async function computeForm(
  readModels: Pick<ReadModelStore, 'aggregate'>,
  request: FormRequest,
  unitNames?: (unit: string) => string,
): Promise<ComputedForm> {
  const plan = planForm(request);
  const results = await Promise.all(plan.cells.map((c) => readModels.aggregate(c.query)));
  return assembleForm(request, plan, results, unitNames);
}

const FORM_CACHE_SIZE = 256;
const formCaches = new WeakMap<ReadModelStore, Map<string, Promise<ComputedForm>>>();

/**
 * A form as computeForm gives it, remembered until the statistics read model moves on: the
 * cache key holds the statistics checkpoint, so a new event is never hidden behind a cached
 * form, and fifty analysts opening the same form cost one computation.
 */
export async function cachedForm(
  readModels: ReadModelStore,
  request: FormRequest,
  unitNames?: (unit: string) => string,
): Promise<ComputedForm> {
  const checkpoint = (await readModels.checkpoints()).find((c) => c.projection === 'statistics');
  const key = [
    checkpoint?.position ?? '-',
    request.template.id,
    request.unit,
    request.period ?? '',
    request.from ?? '',
    request.to ?? '',
    request.asOf ?? '',
    request.bimonthlyReading ?? '',
  ].join('|');
  let cache = formCaches.get(readModels);
  if (!cache) formCaches.set(readModels, (cache = new Map<string, Promise<ComputedForm>>()));
  let form = cache.get(key);
  if (!form) {
    form = computeForm(readModels, request, unitNames);
    form.catch(() => cache.delete(key));
    if (cache.size >= FORM_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(key, form);
  }
  return form;
}

function tracedCell(
  readModels: ReadModelStore,
  request: FormRequest,
  figureId: string,
  column: number,
): Promise<TracedFact[]> {
  const cell = planForm(request).cells.find(
    (c) => c.scope === 'total' && c.figure.id === figureId && c.column === column,
  );
  if (!cell)
    throw new UnknownFormError(
      `form ${request.template.id} has no figure ${figureId} column ${column}`,
    );
  return readModels.trace(cell.query);
}

/** The ids of the events behind one cell of a form (drill-down). */
export async function traceFormCell(
  readModels: ReadModelStore,
  request: FormRequest,
  figureId: string,
  column = 0,
): Promise<string[]> {
  return (await tracedCell(readModels, request, figureId, column)).map((t) => t.eventId);
}

/**
 * The events behind one cell with the day each happened and when it was recorded, flagged when
 * recorded more than `lateAfterDays` days later: a late event changes a period that may have
 * been reported already.
 */
export async function traceFormCellEvents(
  readModels: ReadModelStore,
  request: FormRequest,
  figureId: string,
  column = 0,
  lateAfterDays: number = DEFAULT_RECORDING_POLICY.lateAfterDays,
): Promise<Array<{ eventId: string } & RecordingFlag>> {
  return (await tracedCell(readModels, request, figureId, column)).map((t) => ({
    eventId: t.eventId,
    ...recordingFlag(t.day, t.recordedMs, lateAfterDays),
  }));
}

/** The same events with where each lies in the store, to read their content from there. */
export async function traceFormCellFacts(
  readModels: ReadModelStore,
  request: FormRequest,
  figureId: string,
  column = 0,
  lateAfterDays: number = DEFAULT_RECORDING_POLICY.lateAfterDays,
): Promise<Array<{ eventId: string; position: bigint } & RecordingFlag>> {
  return (await tracedCell(readModels, request, figureId, column)).map((t) => ({
    eventId: t.eventId,
    position: t.position,
    ...recordingFlag(t.day, t.recordedMs, lateAfterDays),
  }));
}

export interface RateFigure {
  id: string;
  labelZh: string;
  numerator: number;
  denominator: number;
  /** Per mille, rounded down, so it stays an integer; undefined when nothing to divide by. */
  perMille: number | undefined;
}

/** The "two 100%" rates for a unit over days (YYYY-MM-DD), stock up to `to`. */
export async function twoHundredPercentRates(
  readModels: ReadModelStore,
  unit: string,
  from: string,
  to: string,
): Promise<RateFigure[]> {
  return Promise.all(
    TWO_HUNDRED_PERCENT_RATES.map(async (rate) => {
      const value = async (measure: (typeof rate)['numerator'], stock: boolean) => {
        const result = await readModels.aggregate({
          measureId: STATISTIC_MEASURES.idOf(measure),
          aggregate: measure.kind === 'count' && measure.distinct ? 'distinct' : 'sum',
          ...unitRange(unit),
          dayFrom: stock ? 0 : dayNumber(from),
          dayTo: dayNumber(to),
          groupDigits: 0,
        });
        return result.get('') ?? 0n;
      };
      // Enterprises in the area are a stock; what they reported is counted in the period.
      const numerator = await value(rate.numerator, false);
      const denominator = await value(rate.denominator, rate.id === 'selfInspectionRate');
      return {
        id: rate.id,
        labelZh: rate.labelZh,
        // Counts of persons and enterprises: far inside the range where a number is exact.
        numerator: Number(numerator),
        denominator: Number(denominator),
        perMille: denominator > 0n ? Number((numerator * 1000n) / denominator) : undefined,
      };
    }),
  );
}

export interface LedgerFilter {
  /** Only clues whose transferring unit or receiving police unit lies in this division. */
  unit?: string;
  openOnly?: boolean;
  /**
   * The ledger as it stood at this instant: only events the hub had recorded by then, and
   * every deadline judged against it instead of the clock.
   */
  asOf?: string;
}

const within = (code: string | undefined, unit: string) => {
  if (!code) return false;
  const { unitFrom, unitTo } = unitRange(unit);
  return Number(code) >= unitFrom && Number(code) <= unitTo;
};

export async function clueLedger(
  readModels: ReadModelStore,
  rules: readonly DeadlineRule[],
  now: string,
  filter: LedgerFilter = {},
  lateAfterDays: number = DEFAULT_RECORDING_POLICY.lateAfterDays,
): Promise<ClueLedgerView[]> {
  const documents = await readModels.listDocuments('clue-ledger');
  const asOfMs = filter.asOf === undefined ? undefined : Date.parse(filter.asOf);
  return documents
    .map((d) => asOfDocument(d.value as ClueLedgerDocument, asOfMs))
    .filter((d) => d.timeline.length > 0)
    .map((d) => clueLedgerView(d, rules, filter.asOf ?? now, lateAfterDays))
    .filter((v) => !filter.openOnly || v.open)
    .filter(
      (v) =>
        !filter.unit || within(v.reportingUnit, filter.unit) || within(v.toPoliceUnit, filter.unit),
    );
}

export async function caseViews(readModels: ReadModelStore, asOf?: string): Promise<CaseView[]> {
  const asOfMs = asOf === undefined ? undefined : Date.parse(asOf);
  return (await readModels.listDocuments('case-tracking'))
    .map((d) => asOfDocument(d.value as CaseDocument, asOfMs))
    .filter((d) => d.timeline.length > 0)
    .map(caseView);
}

/** The procurator's worklist: cases with a reason to act on now, or as the hub knew them at `asOf`. */
export async function procuratorWorklist(
  readModels: ReadModelStore,
  asOf?: string,
): Promise<Array<{ case: CaseView; reasons: WorklistReason[] }>> {
  return (await caseViews(readModels, asOf))
    .map((c) => ({ case: c, reasons: procuratorWorklistReasons(c) }))
    .filter((w) => w.reasons.length > 0);
}

/** Inspections flagged 以罚代刑 under the given transfer criteria. */
export async function penaltyInsteadOfProsecutionFlags(
  readModels: ReadModelStore,
  criteria?: TransferCriteria,
): Promise<InspectionOutcomeDocument[]> {
  return (await readModels.listDocuments('inspection-outcomes'))
    .map((d) => d.value as InspectionOutcomeDocument)
    .filter((d) => penaltyInsteadOfProsecution(d, criteria));
}
