import {
  hasDivisionName,
  isWithinDivision,
  STATISTIC_MEASURES,
  unitRange,
  type ClueLedgerDocument,
} from '@hub/domain';
import type { ReadModelStore } from './port.js';

export class UnknownUnitError extends Error {
  readonly code = 'UNKNOWN_UNIT';
  constructor(readonly unit: string) {
    super(
      `未知的行政区划代码 ${unit}：不在 GB/T 2260 区划表中，也没有该单位或其下级上报的数据；请核对代码 / unknown division code ${unit}: not in the GB/T 2260 table and nothing was reported in it; check the code`,
    );
  }
}

/**
 * Whether a unit may head a form or filter the ledger: a division of the GB/T 2260 table, or
 * a code (an old one, since renumbered) under which something was reported. Without the
 * check a typo (310150 for 310105) prints a form of zeros headed by a unit that does not exist.
 */
export async function isKnownUnit(readModels: ReadModelStore, unit: string): Promise<boolean> {
  if (hasDivisionName(unit)) return true;
  const range = unitRange(unit);
  for (const type of STATISTIC_MEASURES.eventTypes())
    for (const { id, measure } of STATISTIC_MEASURES.measuresOf(type)) {
      const query = {
        measureId: id,
        aggregate: measure.kind === 'count' && measure.distinct ? 'distinct' : 'sum',
        ...range,
        dayFrom: 0,
        dayTo: 99_991_231,
        groupDigits: 0,
      } as const;
      if ((await readModels.trace(query, 1)).length > 0) return true;
    }
  const clues = await readModels.listDocuments('clue-ledger');
  return clues.some(({ value }) =>
    (value as ClueLedgerDocument).timeline.some((e) => isWithinDivision(e.reportingUnit, unit)),
  );
}

/** The one check every interface (HTTP, GraphQL, CLI) makes of a unit it is given. */
export async function assertKnownUnit(readModels: ReadModelStore, unit: string): Promise<void> {
  if (!(await isKnownUnit(readModels, unit))) throw new UnknownUnitError(unit);
}
