import type { DocumentProjection } from '../projections/projection.js';
import { enclosingDivisions } from '../shared/value-objects/division-code.js';
import { clueTransferEvents } from './events.js';

/**
 * An index of the clue ledger by unit: one small document per (unit, clue) for every unit a
 * clue concerns, under the unit itself and each division enclosing it (district, city,
 * province). A viewer scoped to some units then pages through its own clues in clue order,
 * instead of reading every clue of the country to find them. It lists every unit the scope
 * check can take (the reporting unit of each entry and the police unit a clue went to), so it
 * never hides a clue; the exact check still decides on each one it finds.
 */
export interface ClueUnitEntry {
  clueId: string;
}

const SEPARATOR = ':';

/** The index key of a clue under a unit: the unit's 6 digits, then the clue id. */
export const clueUnitKey = (unit: string, clueId: string) => `${unit}${SEPARATOR}${clueId}`;

/** Where a unit's entries begin: every key of the unit starts with it, and no other key does. */
export const clueUnitPrefix = (unit: string) => `${unit}${SEPARATOR}`;

/** The units a division counts toward in a scope: itself and the divisions enclosing it. */
export const scopeTermsOf = (code: string): string[] => [code, ...enclosingDivisions(code)];

export const clueLedgerUnitsProjection: DocumentProjection<ClueUnitEntry> = {
  kind: 'documents',
  name: 'clue-ledger-units',
  version: 1,
  handles: clueTransferEvents.map((d) => d.type),
  keysOf(event) {
    const data = event.data as { clueId?: string; toPoliceUnit?: string | number };
    if (!data.clueId) return [];
    const codes = [event.metadata.reportingUnit];
    if (data.toPoliceUnit !== undefined) codes.push(String(data.toPoliceUnit));
    const units = new Set(codes.filter((c) => /^\d{6}$/.test(c)).flatMap(scopeTermsOf));
    return [...units].map((unit) => clueUnitKey(unit, data.clueId!));
  },
  evolve(document, event) {
    return document ?? { clueId: (event.data as { clueId: string }).clueId };
  },
};
