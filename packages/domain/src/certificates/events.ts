import { z } from 'zod';
import type { Agency } from '../shared/agencies.js';
import { defineEvent } from '../shared/event-definition.js';
import { parseSealedRef } from '../shared/personal-data-refs.js';
import { CalendarDate, ExternalId } from '../shared/envelope.js';
import {
  CertificateNumber,
  CertificateType,
  MaskedCertificateRef,
  PersonRef,
  withoutIdNumber,
} from '../shared/refs.js';
import { CategoryName, nameSchema } from '../shared/value-objects/name.js';

/** The outcomes of BRIEF §3, plus "not yet in the registry" during its lag after an issue. */
export const VERIFICATION_RESULTS = [
  'valid',
  'pending_registry',
  'unknown_number',
  'revoked',
  'holder_mismatch',
  'data_mismatch',
  'expired',
  'review_overdue',
  'other_department',
  'not_valid_for_job',
] as const;

/** Which agency issues which certificate type (BRIEF §3). */
export const ISSUER_OF: Record<CertificateType, Agency> = {
  special_operations: 'emergency',
  safety_management: 'emergency',
  construction_special_operations: 'construction',
  special_equipment: 'market',
};

const issuers = ['emergency', 'construction', 'market'] as const;

function onlyOwnCertificates(agency: Agency, data: { certificateType: CertificateType }) {
  const issuer = ISSUER_OF[data.certificateType];
  return issuer === agency
    ? undefined
    : `${data.certificateType} certificates are issued by ${issuer}, not ${agency}`;
}

/** A certificate's stream; a number that holds an ID number is named by its registry key. */
const certificateStream = (d: { certificateType: string; number: string }) => {
  const sealed = parseSealedRef(d.number);
  return `certificate-${d.certificateType}-${sealed ? `k${sealed.key}` : d.number}`;
};

const CertificateKey = {
  certificateType: CertificateType,
  number: CertificateNumber,
};

export const CertificateIssued = defineEvent({
  type: 'CertificateIssued',
  version: 1,
  titleZh: '证书核发',
  description: 'An issuing agency issued a certificate to one person for one operation category.',
  publishers: issuers,
  mayPublish: onlyOwnCertificates,
  stream: certificateStream,
  schema: z
    .object({
      ...CertificateKey,
      holder: PersonRef,
      operationCategory: CategoryName.describe('作业类别'),
      operationItem: CategoryName.describe('操作项目'),
      issuedOn: CalendarDate,
      validUntil: CalendarDate,
      nextReviewDue: CalendarDate.optional().describe(
        '复审 due date; every 3 years for 特种作业操作证',
      ),
      issuingAuthority: nameSchema('organisation', 128),
    })
    .strict(),
});

export const CertificateReviewed = defineEvent({
  type: 'CertificateReviewed',
  version: 1,
  titleZh: '证书复审',
  description: 'The periodic review (复审) of a certificate took place.',
  publishers: issuers,
  mayPublish: onlyOwnCertificates,
  stream: certificateStream,
  schema: z
    .object({
      ...CertificateKey,
      reviewedOn: CalendarDate,
      passed: z.boolean(),
      nextReviewDue: CalendarDate.optional(),
    })
    .strict(),
});

export const CertificateRenewed = defineEvent({
  type: 'CertificateRenewed',
  version: 1,
  titleZh: '证书延期换证',
  description: 'A certificate was renewed (延期换证) with a new validity end.',
  publishers: issuers,
  mayPublish: onlyOwnCertificates,
  stream: certificateStream,
  schema: z
    .object({
      ...CertificateKey,
      renewedOn: CalendarDate,
      validUntil: CalendarDate,
      nextReviewDue: CalendarDate.optional(),
    })
    .strict(),
});

export const CertificateRevoked = defineEvent({
  type: 'CertificateRevoked',
  version: 1,
  titleZh: '证书撤销/注销',
  description: 'A certificate was revoked or cancelled.',
  publishers: issuers,
  mayPublish: onlyOwnCertificates,
  stream: certificateStream,
  schema: z
    .object({
      ...CertificateKey,
      revokedOn: CalendarDate,
      reason: z.enum([
        'obtained_by_fraud',
        'serious_violation',
        'holder_request',
        'deceased',
        'other',
      ]),
      note: z.string().max(500).optional(),
    })
    .strict(),
});

export const CertificateHolderDataCorrected = defineEvent({
  type: 'CertificateHolderDataCorrected',
  version: 1,
  titleZh: '持证人信息更正',
  description: "The holder's data on a certificate was corrected by its issuer.",
  publishers: issuers,
  mayPublish: onlyOwnCertificates,
  stream: certificateStream,
  schema: z
    .object({
      ...CertificateKey,
      holder: PersonRef,
      reason: z.string().min(1).max(500),
    })
    .strict(),
});

/** A certificate checked during an inspection (逢查必检); the holder appears only masked. */
export const CertificateVerified = defineEvent({
  type: 'CertificateVerified',
  version: 1,
  titleZh: '证书核验',
  description:
    'A certificate was checked against the shared registry, e.g. during an inspection; a negative result is addressed to its issuer.',
  publishers: ['emergency', 'construction', 'market', 'police'],
  stream: (d) =>
    d.inspectionId ? `inspection-${d.inspectionId}` : `verification-${d.verificationId}`,
  addressees: (d) =>
    d.result === 'valid' || d.result === 'pending_registry' ? [] : [ISSUER_OF[d.certificate.type]],
  schema: z
    .object({
      verificationId: ExternalId,
      inspectionId: ExternalId.optional(),
      certificate: MaskedCertificateRef,
      holderMasked: z
        .string()
        .regex(
          /^[0-9]{6}\*{8}[0-9]{3}[0-9X]$/,
          'holder ID masked as the first 6 and last 4 characters',
        )
        .optional(),
      job: CategoryName.optional(),
      result: z.enum(VERIFICATION_RESULTS),
      evidence: z.array(withoutIdNumber(z.string().min(1).max(500))).max(10),
    })
    .strict(),
});

export const certificateEvents = [
  CertificateIssued,
  CertificateReviewed,
  CertificateRenewed,
  CertificateRevoked,
  CertificateHolderDataCorrected,
  CertificateVerified,
] as const;
