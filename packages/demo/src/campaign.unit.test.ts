import {
  AGENCIES,
  caseTrackingProjection,
  caseView,
  clockAt,
  clueLedgerProjection,
  clueLedgerView,
  DEFAULT_DEADLINE_RULES,
  EVENT_DEFINITIONS,
  pendingSteps,
  procuratorWorklistReasons,
  shanghaiDay,
  validatePublishedEvent,
  type RecordedHubEvent,
} from '@hub/domain';
import { project, recorded, TEST_SEALER } from '@hub/domain/testing';
import { DEMO_REFERENCE_DATE, demoClock, generateDemoCampaign } from './campaign.js';

describe('demo campaign', () => {
  const campaign = generateDemoCampaign();
  const validated = campaign.map(({ agency, event, recordedAt }, i) =>
    validatePublishedEvent(event, agency, i, {
      clock: clockAt(new Date(recordedAt)),
      sealer: TEST_SEALER,
    }),
  );
  // Recorded as the store would, unsealed (the projections below read no personal data).
  const events: RecordedHubEvent[] = campaign.map(({ agency, event, recordedAt }) =>
    recorded(event, agency, recordedAt),
  );

  it('passes the catalogue validation for its publishing agency at the time it is recorded, every event', () => {
    const problems = validated.flatMap((result, i) =>
      result.ok
        ? []
        : result.problems.map((p) => `${campaign[i]!.event.type} ${p.pointer}: ${p.message}`),
    );
    expect(problems).toEqual([]);
  });

  it('involves all seven agencies and districts of three provinces', () => {
    expect(new Set(campaign.map((e) => e.agency))).toEqual(new Set(AGENCIES));
    const provinces = new Set(campaign.map((e) => e.event.reportingUnit.slice(0, 2)));
    expect(provinces).toEqual(new Set(['31', '44', '50']));
  });

  it('uses every event type of the catalogue', () => {
    const used = new Set(campaign.map((e) => e.event.type));
    expect(EVENT_DEFINITIONS.map((d) => d.type).filter((t) => !used.has(t))).toEqual([]);
  });

  it('is the same on every run (so loading it twice is idempotent)', () => {
    expect(generateDemoCampaign().map((e) => e.event.id)).toEqual(campaign.map((e) => e.event.id));
  });

  it('counts its days from the documented reference date, and records each event shortly after it happened', () => {
    expect(DEMO_REFERENCE_DATE).toBe('2024-11-15T12:00:00+08:00');
    expect(demoClock().at(-479)).toBe('2023-07-25T10:00:00+08:00');
    for (const { event, recordedAt } of campaign) {
      const late = Date.parse(recordedAt) - Date.parse(event.occurredAt);
      expect(late).toBe(20 * 60_000);
      expect(Date.parse(recordedAt)).toBeLessThanOrEqual(Date.parse(DEMO_REFERENCE_DATE));
    }
    // A later reference date moves the whole campaign with it.
    const later = new Map(
      generateDemoCampaign({ reference: '2025-11-15T12:00:00+08:00' }).map((e) => [
        e.event.id,
        e.event.occurredAt,
      ]),
    );
    for (const { event } of campaign)
      expect(Date.parse(later.get(event.id)!) - Date.parse(event.occurredAt)).toBe(
        365 * 86_400_000,
      );
  });

  it('puts the Guangdong events in September 2024 and the Jiangjin ones in the 2023 campaign', () => {
    const days = (unit: string) =>
      campaign
        .filter((e) => e.event.reportingUnit === unit && e.event.type === 'InspectionConducted')
        .map((e) => shanghaiDay(e.event.occurredAt));
    expect(days('440703').some((d) => d >= 20240901 && d <= 20240930)).toBe(true);
    expect(days('500116').every((d) => d >= 20230720 && d <= 20231210)).toBe(true);
  });

  describe('at the reference date', () => {
    const handled = (types: readonly string[]) => events.filter((e) => types.includes(e.type));
    const clues = [
      ...project(clueLedgerProjection, handled(clueLedgerProjection.handles)).values(),
    ].map((d) => clueLedgerView(d, DEFAULT_DEADLINE_RULES, DEMO_REFERENCE_DATE));
    const cases = [
      ...project(caseTrackingProjection, handled(caseTrackingProjection.handles)).values(),
    ].map(caseView);

    it('leaves open work for every party: due, overdue and pending steps', () => {
      const pending = clues.flatMap((c) => pendingSteps(c).map((s) => `${s.party}:${s.status}`));
      expect(pending).toEqual(
        expect.arrayContaining([
          'police:due',
          'police:overdue',
          'emergency:due',
          'procuratorate:pending_no_deadline',
          'emergency:pending_no_deadline',
        ]),
      );
    });

    it('shows no step as late by more than a day, and none recorded late', () => {
      for (const clue of clues)
        for (const step of clue.steps.filter((s) => s.status === 'late'))
          expect(Date.parse(step.endedAt!) - Date.parse(step.dueBy!)).toBeLessThan(86_400_000);
      expect(clues.flatMap((c) => c.timeline).some((e) => e.recordedLate)).toBe(false);
    });

    it('gives the procurator a worklist: a decision to take, a reverse link to follow', () => {
      const reasons = cases.flatMap(procuratorWorklistReasons);
      expect(reasons).toEqual(
        expect.arrayContaining([
          'awaiting_prosecution_decision',
          'awaiting_penalty_after_non_prosecution',
          'awaiting_reply_to_opinion',
        ]),
      );
      expect(cases.some((c) => c.stage === 'at_court')).toBe(true);
      expect(cases.some((c) => c.stage === 'judged')).toBe(true);
    });

    it('counts people consistently from the transfer to the judgment', () => {
      for (const c of cases) {
        const clue = clues.find((v) => v.clueId === c.clueId);
        if (clue?.suspects !== undefined && c.suspects !== undefined)
          expect(c.suspects).toBe(clue.suspects);
        if (c.prosecutedPersons !== undefined)
          expect(c.prosecutedPersons).toBeLessThanOrEqual(c.suspects ?? 0);
        if (c.judgment)
          expect(c.judgment.convictedPersons + c.judgment.acquittedPersons).toBe(
            c.prosecutedPersons,
          );
        if (c.nonProsecutedPersons !== undefined)
          expect(c.nonProsecutedPersons).toBeLessThanOrEqual(c.suspects ?? 0);
      }
      for (const { event } of campaign.filter((e) => e.event.type === 'ClueTransferred')) {
        const data = event.data as { suspects: number; suspectPersons?: unknown[] };
        expect(data.suspectPersons?.length ?? data.suspects).toBe(data.suspects);
      }
    });
  });
});
