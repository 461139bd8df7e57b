import { AGENCIES, clockAt, validatePublishedEvent, EVENT_DEFINITIONS } from '@hub/domain';
import { TEST_SEALER } from '@hub/domain/testing';
import { generateDemoCampaign } from './campaign.js';

describe('demo campaign', () => {
  const campaign = generateDemoCampaign();

  it('passes the catalogue validation for its publishing agency, every event', () => {
    const problems = campaign.flatMap(({ agency, event }, i) => {
      const result = validatePublishedEvent(event, agency, i, {
        clock: clockAt(new Date()),
        sealer: TEST_SEALER,
      });
      return result.ok
        ? []
        : result.problems.map((p) => `${event.type} ${p.pointer}: ${p.message}`);
    });
    expect(problems).toEqual([]);
  });

  it('involves all seven agencies and at least three districts', () => {
    expect(new Set(campaign.map((e) => e.agency))).toEqual(new Set(AGENCIES));
    expect(
      new Set(campaign.map((e) => e.event.reportingUnit).filter((u) => !u.endsWith('0000'))).size,
    ).toBeGreaterThanOrEqual(3);
  });

  it('uses every event type of the catalogue', () => {
    const used = new Set(campaign.map((e) => e.event.type));
    expect(EVENT_DEFINITIONS.map((d) => d.type).filter((t) => !used.has(t))).toEqual([]);
  });

  it('is the same on every run (so loading it twice is idempotent)', () => {
    expect(generateDemoCampaign().map((e) => e.event.id)).toEqual(campaign.map((e) => e.event.id));
  });
});
