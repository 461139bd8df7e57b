import { clueLedgerProjection } from '../clue-transfer/ledger.js';
import { clueLedgerUnitsProjection } from '../clue-transfer/ledger-units.js';
import { inspectionOutcomeProjection } from '../inspections/penalty-instead-of-prosecution.js';
import { caseTrackingProjection } from '../prosecution/tracking.js';
import { STATISTIC_MEASURES, statisticFactsOf, statisticWarningsOf } from '../statistics/facts.js';
import { agencyActivityProjection } from './agency-activity.js';
import type { FactProjection, Projection } from './projection.js';

export const statisticsProjection: FactProjection = {
  kind: 'facts',
  name: 'statistics',
  // 2: a summed value past MAX_SUMMABLE (stored before amounts were bounded) adds nothing.
  // 3: aggregates per unit and day beside the facts (forms read them): a read model built
  // before has none, so it is rebuilt.
  // 4: an `except` answered from the aggregates (SQLite rm_except_days): rebuilt to fill them.
  version: 4,
  handles: STATISTIC_MEASURES.eventTypes(),
  factsOf: (event) => statisticFactsOf(event),
  warningsOf: (event) => statisticWarningsOf(event),
};

/** Every projection the hub runs, by name. */
export const PROJECTIONS: readonly Projection[] = [
  statisticsProjection,
  clueLedgerProjection,
  clueLedgerUnitsProjection,
  caseTrackingProjection,
  inspectionOutcomeProjection,
  agencyActivityProjection,
];
