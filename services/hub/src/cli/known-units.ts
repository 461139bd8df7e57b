import { divisionLevel, hasDivisionName } from '@hub/domain';

/**
 * Provinces are checked from the flag alone (the first two digits of a code); whether a city
 * or district exists is the one check of the read models (assertKnownUnit).
 */
export const isProvince = (code: string): boolean =>
  divisionLevel(code) === 'province' && hasDivisionName(code);
