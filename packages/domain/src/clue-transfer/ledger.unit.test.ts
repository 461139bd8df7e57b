import { project, published, recorded } from '../testing/index.js';
import { asOfDocument } from '../projections/timeline.js';
import { DEFAULT_DEADLINE_RULES, type DeadlineRule } from './deadline-rules.js';
import {
  clueLedgerProjection,
  clueLedgerView,
  clueLedgerViewUnflagged,
  pendingSteps,
} from './ledger.js';

const at = (occurredAt: string) => ({ occurredAt, reportingUnit: '310105' });
const emergency = (type: string, data: object, occurredAt: string) =>
  recorded(published(type, data, at(occurredAt)), 'emergency');
const police = (type: string, data: object, occurredAt: string) =>
  recorded(published(type, data, at(occurredAt)), 'police');

const clue = { clueId: 'C1' };
const declinedClue = [
  emergency(
    'ClueTransferApproved',
    { ...clue, reportedAt: '2024-06-29T09:00:00+08:00' },
    '2024-07-01T09:00:00+08:00',
  ),
  emergency(
    'ClueTransferred',
    {
      ...clue,
      origin: 'enforcement',
      toPoliceUnit: '310105',
      suspectedOffence: '伪造、变造、买卖国家机关证件罪',
      suspects: 2,
      fakeCertificates: 5,
    },
    '2024-07-01T15:00:00+08:00',
  ),
  police(
    'ClueReceiptSigned',
    { ...clue, transferringAgency: 'emergency', receivedAt: '2024-07-01T16:00:00+08:00' },
    '2024-07-01T16:00:00+08:00',
  ),
  police(
    'CaseDeclined',
    { ...clue, transferringAgency: 'emergency', reasons: '证据不足' },
    '2024-07-05T10:00:00+08:00',
  ),
  emergency(
    'ReconsiderationRequested',
    { ...clue, grounds: '有新证据' },
    '2024-07-06T10:00:00+08:00',
  ),
];
const NOW = '2024-07-10T12:00:00+08:00';

function ledgerOf(
  events: typeof declinedClue,
  rules: readonly DeadlineRule[] = DEFAULT_DEADLINE_RULES,
) {
  const doc = project(clueLedgerProjection, events).get('C1')!;
  return clueLedgerView(doc, rules, NOW);
}

describe('clue-transfer ledger', () => {
  it('given a declined clue under reconsideration, shows each step against its 310号令 deadline', () => {
    const view = ledgerOf(declinedClue);
    expect(view).toMatchObject({
      clueId: 'C1',
      transferringAgency: 'emergency',
      stage: 'reconsideration',
      suspects: 2,
      fakeCertificates: 5,
      open: true,
    });
    const steps = Object.fromEntries(view.steps.map((s) => [s.ruleId, s]));
    expect(steps['transfer-approval']).toMatchObject({
      status: 'met',
      source: expect.stringContaining('第五条'),
    });
    expect(steps['transfer-after-approval']).toMatchObject({ status: 'met', party: 'emergency' });
    // Transferred 07-01 15:00, declined 07-05 10:00: more than 3 days (art. 8).
    expect(steps['filing-decision']).toMatchObject({
      status: 'late',
      party: 'police',
      dueBy: '2024-07-04T07:00:00.000Z',
      source: expect.stringContaining('第八条'),
    });
    expect(steps['reconsideration-request']).toMatchObject({ status: 'met', kind: 'window' });
    // Requested 07-06 10:00: the police owed a decision by 07-09 10:00 (art. 9).
    expect(steps['reconsideration-decision']).toMatchObject({ status: 'overdue', party: 'police' });
    // 应急〔2019〕54号's period is unconfirmed: tracked, with no deadline.
    expect(steps['declined-case-penalty']).toMatchObject({ status: 'pending_no_deadline' });
    expect(steps['declined-case-penalty']!.dueBy).toBeUndefined();
    expect(
      pendingSteps(view)
        .map((s) => s.ruleId)
        .sort(),
    ).toEqual(['declined-case-penalty', 'reconsideration-decision']);
  });

  it('ends in the same state whatever order the agencies’ events arrive in', () => {
    const reversed = [...declinedClue].reverse();
    const shuffled = [
      declinedClue[3]!,
      declinedClue[0]!,
      declinedClue[4]!,
      declinedClue[2]!,
      declinedClue[1]!,
    ];
    expect(ledgerOf(reversed)).toEqual(ledgerOf(declinedClue));
    expect(ledgerOf(shuffled)).toEqual(ledgerOf(declinedClue));
  });

  it('applies the same event once even when it is delivered twice', () => {
    expect(ledgerOf([...declinedClue, declinedClue[1]!])).toEqual(ledgerOf(declinedClue));
  });

  it('applies a period once configured, and judges a step by the rule in force when it started', () => {
    const withPeriod: DeadlineRule[] = DEFAULT_DEADLINE_RULES.map((r) =>
      r.id === 'declined-case-penalty' ? { ...r, withinHours: 30 * 24, source: '本地配置' } : r,
    );
    const stricter: DeadlineRule = {
      ...DEFAULT_DEADLINE_RULES.find((r) => r.id === 'filing-decision')!,
      withinHours: 24,
      inForceFrom: '2024-08-01',
    };
    const view = ledgerOf(declinedClue, [...withPeriod, stricter]);
    const steps = Object.fromEntries(view.steps.map((s) => [s.ruleId, s]));
    expect(steps['declined-case-penalty']).toMatchObject({
      status: 'due',
      dueBy: '2024-08-04T02:00:00.000Z',
    });
    // The transfer happened in July: the August rule does not apply to it.
    expect(steps['filing-decision']).toMatchObject({ dueBy: '2024-07-04T07:00:00.000Z' });
  });

  it('closes the reverse link when the agency decides the penalty itself', () => {
    const view = ledgerOf([
      ...declinedClue,
      emergency(
        'ReturnedCasePenaltyDecided',
        {
          ...clue,
          trigger: 'case_declined',
          outcome: 'penalty_imposed',
          penaltyDecisionNos: ['沪应急罚〔2024〕7号'],
          decidedOn: '2024-07-09',
        },
        '2024-07-09T10:00:00+08:00',
      ),
    ]);
    expect(view).toMatchObject({ stage: 'penalty_decided', open: false });
    expect(view.steps.find((s) => s.ruleId === 'declined-case-penalty')).toMatchObject({
      status: 'done',
    });
  });

  it('applies no rule to a step from before the 2020 revision came into force', () => {
    const old = declinedClue.slice(0, 2).map((e) => ({
      ...e,
      metadata: { ...e.metadata, occurredAt: e.metadata.occurredAt.replace('2024', '2019') },
      data: {
        ...e.data,
        ...('reportedAt' in e.data ? { reportedAt: '2019-06-29T09:00:00+08:00' } : {}),
      },
    })) as typeof declinedClue;
    expect(ledgerOf(old).steps).toEqual([]);
  });
});

describe('clue ledger › when an agency records a transfer years after it happened', () => {
  const late = recorded(
    published(
      'ClueTransferred',
      {
        clueId: 'C-OLD',
        origin: 'enforcement',
        toPoliceUnit: '310105',
        suspectedOffence: '伪造、变造、买卖国家机关证件罪',
        suspects: 1,
        fakeCertificates: 1,
      },
      at('2021-03-01T10:00:00+08:00'),
    ),
    'emergency',
    '2024-07-01T00:00:00.000Z',
  );
  const doc = project(clueLedgerProjection, [late]).get('C-OLD')!;

  it('keeps the event, with when it was recorded', () => {
    expect(doc.timeline).toEqual([
      expect.objectContaining({
        occurredAt: '2021-03-01T10:00:00+08:00',
        recordedAt: '2024-07-01T00:00:00.000Z',
      }),
    ]);
  });

  it('flags it as recorded late, by the configured bound', () => {
    expect(clueLedgerView(doc, DEFAULT_DEADLINE_RULES, NOW).timeline[0]).toMatchObject({
      recordedLate: true,
    });
    expect(clueLedgerView(doc, DEFAULT_DEADLINE_RULES, NOW, 3650).timeline[0]).not.toHaveProperty(
      'recordedLate',
    );
  });

  it('unflagged (for readers that flag the entries they show), the same view with the timeline as recorded', () => {
    const flagged = clueLedgerView(doc, DEFAULT_DEADLINE_RULES, NOW);
    const unflagged = clueLedgerViewUnflagged(doc, DEFAULT_DEADLINE_RULES, NOW);
    expect(unflagged.timeline).toEqual(doc.timeline);
    expect(unflagged.timeline[0]).not.toHaveProperty('recordedLate');
    expect({ ...unflagged, timeline: [] }).toEqual({ ...flagged, timeline: [] });
  });
});

describe('clue ledger › given a transfer approved but not yet made', () => {
  const approved = [
    emergency(
      'ClueTransferApproved',
      { ...clue, reportedAt: '2024-07-09T09:00:00+08:00' },
      '2024-07-10T09:00:00+08:00',
    ),
  ];

  it('waits on the agency that approved it, in its unit, to transfer within 24 hours', () => {
    const view = ledgerOf(approved);
    expect(view).toMatchObject({ transferringAgency: 'emergency', reportingUnit: '310105' });
    expect(pendingSteps(view)).toEqual([
      expect.objectContaining({
        ruleId: 'transfer-after-approval',
        party: 'emergency',
        status: 'due',
        dueBy: '2024-07-11T01:00:00.000Z',
      }),
    ]);
  });
});

describe('clue ledger › as of an instant', () => {
  const recordedBy = (event: (typeof declinedClue)[number], recordedAt: string) => ({
    ...event,
    recorded: { ...event.recorded, recordedAt },
  });
  // Each event recorded an hour after it happened.
  const events = declinedClue.map((e) =>
    recordedBy(e, new Date(Date.parse(e.metadata.occurredAt) + 3600_000).toISOString()),
  );
  const doc = project(clueLedgerProjection, events).get('C1')!;

  it('given an instant before the decline was recorded, shows the filing decision still due then', () => {
    const asOf = '2024-07-03T12:00:00+08:00';
    const view = clueLedgerView(asOfDocument(doc, Date.parse(asOf)), DEFAULT_DEADLINE_RULES, asOf);
    expect(view.stage).toBe('received');
    expect(pendingSteps(view)).toEqual([
      expect.objectContaining({ ruleId: 'filing-decision', status: 'due' }),
    ]);
  });

  it('given an instant after the deadline with nothing recorded, shows it overdue then', () => {
    const asOf = '2024-07-04T18:00:00+08:00';
    const view = clueLedgerView(asOfDocument(doc, Date.parse(asOf)), DEFAULT_DEADLINE_RULES, asOf);
    expect(pendingSteps(view)).toEqual([
      expect.objectContaining({ ruleId: 'filing-decision', status: 'overdue' }),
    ]);
  });

  it('given no instant, is the document as recorded to date', () => {
    expect(asOfDocument(doc, undefined)).toBe(doc);
  });
});
