import { z } from 'zod';
import { defineEvent } from '../shared/event-definition.js';
import { CalendarDate, ExternalId } from '../shared/envelope.js';
import { Count, CreditCodeOrNone, EnterpriseRef } from '../shared/refs.js';
import { OrganisationName } from '../shared/value-objects/name.js';

const supervisors = ['emergency', 'construction', 'market'] as const;

export const EnterpriseListedInArea = defineEvent({
  type: 'EnterpriseListedInArea',
  version: 1,
  titleZh: '辖区生产经营单位登记',
  description:
    "An enterprise was entered in the reporting unit's supervision roster: the denominator of the self-inspection rate.",
  publishers: supervisors,
  stream: (d) => `enterprise-${d.enterprise.creditCode}`,
  schema: z.object({ enterprise: EnterpriseRef, listedOn: CalendarDate }).strict(),
});

export const SelfInspectionReported = defineEvent({
  type: 'SelfInspectionReported',
  version: 1,
  titleZh: '用人单位自查自纠',
  description: 'An employer reported its self-inspection of special-operations workers (自查自纠).',
  publishers: supervisors,
  stream: (d) => `enterprise-${d.enterprise.creditCode}`,
  schema: z
    .object({
      reportId: ExternalId,
      enterprise: EnterpriseRef,
      specialOperationsWorkers: Count,
      certifiedWorkers: Count,
      fakeCertificatesFound: Count,
      uncertifiedWorkers: Count,
      reportedForHandling: Count.describe(
        'Persons reported to the supervisor for handling (上报处理)',
      ),
    })
    .strict()
    .superRefine((d, ctx) => {
      if (d.certifiedWorkers > d.specialOperationsWorkers) {
        ctx.addIssue({
          code: 'custom',
          path: ['certifiedWorkers'],
          message: 'cannot exceed specialOperationsWorkers',
        });
      }
    }),
});

export const InstitutionSelfInspectionReported = defineEvent({
  type: 'InstitutionSelfInspectionReported',
  version: 1,
  titleZh: '培训/考核发证机构自查',
  description: 'A training institution or exam/issuing body reported its self-inspection.',
  publishers: supervisors,
  stream: (d) => `institution-${d.reportId}`,
  schema: z
    .object({
      reportId: ExternalId,
      institutionKind: z.enum(['training_institution', 'exam_or_issuing_body']),
      institution: z.object({ name: OrganisationName, creditCode: CreditCodeOrNone }).strict(),
      fakeCertificatesLetThrough: Count.describe('默许或协助复审或换发假冒证件(人)'),
      reportedForHandling: Count,
      problemsFound: Count.describe('发现问题(条)'),
      proceduresImproved: Count.describe('优化办事程序(条)'),
    })
    .strict(),
});

export const selfInspectionEvents = [
  EnterpriseListedInArea,
  SelfInspectionReported,
  InstitutionSelfInspectionReported,
] as const;
