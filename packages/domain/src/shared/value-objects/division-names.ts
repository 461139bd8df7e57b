import { divisionLevel } from './division-code.js';
import { GB_T_2260 } from './division-table.js';

let table: ReadonlyMap<string, string> | undefined;

/** The GB/T 2260 table as code → name, parsed once on first use. */
function divisions(): ReadonlyMap<string, string> {
  if (!table) {
    const map = new Map<string, string>();
    for (const line of GB_T_2260.split('\n'))
      if (line.length > 6) map.set(line.slice(0, 6), line.slice(6));
    table = map;
  }
  return table;
}

/**
 * Prefecture-level entries that only group county-level divisions: a municipality's 市辖区 and
 * 县, and a province's 省直辖县级行政区划 (仙桃市 and its like). Nobody reports as one, and a form
 * lists their counties directly (the Shanghai form lists 16 districts, not 上海市市辖区).
 */
export function isGroupingDivision(code: string): boolean {
  if (divisionLevel(code) !== 'city') return false;
  const name = divisions().get(code);
  return name === '市辖区' || name === '县' || (name?.endsWith('直辖县级行政区划') ?? false);
}

/**
 * The name of a division as printed on forms (GB/T 2260); a grouping entry carries its
 * province's name (上海市市辖区); a code not in the table prints as itself.
 */
export function divisionName(code: string): string {
  const name = divisions().get(code);
  if (name === undefined) return code;
  return isGroupingDivision(code) ? `${divisions().get(`${code.slice(0, 2)}0000`)}${name}` : name;
}

/** True when the division is in the GB/T 2260 table shipped with the hub. */
export function hasDivisionName(code: string): boolean {
  return divisions().has(code);
}

/**
 * The units a division's form lists as its rows, in code order: a province's prefecture-level
 * divisions, with the county-level divisions of grouping entries in their place (so a
 * municipality lists its districts); a prefecture's county-level divisions; nothing below a
 * county. Taken from the table, never from the events seen: a unit with nothing to report
 * still has its row.
 */
export function childDivisions(code: string): string[] {
  const level = divisionLevel(code);
  if (level === 'district' || !divisions().has(code)) return [];
  const children: string[] = [];
  for (const candidate of divisions().keys()) {
    if (candidate === code) continue;
    if (level === 'province') {
      if (candidate.slice(0, 2) !== code.slice(0, 2)) continue;
      const city = `${candidate.slice(0, 4)}00`;
      const direct = divisionLevel(candidate) === 'city' && !isGroupingDivision(candidate);
      const underGrouping = divisionLevel(candidate) === 'district' && isGroupingDivision(city);
      if (direct || underGrouping) children.push(candidate);
    } else if (candidate.slice(0, 4) === code.slice(0, 4)) children.push(candidate);
  }
  return children.sort();
}
