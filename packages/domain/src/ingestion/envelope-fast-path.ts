import { AGENCIES } from '../shared/agencies.js';
import { Actor, EXTERNAL_ID_PATTERN, Instant, PublishedEnvelope } from '../shared/envelope.js';
import { DIVISION_CODE_PATTERN } from '../shared/value-objects/division-code.js';

/** The patterns the envelope's schemas check these fields with: the same objects. */
const UUID = PublishedEnvelope.shape.id._zod.pattern;
const INSTANT = Instant._zod.pattern;

const ENVELOPE_KEYS: ReadonlySet<string> = new Set(Object.keys(PublishedEnvelope.shape));
const AGENCY_CODES: ReadonlySet<unknown> = new Set(AGENCIES);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;

const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

/**
 * The envelope of a published event as `PublishedEnvelope.parse` gives it, checked without
 * zod's general machinery (about a quarter of the validation of an event that passes, on every
 * event of every batch); undefined when the event is anything but plainly valid, for zod to
 * check and explain. Never more lenient: a test holds it to zod on valid and broken envelopes.
 */
export function envelopeFastPath(raw: unknown): PublishedEnvelope | undefined {
  if (!isPlainObject(raw)) return undefined;
  for (const key in raw) if (!ENVELOPE_KEYS.has(key)) return undefined;
  const { id, type, schemaVersion, agency, reportingUnit, occurredAt } = raw;
  const { correlationId, causationId, actor } = raw;
  if (!isUuid(id) || typeof type !== 'string' || type.length === 0) return undefined;
  if (
    typeof schemaVersion !== 'number' ||
    !Number.isSafeInteger(schemaVersion) ||
    schemaVersion < 1 ||
    schemaVersion > 99
  )
    return undefined;
  if (agency !== undefined && !AGENCY_CODES.has(agency)) return undefined;
  if (typeof reportingUnit !== 'string' || !DIVISION_CODE_PATTERN.test(reportingUnit))
    return undefined;
  if (typeof occurredAt !== 'string' || !INSTANT.test(occurredAt)) return undefined;
  if (correlationId !== undefined && !isUuid(correlationId)) return undefined;
  if (causationId !== undefined && causationId !== null && !isUuid(causationId)) return undefined;
  if (!('data' in raw)) return undefined;
  if (!isPlainObject(actor)) return undefined;
  for (const key in actor) if (key !== 'officerId' && key !== 'unit') return undefined;
  const { officerId, unit } = actor;
  if (typeof officerId !== 'string' || !EXTERNAL_ID_PATTERN.test(officerId)) return undefined;
  // A unit is a name, normalised by its schema: zod's own answer for it.
  let checkedUnit: string | undefined;
  if (unit !== undefined) {
    const parsed = Actor.shape.unit.safeParse(unit);
    if (!parsed.success) return undefined;
    checkedUnit = parsed.data;
  }
  // Keys as zod gives them (the schema's order, absent ones left out): the metadata kept with
  // the event, and compared on a retry, is the same whichever path checked it.
  return {
    id,
    type,
    schemaVersion,
    ...(agency !== undefined ? { agency: agency as PublishedEnvelope['agency'] } : {}),
    reportingUnit,
    occurredAt,
    ...(correlationId !== undefined ? { correlationId } : {}),
    ...(causationId !== undefined ? { causationId } : {}),
    actor: checkedUnit !== undefined ? { officerId, unit: checkedUnit } : { officerId },
    data: raw.data,
  };
}
