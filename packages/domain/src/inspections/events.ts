import { z } from 'zod';
import { ADMINISTRATIVE_AGENCIES } from '../shared/agencies.js';
import { defineEvent } from '../shared/event-definition.js';
import { CalendarDate, ExternalId } from '../shared/envelope.js';
import {
  CertificateRef,
  Count,
  CreditCodeOrNone,
  EnterpriseRef,
  PersonRef,
  SubjectRef,
} from '../shared/refs.js';
import { Fen, fenFromYuan, MAX_AMOUNT_YUAN, Yuan } from '../shared/value-objects/money.js';

const supervisors = ['emergency', 'construction', 'market'] as const;

/** Who was inspected: the Guangdong form counts employers, training institutions and intermediaries apart. */
export const SUBJECT_KINDS = [
  'employer',
  'training_institution',
  'exam_institution',
  'intermediary',
] as const;
export const SubjectKind = z.enum(SUBJECT_KINDS);

/** What a check can find (BRIEF §3), for a worker, and what it can find about the enterprise. */
export const WORKER_FINDING_KINDS = [
  'no_certificate',
  'forged',
  'altered',
  'bought',
  'lent_transferred_or_impersonated',
  'expired',
  'review_overdue',
  'other_department_certificate',
] as const;
export const ENTERPRISE_FINDING_KINDS = [
  'employer_failed_to_verify',
  'records_deficient',
  'training_irregularity',
  'exam_irregularity',
  'other',
] as const;
export const FindingKind = z.enum([...WORKER_FINDING_KINDS, ...ENTERPRISE_FINDING_KINDS]);
export type FindingKind = z.infer<typeof FindingKind>;

/** Findings that mean a fake certificate (伪造、变造、买卖), as counted by the forms' "假证" lines. */
export const FAKE_CERTIFICATE_FINDINGS = ['forged', 'altered', 'bought'] as const;

const inspectionStream = (d: { inspectionId: string }) => `inspection-${d.inspectionId}`;

export const InspectionConducted = defineEvent({
  type: 'InspectionConducted',
  version: 1,
  titleZh: '执法检查',
  description:
    'An enforcement inspection of an enterprise, training or exam institution or intermediary took place.',
  publishers: supervisors,
  stream: inspectionStream,
  schema: z
    .object({
      inspectionId: ExternalId,
      subjectKind: SubjectKind,
      subject: EnterpriseRef,
      method: z.enum(['routine', 'special', 'joint', 'unannounced', 'cross_area']),
      inspectedOn: CalendarDate,
      workersChecked: Count.describe('特种作业人员 whose certificates were checked'),
    })
    .strict(),
});

export const FindingRecorded = defineEvent({
  type: 'FindingRecorded',
  version: 1,
  titleZh: '查出问题',
  description:
    'An inspection found a problem: a worker without or with a bad certificate, or an enterprise failing.',
  publishers: supervisors,
  stream: inspectionStream,
  schema: z
    .object({
      inspectionId: ExternalId,
      findingId: ExternalId,
      subjectKind: SubjectKind,
      kind: FindingKind,
      worker: PersonRef.optional(),
      certificate: CertificateRef.optional(),
      description: z.string().max(1000).optional(),
    })
    .strict()
    .superRefine((d, ctx) => {
      const isWorkerFinding = (WORKER_FINDING_KINDS as readonly string[]).includes(d.kind);
      if (isWorkerFinding && !d.worker) {
        ctx.addIssue({
          code: 'custom',
          path: ['worker'],
          message: `a ${d.kind} finding names the worker`,
        });
      }
    }),
});

export const RectificationOrdered = defineEvent({
  type: 'RectificationOrdered',
  version: 1,
  titleZh: '责令限期整改',
  description: 'The subject of an inspection was ordered to rectify by a deadline.',
  publishers: supervisors,
  stream: inspectionStream,
  schema: z
    .object({
      inspectionId: ExternalId,
      subjectKind: SubjectKind,
      subject: SubjectRef,
      findingIds: z.array(ExternalId).max(500),
      deadline: CalendarDate,
    })
    .strict(),
});

export const SuspensionOrdered = defineEvent({
  type: 'SuspensionOrdered',
  version: 1,
  titleZh: '停产停业整顿',
  description: 'The subject of an inspection was suspended until it rectifies.',
  publishers: supervisors,
  stream: inspectionStream,
  schema: z
    .object({
      inspectionId: ExternalId,
      subjectKind: SubjectKind,
      subject: SubjectRef,
      from: CalendarDate,
      until: CalendarDate.optional(),
    })
    .strict(),
});

const FineTarget = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('enterprise'), enterprise: SubjectRef }).strict(),
  z
    .object({
      kind: z.literal('responsible_person'),
      person: PersonRef,
      role: z.enum(['principal', 'safety_manager', 'worker', 'other']),
      employer: CreditCodeOrNone,
    })
    .strict(),
]);

const FineImposedV1 = z
  .object({
    inspectionId: ExternalId,
    decisionNo: z.string().min(1).max(64),
    subjectKind: SubjectKind,
    target: FineTarget,
    amountYuan: Yuan,
  })
  .strict();

/** v2 counts money in fen: v1 had whole yuan, which could not hold fines such as 1,234.50 元. */
export const FineImposed = defineEvent({
  type: 'FineImposed',
  version: 2,
  titleZh: '行政罚款',
  description:
    'An administrative fine was imposed on an enterprise or on a responsible person (一案多罚: one decision each).',
  publishers: ADMINISTRATIVE_AGENCIES,
  stream: (d) => `inspection-${d.inspectionId}`,
  schema: z
    .object({
      inspectionId: ExternalId,
      decisionNo: z.string().min(1).max(64).describe('行政处罚决定书文号'),
      subjectKind: SubjectKind,
      target: FineTarget,
      amountFen: Fen,
      legalBasis: z.string().max(200).optional(),
    })
    .strict(),
  previousSchemas: { 1: FineImposedV1 },
  upcasters: {
    1: (data) => {
      const { amountYuan, ...rest } = data as z.output<typeof FineImposedV1>;
      // Exact: v1 amounts are bounded by MAX_AMOUNT_YUAN. One recorded before that bound may
      // come out above MAX_AMOUNT_FEN; never throw on stored data, the sums leave it out.
      return {
        ...rest,
        amountFen: amountYuan <= MAX_AMOUNT_YUAN ? fenFromYuan(amountYuan) : amountYuan * 100,
      };
    },
  },
});

export const CertificateConfiscated = defineEvent({
  type: 'CertificateConfiscated',
  version: 1,
  titleZh: '收缴假证',
  description: 'A fake or misused certificate was confiscated (收缴) for destruction.',
  publishers: supervisors,
  stream: inspectionStream,
  schema: z
    .object({
      inspectionId: ExternalId,
      findingId: ExternalId,
      certificate: CertificateRef,
    })
    .strict(),
});

export const ProblemRectified = defineEvent({
  type: 'ProblemRectified',
  version: 1,
  titleZh: '完成整改',
  description: 'A problem found at an inspection was rectified and verified.',
  publishers: supervisors,
  stream: inspectionStream,
  schema: z
    .object({ inspectionId: ExternalId, findingId: ExternalId, verifiedOn: CalendarDate })
    .strict(),
});

export const FindingClosed = defineEvent({
  type: 'FindingClosed',
  version: 1,
  titleZh: '销号',
  description: 'A finding was closed out (清单化销号) and how.',
  publishers: supervisors,
  stream: inspectionStream,
  schema: z
    .object({
      inspectionId: ExternalId,
      findingId: ExternalId,
      closure: z.enum([
        'rectified',
        'penalised',
        'transferred_to_police',
        'worker_left',
        'unverifiable',
      ]),
      note: z.string().max(500).optional(),
    })
    .strict(),
});

export const IntermediaryInvestigated = defineEvent({
  type: 'IntermediaryInvestigated',
  version: 1,
  titleZh: '查处违法中介',
  description:
    'An illegal intermediary selling or brokering certificates was investigated; measures on it follow as for an inspection.',
  publishers: ADMINISTRATIVE_AGENCIES,
  stream: inspectionStream,
  schema: z
    .object({
      inspectionId: ExternalId,
      intermediary: SubjectRef,
      channel: z.enum(['shopfront', 'website', 'wechat', 'ecommerce', 'other']),
      investigatedOn: CalendarDate,
    })
    .strict(),
});

export const inspectionEvents = [
  InspectionConducted,
  FindingRecorded,
  RectificationOrdered,
  SuspensionOrdered,
  FineImposed,
  CertificateConfiscated,
  ProblemRectified,
  FindingClosed,
  IntermediaryInvestigated,
] as const;
