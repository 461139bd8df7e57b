import type { DocumentProjection } from '../projections/projection.js';
import {
  first,
  last,
  timelineEntry,
  withEntry,
  type TimelineDocument,
  type TimelineEntry,
} from '../projections/timeline.js';

/** Events of a criminal case, from filing to judgment and the reverse link back. */
const CASE_EVENTS = [
  'CaseFiled',
  'CaseSentForProsecution',
  'EarlyInterventionStarted',
  'ArrestReviewDecided',
  'ProsecutionFiled',
  'NonProsecutionDecided',
  'CaseAcceptedByCourt',
  'JudgmentDelivered',
  'ReturnedCasePenaltyDecided',
  'ProcuratorialOpinionReplied',
] as const;

const CASE_FIELDS = [
  'caseId',
  'clueId',
  'transferringAgency',
  'suspects',
  'approvedPersons',
  'notApprovedPersons',
  'defendants',
  'persons',
  'kind',
  'courtCaseNo',
  'convictedPersons',
  'acquittedPersons',
  'deliveredOn',
  'trigger',
  'outcome',
  'opinionId',
  'procurator',
] as const;

export type CaseDocument = TimelineDocument;

export const caseTrackingProjection: DocumentProjection<CaseDocument> = {
  kind: 'documents',
  name: 'case-tracking',
  // 2: timeline entries keep when they were recorded.
  version: 2,
  handles: CASE_EVENTS,
  keysOf(event) {
    const caseId = (event.data as { caseId?: string }).caseId;
    return caseId ? [caseId] : [];
  },
  evolve(document, event, key) {
    const entry = timelineEntry(event, CASE_FIELDS);
    // The opinion sits in a nested object; keep who it went to, not the text.
    if (event.type === 'NonProsecutionDecided') {
      entry.facts.opinionId = event.data.opinion.opinionId;
      entry.facts.opinionAddressee = event.data.opinion.addressee;
    }
    return withEntry(document ?? { key, timeline: [] }, entry);
  },
};

export type CaseStage =
  'filed' | 'sent_for_prosecution' | 'prosecuted' | 'not_prosecuted' | 'at_court' | 'judged';

/** Stages in the order a case moves through them: the furthest reached is the stage. */
const STAGE_ORDER: Array<[CaseStage, string[]]> = [
  ['filed', ['CaseFiled']],
  ['sent_for_prosecution', ['CaseSentForProsecution', 'ArrestReviewDecided']],
  ['prosecuted', ['ProsecutionFiled']],
  ['not_prosecuted', ['NonProsecutionDecided']],
  ['at_court', ['CaseAcceptedByCourt']],
  ['judged', ['JudgmentDelivered']],
];

export interface CaseView {
  caseId: string;
  clueId?: string;
  stage: CaseStage | 'unknown';
  earlyIntervention: boolean;
  suspects?: number;
  arrest?: { approvedPersons: number; notApprovedPersons: number };
  prosecutedPersons?: number;
  nonProsecutedPersons?: number;
  judgment?: { convictedPersons: number; acquittedPersons: number; deliveredOn: string };
  /** The reverse link after non-prosecution: opinion sent → penalty decided → reply sent. */
  reverseLink?: {
    opinionId: string;
    addressee: string;
    penaltyDecided: boolean;
    replied: boolean;
  };
  timeline: TimelineEntry[];
}

export function caseView(doc: CaseDocument): CaseView {
  let stage: CaseView['stage'] = 'unknown';
  for (const [s, types] of STAGE_ORDER) if (first(doc, ...types)) stage = s;
  const filed = first(doc, 'CaseFiled');
  const arrest = last(doc, 'ArrestReviewDecided');
  const prosecution = first(doc, 'ProsecutionFiled');
  const nonProsecution = first(doc, 'NonProsecutionDecided');
  const judgment = first(doc, 'JudgmentDelivered');
  const clueId = doc.timeline.find((e) => e.facts.clueId)?.facts.clueId;
  return {
    caseId: doc.key,
    ...(clueId ? { clueId: String(clueId) } : {}),
    stage,
    earlyIntervention: first(doc, 'EarlyInterventionStarted') !== undefined,
    ...(filed ? { suspects: Number(filed.facts.suspects) } : {}),
    ...(arrest
      ? {
          arrest: {
            approvedPersons: Number(arrest.facts.approvedPersons),
            notApprovedPersons: Number(arrest.facts.notApprovedPersons),
          },
        }
      : {}),
    ...(prosecution ? { prosecutedPersons: Number(prosecution.facts.defendants) } : {}),
    ...(nonProsecution ? { nonProsecutedPersons: Number(nonProsecution.facts.persons) } : {}),
    ...(judgment
      ? {
          judgment: {
            convictedPersons: Number(judgment.facts.convictedPersons),
            acquittedPersons: Number(judgment.facts.acquittedPersons),
            deliveredOn: String(judgment.facts.deliveredOn),
          },
        }
      : {}),
    ...(nonProsecution
      ? {
          reverseLink: {
            opinionId: String(nonProsecution.facts.opinionId),
            addressee: String(nonProsecution.facts.opinionAddressee),
            penaltyDecided: doc.timeline.some(
              (e) =>
                e.type === 'ReturnedCasePenaltyDecided' && e.facts.trigger === 'non_prosecution',
            ),
            replied: first(doc, 'ProcuratorialOpinionReplied') !== undefined,
          },
        }
      : {}),
    timeline: doc.timeline,
  };
}

export type WorklistReason =
  | 'early_intervention'
  | 'awaiting_prosecution_decision'
  | 'awaiting_penalty_after_non_prosecution'
  | 'awaiting_reply_to_opinion';

/** Why a case is on the procurator's worklist now, if it is. */
export function procuratorWorklistReasons(view: CaseView): WorklistReason[] {
  const reasons: WorklistReason[] = [];
  const decided =
    view.stage === 'prosecuted' ||
    view.stage === 'not_prosecuted' ||
    view.stage === 'at_court' ||
    view.stage === 'judged';
  if (view.earlyIntervention && !decided) reasons.push('early_intervention');
  if (view.stage === 'sent_for_prosecution') reasons.push('awaiting_prosecution_decision');
  if (view.reverseLink && !view.reverseLink.penaltyDecided)
    reasons.push('awaiting_penalty_after_non_prosecution');
  if (view.reverseLink && !view.reverseLink.replied) reasons.push('awaiting_reply_to_opinion');
  return reasons;
}
