import { GraphQLError } from 'graphql';
import {
  caseInUnits,
  clueInUnits,
  withinUnits,
  type CaseView,
  type ClueLedgerView,
} from '@hub/domain';
import type { Role, Viewer } from './roles.js';

/**
 * The authorization matrix: which roles may use each operation, and each guarded field.
 * Anything not listed is denied (deny by default); rows are then scoped per role.
 */
export const OPERATION_ROLES: Record<string, readonly Role[]> = {
  me: ['analyst', 'procurator', 'agency_officer', 'court_clerk', 'auditor', 'administrator'],
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
  auditTrail: ['auditor'],
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

/** Whether a division lies in the viewer's units: every role is scoped by its units. */
export function inUnits(viewer: Viewer, unit: string | undefined): boolean {
  return withinUnits(viewer.units ?? [], unit);
}

/**
 * Clue rows a viewer sees: those that concern its units; an officer only its agency's
 * transfers among them, or, for police, the clues sent to its units.
 */
export function mayReadClue(
  viewer: Viewer,
  clue: Pick<ClueLedgerView, 'transferringAgency' | 'reportingUnit' | 'toPoliceUnit' | 'timeline'>,
): boolean {
  if (viewer.role !== 'agency_officer') return clueInUnits(viewer.units ?? [], clue);
  if (viewer.agency === 'police') return inUnits(viewer, clue.toPoliceUnit);
  return clue.transferringAgency === viewer.agency && inUnits(viewer, clue.reportingUnit);
}

/** Case rows a viewer sees: those that concern its units; a court clerk only those at court. */
export function mayReadCase(viewer: Viewer, view: Pick<CaseView, 'stage' | 'timeline'>): boolean {
  if (viewer.role === 'court_clerk' && view.stage !== 'at_court' && view.stage !== 'judged')
    return false;
  return caseInUnits(viewer.units ?? [], view);
}
