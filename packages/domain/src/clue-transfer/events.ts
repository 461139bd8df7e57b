import { z } from 'zod';
import { ADMINISTRATIVE_AGENCIES, type Agency } from '../shared/agencies.js';
import { defineEvent } from '../shared/event-definition.js';
import { CalendarDate, ExternalId, Instant } from '../shared/envelope.js';
import { Count, PersonRef } from '../shared/refs.js';
import { DivisionCode } from '../shared/value-objects/division-code.js';
import { SubjectKind } from '../inspections/events.js';

/**
 * Two-way administrative–criminal linkage (行刑双向衔接), 国务院令第310号 (2020 revision).
 * Every event of a clue lives in the stream `clue-<clueId>`.
 */
const clueStream = (d: { clueId: string }) => `clue-${d.clueId}`;
const admin = ADMINISTRATIVE_AGENCIES;

export const AdministrativeAgencyCode = z.enum(ADMINISTRATIVE_AGENCIES);

/** Where the clue came from: the Shanghai form counts enforcement and cyberspace clues apart. */
export const ClueOrigin = z.enum([
  'enforcement',
  'self_inspection',
  'cyberspace',
  'tip_off',
  'intermediary',
  'training_or_exam',
]);

export const ClueTransferApproved = defineEvent({
  type: 'ClueTransferApproved',
  version: 1,
  titleZh: '移送审批',
  description:
    'The head of the administrative agency approved the transfer of a suspected crime (310号令 art. 5: within 3 days of the report).',
  publishers: admin,
  stream: clueStream,
  schema: z
    .object({
      clueId: ExternalId,
      reportedAt: Instant.describe(
        'When the case handler reported the suspected crime to the head',
      ),
    })
    .strict(),
});

export const ClueTransferred = defineEvent({
  type: 'ClueTransferred',
  version: 1,
  titleZh: '移送涉嫌犯罪案件线索',
  description:
    'An administrative agency transferred a suspected crime to the police (art. 5: within 24 h of approval).',
  publishers: admin,
  stream: clueStream,
  addressees: () => ['police', 'procuratorate'],
  schema: z
    .object({
      clueId: ExternalId,
      origin: ClueOrigin,
      subjectKind: SubjectKind.optional().describe(
        'Kind of subject the clue concerns, for the Guangdong form',
      ),
      toPoliceUnit: DivisionCode.describe('Division code of the receiving public security organ'),
      suspectedOffence: z
        .string()
        .min(1)
        .max(200)
        .describe('e.g. 刑法第二百八十条 伪造、变造、买卖国家机关证件罪'),
      suspects: Count.describe('Persons suspected, as counted by the forms (人)'),
      suspectPersons: z.array(PersonRef).max(200).optional(),
      fakeCertificates: Count.describe('Fake certificates involved'),
      relatedInspectionIds: z.array(ExternalId).max(100).optional(),
      relatedFindingIds: z.array(ExternalId).max(500).optional(),
      approvedAt: Instant.optional(),
    })
    .strict(),
});

export const ClueReceiptSigned = defineEvent({
  type: 'ClueReceiptSigned',
  version: 1,
  titleZh: '签收回执',
  description: 'The police signed the receipt (回执) for a transferred clue.',
  publishers: ['police'],
  stream: clueStream,
  addressees: (d) => [d.transferringAgency],
  schema: z
    .object({
      clueId: ExternalId,
      transferringAgency: AdministrativeAgencyCode,
      receivedAt: Instant,
    })
    .strict(),
});

export const ClueForwardedForJurisdiction = defineEvent({
  type: 'ClueForwardedForJurisdiction',
  version: 1,
  titleZh: '移送有管辖权机关',
  description: 'The police forwarded a clue outside its jurisdiction (art. 7: within 24 hours).',
  publishers: ['police'],
  stream: clueStream,
  addressees: (d) => [d.transferringAgency],
  schema: z
    .object({
      clueId: ExternalId,
      transferringAgency: AdministrativeAgencyCode,
      toPoliceUnit: DivisionCode,
      reason: z.string().min(1).max(500),
    })
    .strict(),
});

export const CaseFiled = defineEvent({
  type: 'CaseFiled',
  version: 1,
  titleZh: '立案',
  description:
    'The police filed a criminal case, on a transferred clue or on its own (art. 8: decide within 3 days).',
  publishers: ['police'],
  stream: (d) => (d.clueId ? `clue-${d.clueId}` : `case-${d.caseId}`),
  addressees: (d): Agency[] =>
    d.transferringAgency ? [d.transferringAgency, 'procuratorate'] : ['procuratorate'],
  schema: z
    .object({
      caseId: ExternalId,
      clueId: ExternalId.optional(),
      transferringAgency: AdministrativeAgencyCode.optional(),
      suspects: Count,
      offence: z.string().min(1).max(200),
    })
    .strict()
    .refine((d) => !d.clueId === !d.transferringAgency, {
      message: 'clueId and transferringAgency go together',
      path: ['transferringAgency'],
    }),
});

export const CaseDeclined = defineEvent({
  type: 'CaseDeclined',
  version: 1,
  titleZh: '不予立案',
  description:
    'The police declined to file a case on a transferred clue, with reasons; the reverse link opens.',
  publishers: ['police'],
  stream: clueStream,
  addressees: (d) => [d.transferringAgency, 'procuratorate'],
  schema: z
    .object({
      clueId: ExternalId,
      transferringAgency: AdministrativeAgencyCode,
      reasons: z.string().min(1).max(2000),
    })
    .strict(),
});

export const ReconsiderationRequested = defineEvent({
  type: 'ReconsiderationRequested',
  version: 1,
  titleZh: '提请复议',
  description:
    'The transferring agency asked the police to reconsider a refusal (art. 9: within 3 days).',
  publishers: admin,
  stream: clueStream,
  addressees: () => ['police'],
  schema: z.object({ clueId: ExternalId, grounds: z.string().min(1).max(2000) }).strict(),
});

export const ReconsiderationDecided = defineEvent({
  type: 'ReconsiderationDecided',
  version: 1,
  titleZh: '复议决定',
  description: 'The police decided on a reconsideration (art. 9: within 3 days).',
  publishers: ['police'],
  stream: clueStream,
  addressees: (d) => [d.transferringAgency],
  schema: z
    .object({
      clueId: ExternalId,
      transferringAgency: AdministrativeAgencyCode,
      outcome: z.enum(['refusal_upheld', 'case_to_be_filed']),
      reasons: z.string().max(2000).optional(),
    })
    .strict(),
});

export const FilingSupervisionRequested = defineEvent({
  type: 'FilingSupervisionRequested',
  version: 1,
  titleZh: '建议立案监督',
  description:
    'The transferring agency asked the procuratorate for filing supervision (立案监督), art. 9.',
  publishers: admin,
  stream: clueStream,
  addressees: () => ['procuratorate', 'police'],
  schema: z.object({ clueId: ExternalId, grounds: z.string().min(1).max(2000) }).strict(),
});

export const FilingSupervisionConcluded = defineEvent({
  type: 'FilingSupervisionConcluded',
  version: 1,
  titleZh: '立案监督结论',
  description:
    'The procuratorate concluded filing supervision: police must file, or the refusal stands.',
  publishers: ['procuratorate'],
  stream: clueStream,
  addressees: (d) => [d.transferringAgency, 'police'],
  schema: z
    .object({
      clueId: ExternalId,
      transferringAgency: AdministrativeAgencyCode,
      outcome: z.enum(['police_required_to_file', 'refusal_justified']),
    })
    .strict(),
});

export const CaseMaterialsHandedOver = defineEvent({
  type: 'CaseMaterialsHandedOver',
  version: 1,
  titleZh: '移交案件材料',
  description:
    'The transferring agency handed over the case materials (art. 12: within 3 days of the filing notice).',
  publishers: admin,
  stream: clueStream,
  addressees: () => ['police'],
  schema: z
    .object({ clueId: ExternalId, caseId: ExternalId, items: Count.describe('Items handed over') })
    .strict(),
});

/** The reverse link (反向衔接) ends when the administrative agency decides on a penalty itself. */
export const ReturnedCasePenaltyDecided = defineEvent({
  type: 'ReturnedCasePenaltyDecided',
  version: 1,
  titleZh: '反向衔接行政处罚决定',
  description:
    'After a refusal to file or a non-prosecution, the administrative agency decided on an administrative penalty.',
  publishers: admin,
  stream: (d) => (d.clueId ? `clue-${d.clueId}` : `case-${d.caseId}`),
  addressees: () => ['procuratorate'],
  schema: z
    .object({
      clueId: ExternalId.optional(),
      caseId: ExternalId.optional(),
      trigger: z.enum(['case_declined', 'non_prosecution']),
      outcome: z.enum(['penalty_imposed', 'no_penalty']),
      penaltyDecisionNos: z.array(z.string().min(1).max(64)).max(50),
      decidedOn: CalendarDate,
    })
    .strict()
    .refine((d) => d.clueId || d.caseId, {
      message: 'name the clueId or the caseId',
      path: ['clueId'],
    }),
});

export const ProcuratorialOpinionReplied = defineEvent({
  type: 'ProcuratorialOpinionReplied',
  version: 1,
  titleZh: '检察意见回复',
  description:
    "The administrative agency replied in writing to the procuratorate's opinion (检察意见).",
  publishers: admin,
  stream: (d) => `case-${d.caseId}`,
  addressees: () => ['procuratorate'],
  schema: z
    .object({ caseId: ExternalId, opinionId: ExternalId, summary: z.string().min(1).max(2000) })
    .strict(),
});

export const clueTransferEvents = [
  ClueTransferApproved,
  ClueTransferred,
  ClueReceiptSigned,
  ClueForwardedForJurisdiction,
  CaseFiled,
  CaseDeclined,
  ReconsiderationRequested,
  ReconsiderationDecided,
  FilingSupervisionRequested,
  FilingSupervisionConcluded,
  CaseMaterialsHandedOver,
  ReturnedCasePenaltyDecided,
  ProcuratorialOpinionReplied,
] as const;
