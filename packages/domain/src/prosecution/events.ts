import { z } from 'zod';
import { defineEvent } from '../shared/event-definition.js';
import { CalendarDate, ExternalId } from '../shared/envelope.js';
import { Count } from '../shared/refs.js';
import { countSchema } from '../shared/value-objects/count.js';
import { nameSchema } from '../shared/value-objects/name.js';
import { AdministrativeAgencyCode } from '../clue-transfer/events.js';

/** A criminal case from investigation to judgment lives in `case-<caseId>`. */
const caseStream = (d: { caseId: string }) => `case-${d.caseId}`;

export const CaseSentForProsecution = defineEvent({
  type: 'CaseSentForProsecution',
  version: 1,
  titleZh: '移送审查起诉',
  description: 'The police concluded the investigation and sent the case to the procuratorate.',
  publishers: ['police'],
  stream: caseStream,
  addressees: () => ['procuratorate'],
  schema: z.object({ caseId: ExternalId, suspects: Count }).strict(),
});

export const EarlyInterventionStarted = defineEvent({
  type: 'EarlyInterventionStarted',
  version: 1,
  titleZh: '提前介入',
  description: 'The procuratorate intervened early (提前介入) in a case under investigation.',
  publishers: ['procuratorate'],
  stream: caseStream,
  addressees: () => ['police'],
  schema: z
    .object({ caseId: ExternalId, clueId: ExternalId.optional(), procurator: ExternalId })
    .strict(),
});

export const ArrestReviewDecided = defineEvent({
  type: 'ArrestReviewDecided',
  version: 1,
  titleZh: '审查逮捕决定',
  description: 'The procuratorate decided on a request for approval of arrest.',
  publishers: ['procuratorate'],
  stream: caseStream,
  addressees: () => ['police'],
  schema: z
    .object({ caseId: ExternalId, approvedPersons: Count, notApprovedPersons: Count })
    .strict(),
});

export const ProsecutionFiled = defineEvent({
  type: 'ProsecutionFiled',
  version: 1,
  titleZh: '提起公诉',
  description: 'The procuratorate prosecuted (提起公诉); the forms count cases and persons.',
  publishers: ['procuratorate'],
  stream: caseStream,
  addressees: () => ['court', 'police'],
  schema: z
    .object({
      caseId: ExternalId,
      defendants: countSchema(1).describe('Persons prosecuted (人)'),
      charges: z.string().min(1).max(500),
      courtUnit: nameSchema('organisation', 128),
    })
    .strict(),
});

export const NonProsecutionDecided = defineEvent({
  type: 'NonProsecutionDecided',
  version: 1,
  titleZh: '不起诉决定',
  description:
    'The procuratorate decided not to prosecute and sent a procuratorial opinion (检察意见) to an administrative agency for a penalty.',
  publishers: ['procuratorate'],
  stream: caseStream,
  addressees: (d) => [d.opinion.addressee, 'police'],
  schema: z
    .object({
      caseId: ExternalId,
      persons: Count,
      kind: z.enum(['statutory', 'discretionary', 'insufficient_evidence']),
      opinion: z
        .object({
          opinionId: ExternalId,
          addressee: AdministrativeAgencyCode,
          recommendation: z.string().min(1).max(2000),
        })
        .strict(),
    })
    .strict(),
});

export const CaseAcceptedByCourt = defineEvent({
  type: 'CaseAcceptedByCourt',
  version: 1,
  titleZh: '法院受理',
  description: 'The court accepted a prosecuted case for trial.',
  publishers: ['court'],
  stream: caseStream,
  schema: z.object({ caseId: ExternalId, courtCaseNo: z.string().min(1).max(64) }).strict(),
});

export const JudgmentDelivered = defineEvent({
  type: 'JudgmentDelivered',
  version: 1,
  titleZh: '判决',
  description: 'The court delivered a judgment, e.g. under Criminal Law art. 280.',
  publishers: ['court'],
  stream: caseStream,
  addressees: () => ['procuratorate', 'police'],
  schema: z
    .object({
      caseId: ExternalId,
      courtCaseNo: z.string().min(1).max(64),
      convictedPersons: Count,
      acquittedPersons: Count,
      deliveredOn: CalendarDate,
      statute: z.string().min(1).max(200),
    })
    .strict(),
});

export const prosecutionEvents = [
  CaseSentForProsecution,
  EarlyInterventionStarted,
  ArrestReviewDecided,
  ProsecutionFiled,
  NonProsecutionDecided,
  CaseAcceptedByCourt,
  JudgmentDelivered,
] as const;
