import type { ClueLedgerView } from '../clue-transfer/ledger.js';
import type { InspectionOutcomeDocument } from '../inspections/penalty-instead-of-prosecution.js';
import type { CaseView } from '../prosecution/tracking.js';
import type { TimelineEntry } from '../projections/timeline.js';
import { withinUnits } from '../shared/value-objects/division-code.js';

/**
 * Which rows a reader's units let it see, the same for every transport (GraphQL users, agency
 * credentials over HTTP): a row is in scope when one of the divisions it concerns lies in one
 * of the reader's units. A city's task force sees its districts, a district's its own; a
 * reader sees wider only when its units are wider.
 */
const touches = (units: readonly string[], codes: ReadonlyArray<string | undefined>) =>
  codes.some((code) => withinUnits(units, code));

const timelineUnits = (timeline: readonly TimelineEntry[]) => timeline.map((e) => e.reportingUnit);

/** A clue concerns the transferring unit, the police unit it went to, and every unit that acted on it. */
export const clueInUnits = (
  units: readonly string[],
  clue: Pick<ClueLedgerView, 'reportingUnit' | 'toPoliceUnit' | 'timeline'>,
) => touches(units, [clue.reportingUnit, clue.toPoliceUnit, ...timelineUnits(clue.timeline)]);

/** A case concerns every unit that acted on it (police, procuratorate, court). */
export const caseInUnits = (units: readonly string[], view: Pick<CaseView, 'timeline'>) =>
  touches(units, timelineUnits(view.timeline));

/** An inspection concerns the unit that reported it. */
export const inspectionInUnits = (
  units: readonly string[],
  doc: Pick<InspectionOutcomeDocument, 'reportingUnit'>,
) => touches(units, [doc.reportingUnit]);
