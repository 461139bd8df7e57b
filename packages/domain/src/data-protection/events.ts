import { z } from 'zod';
import { AGENCIES } from '../shared/agencies.js';
import { defineEvent } from '../shared/event-definition.js';
import { ExternalId } from '../shared/envelope.js';
import { Count, MaskedCertificateRef } from '../shared/refs.js';

/** Why personal data was used: the purpose, and the case it serves where there is one. */
const Purpose = {
  purpose: z.string().min(2).max(200).describe('Why, e.g. 核查涉嫌假证案件'),
  caseId: ExternalId.optional(),
};

/** Every unmasking of an ID number is an event: who (the envelope's agency and actor), when, why. */
export const PersonalDataUnmasked = defineEvent({
  type: 'PersonalDataUnmasked',
  version: 1,
  titleZh: '个人信息解密查看',
  description:
    "An authorized reader opened the sealed ID number of a certificate's holder; recorded so every unmasking can be audited.",
  publishers: AGENCIES,
  stream: (d) => `personal-data-${d.certificate.registryKey}`,
  schema: z
    .object({ unmaskingId: ExternalId, certificate: MaskedCertificateRef, ...Purpose })
    .strict(),
});

/** Every bulk screening (大数据比对) is an event: who screened which roster, why, with what outcome. */
export const RosterScreened = defineEvent({
  type: 'RosterScreened',
  version: 1,
  titleZh: '持证人员名单比对',
  description:
    'A roster of workers was screened against the certificate registry (bulk comparison).',
  publishers: AGENCIES,
  stream: (d) => `screening-${d.screeningId}`,
  schema: z
    .object({
      screeningId: ExternalId,
      ...Purpose,
      rows: Count,
      rejectedRows: Count.describe(
        'Rows that could not be screened (bad check digits, missing fields)',
      ),
      negativeRows: Count.describe('Rows whose certificate did not verify as valid'),
      anomalies: Count,
    })
    .strict(),
});

export const dataProtectionEvents = [PersonalDataUnmasked, RosterScreened] as const;
