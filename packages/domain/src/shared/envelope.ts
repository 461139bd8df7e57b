import { z } from 'zod';
import { AGENCIES, type Agency } from './agencies.js';
import { DivisionCode } from './value-objects/division-code.js';
import { nameSchema } from './value-objects/name.js';

export const EXTERNAL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** An identifier assigned by an agency system; safe inside stream names. */
export const ExternalId = z
  .string()
  .regex(
    EXTERNAL_ID_PATTERN,
    'identifier must be 1-128 ASCII letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
  );

/** A point in time with an explicit offset (e.g. 2024-03-01T09:30:00+08:00). */
export const Instant = z.iso.datetime({
  offset: true,
  message: 'must be an ISO 8601 date-time with an explicit offset, e.g. 2024-03-01T09:30:00+08:00',
});

/** A calendar date (YYYY-MM-DD), read in Asia/Shanghai where it matters. */
export const CalendarDate = z.iso.date({ message: 'must be a date written YYYY-MM-DD' });

export const AgencyCode = z.enum(AGENCIES);

/** Who, inside the publishing agency, did the thing the event records. */
export const Actor = z
  .object({
    officerId: ExternalId.describe('Staff or system identifier inside the publishing agency'),
    unit: nameSchema('organisation', 128).optional().describe('Department or station'),
  })
  .strict();
export type Actor = z.infer<typeof Actor>;

/**
 * What a publisher sends for each event. The publishing agency comes from its credential;
 * `agency`, when given, must agree with it.
 */
export const PublishedEnvelope = z
  .object({
    id: z.uuid({ message: 'event id must be a UUID' }),
    type: z.string().min(1),
    schemaVersion: z.number().int().min(1).max(99),
    agency: AgencyCode.optional(),
    reportingUnit: DivisionCode,
    occurredAt: Instant,
    correlationId: z.uuid().optional(),
    causationId: z.uuid().nullable().optional(),
    actor: Actor,
    data: z.unknown(),
  })
  .strict();
export type PublishedEnvelope = z.infer<typeof PublishedEnvelope>;

/** Envelope fields kept with every recorded event. */
export interface EventMetadata {
  eventId: string;
  schemaVersion: number;
  agency: Agency;
  reportingUnit: string;
  occurredAt: string;
  correlationId: string;
  causationId: string | null;
  actor: Actor;
  /** The agency's signature over the batch the event came in, where it signed one. */
  signature?: BatchSignature;
}

/**
 * A detached signature an agency made over a published batch, kept with each of its events:
 * `value` signs `hub-batch-v1\n<batchDigest>` (see the README) with the key `keyId`.
 */
export interface BatchSignature {
  keyId: string;
  alg: 'ed25519' | 'sm2';
  /** Hex digest of the batch's JSON body (SHA-256 for Ed25519 keys, SM3 for SM2 keys). */
  batchDigest: string;
  /** The signature, base64. */
  value: string;
}

/** Recorded-side facts the event store adds. */
export interface RecordedFacts {
  streamName: string;
  revision: number;
  position: bigint;
  recordedAt: string;
}
