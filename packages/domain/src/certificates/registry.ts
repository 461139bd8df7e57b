import type { RecordedHubEvent } from '../catalogue.js';
import type { DocumentProjection } from '../projections/projection.js';
import type { Agency } from '../shared/agencies.js';
import type { CertificateType } from '../shared/refs.js';
import { maskIdNumbersIn, maskResidentId } from '../shared/value-objects/resident-id.js';
import { normalisePersonName } from '../shared/value-objects/person-name.js';
import { parseSealedRef } from '../shared/personal-data-refs.js';
import type {
  CertificateHolderDataCorrected,
  CertificateIssued,
  CertificateRenewed,
  CertificateReviewed,
  CertificateRevoked,
} from './events.js';
import type { PersonalDataProtector } from './personal-data.js';
import { CERTIFICATE_RULES } from './rules.js';

/**
 * One certificate as the three issuers' events describe it. The holder is kept only as keyed
 * hashes, a mask and a sealed copy; so is the number where it embeds the ID number (the
 * special-operations card is `T` + ID number), and the document's key is a keyed hash too.
 */
export interface RegistryCertificate {
  type: CertificateType;
  numberMasked: string;
  issuer: Agency;
  issued: boolean;
  holderKey?: string;
  holderNameKey?: string;
  holderMasked?: string;
  holderSealed?: string;
  operationCategory?: string;
  operationItem?: string;
  issuedOn?: string;
  validUntil?: string;
  nextReviewDue?: string;
  issuingAuthority?: string;
  revokedOn?: string;
  revocationReason?: string;
  lastEventId: string;
}

export const certificateKey = (type: string, number: string) => `${type}:${number.toUpperCase()}`;

/** The registry document key of a certificate: a keyed hash, since numbers may embed ID numbers. */
export const registryKey = (protector: PersonalDataProtector, type: string, number: string) =>
  protector.matchKey(certificateKey(type, number));

/**
 * A number as it may be shown: every ID number inside it masked, whatever the type (an
 * unregistered or mistyped number may embed one too), and for a type whose number is
 * prefix + ID number, everything after the prefix.
 */
export function maskCertificateNumber(type: CertificateType, number: string): string {
  const format = CERTIFICATE_RULES[type].numberFormat;
  const upper = number.toUpperCase();
  if (format?.kind !== 'prefix-plus-id-number') return maskIdNumbersIn(upper);
  return upper.startsWith(format.prefix)
    ? `${format.prefix}${maskResidentId(upper.slice(format.prefix.length))}`
    : maskResidentId(upper);
}

/** A person's ID number and name as keyed hashes, for matching without keeping either. */
export function holderKeys(protector: PersonalDataProtector, idNumber: string, name?: string) {
  return {
    holderKey: protector.matchKey(idNumber.toUpperCase()),
    ...(name === undefined ? {} : { holderNameKey: protector.matchKey(normalisePersonName(name)) }),
  };
}

type RegistryEventType = (
  | typeof CertificateIssued
  | typeof CertificateReviewed
  | typeof CertificateRenewed
  | typeof CertificateRevoked
  | typeof CertificateHolderDataCorrected
)['type'];
type CertificateEvent = Extract<RecordedHubEvent, { type: RegistryEventType }>;

/** The issuers' events that make the registry (verifications do not change it). */
const HANDLED: readonly RegistryEventType[] = [
  'CertificateIssued',
  'CertificateReviewed',
  'CertificateRenewed',
  'CertificateRevoked',
  'CertificateHolderDataCorrected',
];

/**
 * The holder as the registry keeps it. Events keep the ID number as a sealed reference (its
 * match key, mask and sealed value are taken as they are); events recorded before sealing at
 * ingestion still hold it in clear, and are keyed, masked and sealed here as they used to be.
 */
function holderFields(
  protector: PersonalDataProtector,
  holder: { idNumber: string; name: string },
) {
  const ref = parseSealedRef(holder.idNumber);
  if (ref)
    return {
      holderKey: ref.key,
      holderNameKey: protector.matchKey(normalisePersonName(holder.name)),
      holderMasked: ref.masked,
      holderSealed: holder.idNumber,
    };
  return {
    ...holderKeys(protector, holder.idNumber, holder.name),
    holderMasked: maskResidentId(holder.idNumber),
    holderSealed: protector.seal(holder.idNumber),
  };
}

/** The registry key of a certificate an event names: from its sealed number, or computed. */
function registryKeyOfEvent(
  protector: PersonalDataProtector,
  d: { certificateType: string; number: string },
): string {
  return parseSealedRef(d.number)?.key ?? registryKey(protector, d.certificateType, d.number);
}

/** The person an ID number (or its sealed reference) stands for, as a match key. */
const personKeyOf = (protector: PersonalDataProtector, idNumber: string) =>
  parseSealedRef(idNumber)?.key ?? protector.matchKey(idNumber.toUpperCase());

function evolveCertificate(
  protector: PersonalDataProtector,
  doc: RegistryCertificate | undefined,
  event: CertificateEvent,
): RegistryCertificate {
  const base: RegistryCertificate = doc ?? {
    type: event.data.certificateType,
    numberMasked:
      parseSealedRef(event.data.number)?.masked ??
      maskCertificateNumber(event.data.certificateType, event.data.number),
    issuer: event.metadata.agency,
    issued: false,
    lastEventId: event.metadata.eventId,
  };
  const next = { ...base, lastEventId: event.metadata.eventId };
  switch (event.type) {
    case 'CertificateIssued': {
      const d = event.data;
      return {
        ...next,
        issued: true,
        issuer: event.metadata.agency,
        ...holderFields(protector, d.holder),
        operationCategory: d.operationCategory,
        operationItem: d.operationItem,
        issuedOn: d.issuedOn,
        validUntil: d.validUntil,
        ...(d.nextReviewDue ? { nextReviewDue: d.nextReviewDue } : {}),
        issuingAuthority: d.issuingAuthority,
      };
    }
    case 'CertificateReviewed':
      return event.data.nextReviewDue ? { ...next, nextReviewDue: event.data.nextReviewDue } : next;
    case 'CertificateRenewed':
      return { ...next, validUntil: event.data.validUntil };
    case 'CertificateRevoked':
      return { ...next, revokedOn: event.data.revokedOn, revocationReason: event.data.reason };
    case 'CertificateHolderDataCorrected':
      return { ...next, ...holderFields(protector, event.data.holder) };
  }
}

/** The certificate registry: one document per certificate (`type:NUMBER`). */
export function certificateRegistryProjection(
  protector: PersonalDataProtector,
): DocumentProjection<RegistryCertificate> {
  return {
    kind: 'documents',
    name: 'certificate-registry',
    // 2: holders and ID-bearing numbers come as sealed references from the events.
    version: 2,
    handles: HANDLED,
    keysOf: (event) => {
      const d = event.data as { certificateType: string; number: string };
      return [registryKeyOfEvent(protector, d)];
    },
    evolve: (doc, event) => evolveCertificate(protector, doc, event as CertificateEvent),
  };
}

export interface HolderDocument {
  /** Registry keys of the holder's certificates. */
  certificates: string[];
}

/** Certificates by holder (the keyed hash of the ID number): who holds what. */
export function certificateHoldersProjection(
  protector: PersonalDataProtector,
): DocumentProjection<HolderDocument> {
  return {
    kind: 'documents',
    name: 'certificate-holders',
    version: 2,
    handles: ['CertificateIssued', 'CertificateHolderDataCorrected'],
    keysOf: (event) => {
      const d = event.data as { holder: { idNumber: string } };
      return [personKeyOf(protector, d.holder.idNumber)];
    },
    evolve: (doc, event) => {
      const d = event.data as { certificateType: string; number: string };
      const key = registryKeyOfEvent(protector, d);
      const certificates = doc?.certificates ?? [];
      return certificates.includes(key)
        ? { certificates }
        : { certificates: [...certificates, key].sort() };
    },
  };
}
