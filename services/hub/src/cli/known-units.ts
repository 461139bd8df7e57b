import {
  divisionLevel,
  hasDivisionName,
  planForm,
  type CellQuery,
  type FormRequest,
} from '@hub/domain';
import type { ReadModelStore } from '@hub/read-models';
import { usage } from './usage.js';

/** Provinces are complete in the division table; lower divisions only where the hub met them. */
export const isProvince = (code: string): boolean =>
  divisionLevel(code) === 'province' && hasDivisionName(code);

const unknownUnit = (unit: string) =>
  usage(
    `未知的行政区划代码 ${unit}：不在平台的区划表中，也没有该单位或其下级上报的数据`,
    `unknown division code ${unit}: not in the hub's division table, and nothing was reported in it`,
  );

/**
 * A form is refused for a unit that is neither in the division table nor has any data under
 * it: without the check a typo (310150 for 310105) prints a form of zeros headed by a unit
 * that does not exist. Each figure of the form is asked for one fact, at any date, in the unit.
 */
export async function checkFormUnit(readModels: ReadModelStore, request: FormRequest) {
  if (hasDivisionName(request.unit)) return;
  const { cells } = planForm(request);
  for (const cell of cells) {
    if (cell.scope !== 'total') continue;
    const { measureId, aggregate, unitFrom, unitTo } = cell.query;
    const anyTime: CellQuery = {
      measureId,
      aggregate,
      unitFrom,
      unitTo,
      dayFrom: 0,
      dayTo: 99_991_231,
      groupDigits: 0,
    };
    if ((await readModels.trace(anyTime, 1)).length > 0) return;
  }
  throw unknownUnit(request.unit);
}

/** The same for the ledger: a unit is known when it is named or some clue was reported in it. */
export function checkLedgerUnit(unit: string, hasClues: boolean): void {
  if (!hasDivisionName(unit) && !hasClues) throw unknownUnit(unit);
}
