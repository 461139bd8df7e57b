import type { Agency } from '../shared/agencies.js';
import { dayString, shanghaiDay } from '../shared/time.js';
import type { DocumentProjection } from '../projections/projection.js';
import {
  first,
  flagLateEntry,
  timelineEntry,
  withEntry,
  type ShownTimelineEntry,
  type TimelineDocument,
} from '../projections/timeline.js';
import { DEFAULT_RECORDING_POLICY } from '../shared/recording-time.js';
import type { DeadlineRule, Party } from './deadline-rules.js';
import { clueTransferEvents } from './events.js';

/** The fields of clue events the ledger reads; never the suspects' identities. */
const LEDGER_FIELDS = [
  'clueId',
  'caseId',
  'origin',
  'subjectKind',
  'toPoliceUnit',
  'suspects',
  'fakeCertificates',
  'transferringAgency',
  'reportedAt',
  'receivedAt',
  'outcome',
  'trigger',
  'items',
] as const;

export type ClueLedgerDocument = TimelineDocument;

/** One document per clue (`clueId`), with every linkage event of every agency. */
export const clueLedgerProjection: DocumentProjection<ClueLedgerDocument> = {
  kind: 'documents',
  name: 'clue-ledger',
  // 2: timeline entries keep when they were recorded.
  version: 2,
  handles: clueTransferEvents.map((d) => d.type),
  keysOf(event) {
    const clueId = (event.data as { clueId?: string }).clueId;
    return clueId ? [clueId] : [];
  },
  evolve(document, event, key) {
    return withEntry(document ?? { key, timeline: [] }, timelineEntry(event, LEDGER_FIELDS));
  },
};

export type StepStatus =
  'met' | 'late' | 'done' | 'due' | 'overdue' | 'open' | 'expired' | 'pending_no_deadline';

export interface LedgerStep {
  ruleId: string;
  labelZh: string;
  kind: DeadlineRule['kind'];
  /** The agency the step waits on. */
  party: Agency | 'unknown';
  startedAt: string;
  dueBy?: string;
  endedAt?: string;
  status: StepStatus;
  source: string;
}

export type ClueStage =
  | 'approved'
  | 'transferred'
  | 'received'
  | 'forwarded'
  | 'filed'
  | 'declined'
  | 'reconsideration'
  | 'filing_supervision'
  | 'penalty_decided';

export interface ClueLedgerView {
  clueId: string;
  transferringAgency?: string;
  reportingUnit?: string;
  toPoliceUnit?: string;
  origin?: string;
  suspects?: number;
  fakeCertificates?: number;
  stage: ClueStage | 'unknown';
  /** True until the clue reaches an end: filed with materials handed over, or a penalty decided after a decline. */
  open: boolean;
  steps: LedgerStep[];
  /** Every agency's events, each flagged when it was recorded long after it happened. */
  timeline: ShownTimelineEntry[];
}

const STAGE_OF: Record<string, ClueStage> = {
  ClueTransferApproved: 'approved',
  ClueTransferred: 'transferred',
  ClueReceiptSigned: 'received',
  ClueForwardedForJurisdiction: 'forwarded',
  CaseFiled: 'filed',
  CaseMaterialsHandedOver: 'filed',
  CaseDeclined: 'declined',
  ReconsiderationRequested: 'reconsideration',
  ReconsiderationDecided: 'reconsideration',
  FilingSupervisionRequested: 'filing_supervision',
  FilingSupervisionConcluded: 'filing_supervision',
  ReturnedCasePenaltyDecided: 'penalty_decided',
};

function partyOf(party: Party, transferringAgency: string | undefined): Agency | 'unknown' {
  if (party === 'transferring_agency') return (transferringAgency as Agency) ?? 'unknown';
  return party;
}

/**
 * A rule set made ready for judging many clues: each rule with its start conditions as a list,
 * and the versions of its id, newest first. Every ledger page judges each clue it shows under
 * every rule; the steps took about 30% of a view's time, much of it filtering and sorting the
 * rule set for each step again.
 */
interface PreparedRule {
  rule: DeadlineRule;
  when: ReadonlyArray<readonly [string, string]>;
  /** The rules of the same id, the latest inForceFrom first. */
  versions: readonly DeadlineRule[];
}

/** By rule array: a rule set is never changed once in use (loadRules builds it before). */
const prepared = new WeakMap<readonly DeadlineRule[], readonly PreparedRule[]>();

function prepare(rules: readonly DeadlineRule[]): readonly PreparedRule[] {
  let list = prepared.get(rules);
  if (!list) {
    list = rules.map((rule) => ({
      rule,
      when: Object.entries(rule.start.when ?? {}),
      // The order ruleInForce picks in (a stable sort of the same comparison).
      versions: rules
        .filter((r) => r.id === rule.id)
        .sort((a, b) => (a.inForceFrom < b.inForceFrom ? 1 : -1)),
    }));
    prepared.set(rules, list);
  }
  return list;
}

function stepOf(
  { rule, when, versions }: PreparedRule,
  doc: ClueLedgerDocument,
  nowMs: number,
  transferringAgency: string | undefined,
): LedgerStep | undefined {
  const start = doc.timeline.find(
    (e) => e.type === rule.start.event && when.every(([k, v]) => e.facts[k] === v),
  );
  if (!start) return undefined;
  const startedAt = rule.start.at
    ? String(start.facts[rule.start.at] ?? start.occurredAt)
    : start.occurredAt;
  // Judged by the version of the rule in force when the starting step happened.
  const day = dayString(shanghaiDay(startedAt));
  const inForce = versions.find((r) => r.inForceFrom <= day);
  if (!inForce || inForce !== rule) return undefined;
  const end = doc.timeline.find(
    (e) => rule.end.some((type) => type === e.type) && (e !== start || rule.start.at !== undefined),
  );
  const startMs = Date.parse(startedAt);
  const dueMs = rule.withinHours === null ? undefined : startMs + rule.withinHours * 3600_000;
  if (!end && rule.checkOnly) return undefined;
  const endedAt = end?.occurredAt;
  let status: StepStatus;
  if (end)
    status = dueMs === undefined ? 'done' : Date.parse(end.occurredAt) <= dueMs ? 'met' : 'late';
  else if (dueMs === undefined) status = 'pending_no_deadline';
  else if (nowMs <= dueMs) status = rule.kind === 'duty' ? 'due' : 'open';
  else status = rule.kind === 'duty' ? 'overdue' : 'expired';
  return {
    ruleId: rule.id,
    labelZh: rule.labelZh,
    kind: rule.kind,
    party: partyOf(rule.party, transferringAgency),
    startedAt,
    ...(dueMs === undefined ? {} : { dueBy: new Date(dueMs).toISOString() }),
    ...(endedAt ? { endedAt } : {}),
    status,
    source: rule.source,
  };
}

/**
 * What the ledger shows of a clue at `now` under a rule set; events recorded more than
 * `lateAfterDays` after they happened are flagged. Pure.
 */
export function clueLedgerView(
  doc: ClueLedgerDocument,
  rules: readonly DeadlineRule[],
  now: string,
  lateAfterDays: number = DEFAULT_RECORDING_POLICY.lateAfterDays,
): ClueLedgerView {
  return viewOf(
    doc,
    rules,
    now,
    doc.timeline.map((e) => flagLateEntry(e, lateAfterDays)),
  );
}

/**
 * The same view with the timeline as recorded, no entry flagged: for a reader that flags only
 * the entries it shows (GraphQL's `TimelineEntry.recordedLate`), where flagging every entry of
 * every clue on a page took about a quarter of the views' time.
 */
export function clueLedgerViewUnflagged(
  doc: ClueLedgerDocument,
  rules: readonly DeadlineRule[],
  now: string,
): ClueLedgerView {
  return viewOf(doc, rules, now, doc.timeline);
}

function viewOf(
  doc: ClueLedgerDocument,
  rules: readonly DeadlineRule[],
  now: string,
  timeline: ShownTimelineEntry[],
): ClueLedgerView {
  const transfer = first(doc, 'ClueTransferred');
  const approval = first(doc, 'ClueTransferApproved');
  // The agency that approved a transfer is the transferring agency before the transfer is made.
  const transferringAgency =
    (transfer?.agency as string | undefined) ??
    (doc.timeline.find((e) => e.facts.transferringAgency)?.facts.transferringAgency as
      string | undefined) ??
    approval?.agency;
  const nowMs = Date.parse(now);
  const steps: LedgerStep[] = [];
  for (const rule of prepare(rules)) {
    const step = stepOf(rule, doc, nowMs, transferringAgency);
    if (step) steps.push(step);
  }
  const staged = doc.timeline.filter((e) => STAGE_OF[e.type]);
  const stage = staged.length ? STAGE_OF[staged[staged.length - 1]!.type]! : 'unknown';
  const closed =
    first(doc, 'ReturnedCasePenaltyDecided') !== undefined ||
    (first(doc, 'CaseFiled') !== undefined &&
      first(doc, 'CaseMaterialsHandedOver') !== undefined) ||
    first(doc, 'FilingSupervisionConcluded')?.facts.outcome === 'police_required_to_file';
  return {
    clueId: doc.key,
    ...(transferringAgency ? { transferringAgency } : {}),
    // Before the transfer, the unit that approved it is the transferring unit.
    ...(approval && !transfer ? { reportingUnit: approval.reportingUnit } : {}),
    ...(transfer
      ? {
          reportingUnit: transfer.reportingUnit,
          toPoliceUnit: String(transfer.facts.toPoliceUnit),
          origin: String(transfer.facts.origin),
          suspects: Number(transfer.facts.suspects),
          fakeCertificates: Number(transfer.facts.fakeCertificates),
        }
      : {}),
    stage,
    open: !closed,
    steps,
    timeline,
  };
}

/** Steps that wait on someone now (due, overdue, or pending without a deadline). */
export function pendingSteps(view: ClueLedgerView): LedgerStep[] {
  return view.steps.filter((s) =>
    ['due', 'overdue', 'open', 'pending_no_deadline'].includes(s.status),
  );
}
