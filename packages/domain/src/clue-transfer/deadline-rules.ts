import type { HubEventType } from '../catalogue.js';

/** Who a step waits on: the agency that transferred the clue, or a named agency. */
export type Party = 'transferring_agency' | 'police' | 'procuratorate';

/**
 * A deadline held as configuration. It runs from the first `start` event (at its own time or
 * at a time field of its data) until one of the `end` events; `withinHours: null` means the
 * period is not confirmed and no deadline is applied (the step is still tracked).
 * A `duty` is owed (overdue when late); a `window` is a right to act that expires.
 * A case is judged by the rule in force when its starting step happened.
 */
export interface DeadlineRule {
  id: string;
  labelZh: string;
  kind: 'duty' | 'window';
  party: Party;
  start: { event: HubEventType; at?: string; when?: Record<string, string> };
  end: readonly HubEventType[];
  withinHours: number | null;
  /** Only a check of what happened: the step cannot be foreseen before its end arrives. */
  checkOnly?: boolean;
  source: string;
  /** YYYY-MM-DD (Asia/Shanghai) from which the rule applies; until the next version of the same id. */
  inForceFrom: string;
}

const ORDER_310 =
  '国务院令第310号《行政执法机关移送涉嫌犯罪案件的规定》(2020年修订，国务院令第730号)';
const FROM_2020 = '2020-08-07';

/** The deadlines confirmed in 国务院令第310号 (2020 revision), and the unconfirmed periods without one. */
export const DEFAULT_DEADLINE_RULES: readonly DeadlineRule[] = [
  {
    id: 'transfer-approval',
    labelZh: '负责人审批移送（报告之日起3日内）',
    kind: 'duty',
    party: 'transferring_agency',
    start: { event: 'ClueTransferApproved', at: 'reportedAt' },
    end: ['ClueTransferApproved'],
    withinHours: 72,
    checkOnly: true,
    source: `${ORDER_310} 第五条`,
    inForceFrom: FROM_2020,
  },
  {
    id: 'transfer-after-approval',
    labelZh: '批准移送后24小时内移送公安机关',
    kind: 'duty',
    party: 'transferring_agency',
    start: { event: 'ClueTransferApproved' },
    end: ['ClueTransferred'],
    withinHours: 24,
    source: `${ORDER_310} 第五条`,
    inForceFrom: FROM_2020,
  },
  {
    id: 'forward-outside-jurisdiction',
    labelZh: '不属本机关管辖的，24小时内转送有管辖权的机关',
    kind: 'duty',
    party: 'police',
    start: { event: 'ClueReceiptSigned', at: 'receivedAt' },
    end: ['ClueForwardedForJurisdiction'],
    withinHours: 24,
    checkOnly: true,
    source: `${ORDER_310} 第七条`,
    inForceFrom: FROM_2020,
  },
  {
    id: 'filing-decision',
    labelZh: '自接受移送之日起3日内决定立案或不予立案',
    kind: 'duty',
    party: 'police',
    start: { event: 'ClueTransferred' },
    end: ['CaseFiled', 'CaseDeclined', 'ClueForwardedForJurisdiction'],
    withinHours: 72,
    source: `${ORDER_310} 第八条`,
    inForceFrom: FROM_2020,
  },
  {
    id: 'reconsideration-request',
    labelZh: '接到不予立案通知书后3日内可提请复议',
    kind: 'window',
    party: 'transferring_agency',
    start: { event: 'CaseDeclined' },
    end: ['ReconsiderationRequested'],
    withinHours: 72,
    source: `${ORDER_310} 第九条`,
    inForceFrom: FROM_2020,
  },
  {
    id: 'reconsideration-decision',
    labelZh: '收到复议申请后3日内作出复议决定',
    kind: 'duty',
    party: 'police',
    start: { event: 'ReconsiderationRequested' },
    end: ['ReconsiderationDecided'],
    withinHours: 72,
    source: `${ORDER_310} 第九条`,
    inForceFrom: FROM_2020,
  },
  {
    id: 'filing-supervision-request',
    labelZh: '对复议决定仍有异议的，3日内建议检察院立案监督',
    kind: 'window',
    party: 'transferring_agency',
    start: { event: 'ReconsiderationDecided', when: { outcome: 'refusal_upheld' } },
    end: ['FilingSupervisionRequested'],
    withinHours: 72,
    source: `${ORDER_310} 第九条`,
    inForceFrom: FROM_2020,
  },
  {
    id: 'materials-handover',
    labelZh: '接到立案通知书后3日内移交涉案物品及有关材料',
    kind: 'duty',
    party: 'transferring_agency',
    start: { event: 'CaseFiled' },
    end: ['CaseMaterialsHandedOver'],
    withinHours: 72,
    source: `${ORDER_310} 第十二条`,
    inForceFrom: FROM_2020,
  },
  {
    id: 'filing-supervision-conclusion',
    labelZh: '检察院立案监督结论',
    kind: 'duty',
    party: 'procuratorate',
    start: { event: 'FilingSupervisionRequested' },
    end: ['FilingSupervisionConcluded'],
    withinHours: null,
    source: '期限未经核实（人民检察院立案监督规定）：不设默认期限，可在配置中设定',
    inForceFrom: FROM_2020,
  },
  {
    id: 'declined-case-penalty',
    labelZh: '不予立案案件依法作出行政处罚（反向衔接）',
    kind: 'duty',
    party: 'transferring_agency',
    start: { event: 'CaseDeclined' },
    end: ['ReturnedCasePenaltyDecided'],
    withinHours: null,
    source: '应急〔2019〕54号：期限未经核实，不设默认期限，可在配置中设定',
    inForceFrom: FROM_2020,
  },
];

/** The version of a rule in force on a day (YYYY-MM-DD); undefined before the first. */
export function ruleInForce(
  rules: readonly DeadlineRule[],
  id: string,
  day: string,
): DeadlineRule | undefined {
  return rules
    .filter((r) => r.id === id && r.inForceFrom <= day)
    .sort((a, b) => (a.inForceFrom < b.inForceFrom ? 1 : -1))[0];
}
