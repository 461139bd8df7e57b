import { GraphQLError } from 'graphql';
import { ISSUER_OF, isWithinDivision, type CertificateType } from '@hub/domain';
import type { Role, Viewer } from './roles.js';

/**
 * The authorization matrix: which roles may use each operation, and each guarded field.
 * Anything not listed is denied (deny by default); rows are then scoped per role.
 */
export const OPERATION_ROLES: Record<string, readonly Role[]> = {
  me: ['analyst', 'procurator', 'agency_officer', 'court_clerk', 'auditor'],
  forms: ['analyst', 'procurator', 'agency_officer'],
  form: ['analyst', 'procurator', 'agency_officer'],
  formCellEvents: ['analyst', 'procurator'],
  clues: ['analyst', 'procurator', 'agency_officer'],
  clue: ['analyst', 'procurator', 'agency_officer'],
  cases: ['analyst', 'procurator', 'court_clerk'],
  case: ['analyst', 'procurator', 'court_clerk'],
  procuratorWorklist: ['procurator'],
  verifyCertificate: ['analyst', 'agency_officer'],
  screening: ['agency_officer'],
  screeningResults: ['agency_officer'],
  agencyActivity: ['analyst', 'auditor'],
  certificateHolder: ['procurator', 'court_clerk', 'agency_officer'],
  ledgerChanged: ['analyst', 'procurator', 'agency_officer'],
  newlyOverdue: ['analyst', 'procurator', 'agency_officer'],
};

export const FIELD_ROLES: Record<string, readonly Role[]> = {
  'Case.procuratorId': ['analyst', 'procurator'],
};

export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });
}

export function authorize(viewer: Viewer, operation: string): void {
  if (!(OPERATION_ROLES[operation] ?? []).includes(viewer.role))
    throw forbidden(`the role ${viewer.role} may not use ${operation}`);
}

/** A field a role may not read resolves to an error on that field alone. */
export function authorizeField(viewer: Viewer, field: string): void {
  if (!(FIELD_ROLES[field] ?? []).includes(viewer.role))
    throw forbidden(`the role ${viewer.role} may not read ${field}`);
}

/** Whether a division lies in an officer's units; other roles are not unit-scoped. */
export function inUnits(viewer: Viewer, unit: string | undefined): boolean {
  if (viewer.role !== 'agency_officer') return true;
  return unit !== undefined && (viewer.units ?? []).some((u) => isWithinDivision(unit, u));
}

/** Clue rows an officer sees: its agency's transfers, or, for police, those sent to its units. */
export function mayReadClue(
  viewer: Viewer,
  clue: { transferringAgency?: string; reportingUnit?: string; toPoliceUnit?: string },
): boolean {
  if (viewer.role !== 'agency_officer') return true;
  if (viewer.agency === 'police') return inUnits(viewer, clue.toPoliceUnit);
  return clue.transferringAgency === viewer.agency && inUnits(viewer, clue.reportingUnit);
}

/** Case rows a court clerk sees: those that reached the court. */
export function mayReadCase(viewer: Viewer, stage: string): boolean {
  return viewer.role !== 'court_clerk' || stage === 'at_court' || stage === 'judged';
}

/** Unmasking: the criminal-justice roles, and officers of the issuing agency or the police. */
export function mayUnmask(viewer: Viewer, type: CertificateType): boolean {
  if (viewer.role === 'procurator' || viewer.role === 'court_clerk') return true;
  return (
    viewer.role === 'agency_officer' &&
    (viewer.agency === ISSUER_OF[type] || viewer.agency === 'police')
  );
}
