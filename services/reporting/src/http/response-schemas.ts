/**
 * What the read routes of this router answer, as zod schemas: the one source the OpenAPI
 * document converts to JSON Schema (an e2e test validates the running hub's answers against it).
 * Nested facts of events are described as objects only: their shapes are the event schemas'.
 */
import { z } from 'zod';

const Instant = z.string().describe('ISO 8601 instant');
const Day = z.string().describe('YYYY-MM-DD, Asia/Shanghai');
const Fen = z.string().describe('an amount in fen, a decimal integer');

/** FormTemplateSummary of the domain (formTemplateSummary). */
export const FormSummaryResponse = z.array(
  z.object({
    id: z.string(),
    titleZh: z.string(),
    sourceDocument: z.string(),
    layout: z.string(),
    valueColumnsZh: z.array(z.string()),
    lines: z.array(
      z.object({
        groupZh: z.array(z.string()),
        figures: z.array(
          z.object({
            id: z.string(),
            headerZh: z.string(),
            subHeaderZh: z.string().optional(),
            unit: z.string(),
            decimals: z.number().int().optional(),
          }),
        ),
      }),
    ),
    periods: z.object({
      rule: z.looseObject({ kind: z.string() }).describe('the period rule of the template'),
      namedZh: z.string(),
      example: z
        .object({ period: z.string().nullable(), from: Day, to: Day })
        .describe('an example period and the days it covers'),
      rangeZh: z.string(),
      bimonthlyReading: z.string().optional(),
    }),
  }),
);

/** ComputedForm of the domain as formJson answers it. */
export const FormResponse = z.object({
  unit: z.string(),
  period: z.string().optional(),
  from: Day.optional(),
  to: Day.optional(),
  titleZh: z.string(),
  periodLabelZh: z.string(),
  periodNoteZh: z.string().optional(),
  columns: z.array(
    z.object({ column: z.number().int(), headerZh: z.string(), from: Day, to: Day }),
  ),
  dueOn: Day.optional(),
  asOf: z.string().optional(),
  basisZh: z.string(),
  rows: z.array(
    z.object({
      unit: z.string(),
      labelZh: z.string(),
      kind: z.enum(['unit', 'own', 'other', 'total']),
      serial: z.number().int().optional(),
      cells: z.array(
        z.object({
          figureId: z.string(),
          column: z.number().int(),
          value: z.string().describe('an integer as decimal digits: a count, or fen'),
          display: z.string(),
          headerZh: z.string(),
          subHeaderZh: z.string().optional(),
          groupZh: z.array(z.string()),
          columnZh: z.string().optional(),
          unit: z.string(),
        }),
      ),
    }),
  ),
  template: z.object({ id: z.string(), titleZh: z.string(), sourceDocument: z.string() }),
});

/** The traced events with the domain's RecordingFlag each. */
export const DrilldownResponse = z.object({
  eventIds: z.array(z.string()),
  events: z.array(
    z.object({
      eventId: z.string(),
      occurredOn: Day,
      recordedAt: Instant,
      recordedLate: z.boolean(),
    }),
  ),
  lateAfterDays: z.number().int(),
});

/** RateFigure of the read models. */
export const RatesResponse = z.array(
  z.object({
    id: z.string(),
    labelZh: z.string(),
    numerator: z.number().int(),
    denominator: z.number().int(),
    perMille: z
      .number()
      .int()
      .optional()
      .describe('per mille, rounded down; absent when there is nothing to divide by'),
  }),
);

/** TimelineEntry / ShownTimelineEntry of the domain. */
const TimelineEntry = z.object({
  eventId: z.string(),
  type: z.string(),
  agency: z.string(),
  reportingUnit: z.string(),
  occurredAt: z.string(),
  recordedAt: Instant.optional().describe('absent in documents built before it was kept'),
  recordedLate: z.literal(true).optional(),
  facts: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
    .describe('the few fields the views need; never personal data'),
});

const Step = z.object({
  ruleId: z.string(),
  labelZh: z.string(),
  kind: z.string(),
  party: z.string(),
  startedAt: z.string(),
  dueBy: z.string().optional(),
  endedAt: z.string().optional(),
  status: z.enum([
    'met',
    'late',
    'done',
    'due',
    'overdue',
    'open',
    'expired',
    'pending_no_deadline',
  ]),
  source: z.string(),
});

/** ClueLedgerView of the domain. */
export const ClueResponse = z.object({
  clueId: z.string(),
  transferringAgency: z.string().optional(),
  reportingUnit: z.string().optional(),
  toPoliceUnit: z.string().optional(),
  origin: z.string().optional(),
  suspects: z.number().int().optional(),
  fakeCertificates: z.number().int().optional(),
  stage: z.enum([
    'approved',
    'transferred',
    'received',
    'forwarded',
    'filed',
    'declined',
    'reconsideration',
    'filing_supervision',
    'penalty_decided',
    'unknown',
  ]),
  open: z.boolean(),
  steps: z.array(Step),
  timeline: z.array(TimelineEntry),
});
export const ClueListResponse = z.array(ClueResponse);
export const DueResponse = z.array(Step.extend({ clueId: z.string() }));

export const PenaltyFlagsResponse = z.array(
  z.object({
    inspectionId: z.string(),
    fakeFindingIds: z.array(z.string()),
    finedFen: Fen,
    fineEventIds: z.array(z.string()),
    transferred: z.boolean(),
    reportingUnit: z.string(),
    agency: z.string(),
    subjectKind: z.string(),
  }),
);

/** CaseView of the domain. */
export const CaseResponse = z.object({
  caseId: z.string(),
  clueId: z.string().optional(),
  stage: z.enum([
    'filed',
    'sent_for_prosecution',
    'prosecuted',
    'not_prosecuted',
    'at_court',
    'judged',
    'unknown',
  ]),
  earlyIntervention: z.boolean(),
  suspects: z.number().int().optional(),
  arrest: z
    .object({ approvedPersons: z.number().int(), notApprovedPersons: z.number().int() })
    .optional(),
  prosecutedPersons: z.number().int().optional(),
  nonProsecutedPersons: z.number().int().optional(),
  judgment: z
    .object({
      convictedPersons: z.number().int(),
      acquittedPersons: z.number().int(),
      deliveredOn: z.string(),
    })
    .optional(),
  reverseLink: z
    .object({
      opinionId: z.string(),
      addressee: z.string(),
      penaltyDecided: z.boolean(),
      replied: z.boolean(),
    })
    .optional(),
  timeline: z.array(TimelineEntry),
});
export const WorklistResponse = z.array(
  z.object({ case: CaseResponse, reasons: z.array(z.string()) }),
);
