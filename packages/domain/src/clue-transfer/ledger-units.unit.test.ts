import type { Agency } from '../shared/agencies.js';
import { project, published, recorded } from '../testing/index.js';
import { clueInUnits } from '../access/scope.js';
import { DEFAULT_DEADLINE_RULES } from './deadline-rules.js';
import { clueLedgerProjection, clueLedgerView } from './ledger.js';
import { clueLedgerUnitsProjection, clueUnitKey } from './ledger-units.js';

const event = (type: string, agency: Agency, reportingUnit: string, data: object) =>
  recorded(
    published(type, data, { occurredAt: '2024-07-01T15:00:00+08:00', reportingUnit }),
    agency,
  );

/** A Pudong (310115) clue sent to the police of Minhang (310112), which signs for it there. */
const transferred = [
  event('ClueTransferred', 'emergency', '310115', {
    clueId: 'C1',
    origin: 'enforcement',
    toPoliceUnit: '310112',
    suspectedOffence: '伪造、变造、买卖国家机关证件罪',
    suspects: 1,
    fakeCertificates: 2,
  }),
  event('ClueReceiptSigned', 'police', '310112', {
    clueId: 'C1',
    transferringAgency: 'emergency',
    receivedAt: '2024-07-01T16:00:00+08:00',
  }),
];

describe('the clue ledger by unit', () => {
  it('given a transfer and its receipt, lists the clue under each unit and the divisions enclosing it', () => {
    const keys = [...project(clueLedgerUnitsProjection, transferred).keys()].sort();
    expect(keys).toEqual(
      ['310000', '310100', '310112', '310115'].map((unit) => clueUnitKey(unit, 'C1')),
    );
  });

  it('lists a clue under exactly the units whose scope the ledger check lets see it', () => {
    const index = project(clueLedgerUnitsProjection, transferred);
    const view = clueLedgerView(
      project(clueLedgerProjection, transferred).get('C1')!,
      DEFAULT_DEADLINE_RULES,
      '2024-07-02T12:00:00+08:00',
    );
    const units = ['310000', '310100', '310112', '310115', '310101', '320000', '320100', '440305'];
    for (const unit of units)
      expect([unit, index.has(clueUnitKey(unit, 'C1'))]).toEqual([unit, clueInUnits([unit], view)]);
    // The control: some units see it and some do not, so the comparison can fail both ways.
    expect(units.filter((u) => clueInUnits([u], view))).toHaveLength(4);
  });

  it('ignores events without a clue id, as the ledger does', () => {
    const keys = project(clueLedgerUnitsProjection, [
      event('ClueTransferred', 'emergency', '310115', { origin: 'enforcement' }),
    ]);
    expect(keys.size).toBe(0);
  });
});
